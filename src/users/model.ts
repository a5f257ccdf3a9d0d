import mongoose, { type InferSchemaType } from 'mongoose';
import { languages } from '../platform/i18n.js';
import { roles } from '../platform/permissions.js';
import { provinceCodes } from '../platform/provinces.js';

/** The epoch of an account that never changed its password (and of accounts older than epochs). */
export const newAccountSessionEpoch = '';

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
    /**
     * Every session and API token records the epoch of the account when it was made, and works
     * only while the account still has it. Changing the password or logging out everywhere sets a
     * new random epoch, which ends all of them at once, whichever process made them, with no
     * list of sessions to keep (sessions are found by id only) and no clocks to compare.
     */
    sessionEpoch: { type: String, default: newAccountSessionEpoch },
    createdBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', default: null },
  },
  { timestamps: true },
);
userSchema.index({ institution: 1, role: 1, name: 1 });
// A trainee who forgot their password may name the account by phone (auth/passwordResetRequests.ts).
userSchema.index({ phone: 1 });

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: mongoose.Types.ObjectId };
export const User = mongoose.model('User', userSchema);
