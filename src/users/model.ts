import mongoose, { type InferSchemaType } from 'mongoose';
import { provinceCodes } from '../institutions/provinces.js';
import { languages } from '../platform/i18n.js';
import { roles } from '../platform/permissions.js';

const userSchema = new mongoose.Schema(
  {
    name: { type: String, required: true, trim: true },
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    phone: { type: String, trim: true, default: '' },
    province: { type: String, enum: [...provinceCodes, null], default: null },
    passwordHash: { type: String, required: true, select: false },
    role: { type: String, required: true, enum: roles },
    institution: { type: mongoose.Schema.Types.ObjectId, ref: 'Institution', default: null },
    language: { type: String, enum: languages, default: 'id' },
    active: { type: Boolean, default: true },
    lastLoginAt: { type: Date, default: null },
    createdBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', default: null },
  },
  { timestamps: true },
);
userSchema.index({ institution: 1, role: 1, name: 1 });

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: mongoose.Types.ObjectId };
export const User = mongoose.model('User', userSchema);
