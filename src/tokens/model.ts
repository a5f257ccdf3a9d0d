import mongoose, { type InferSchemaType } from 'mongoose';
import { newAccountSessionEpoch } from '../users/model.js';

/** A bearer token for API clients. Only the SHA-256 of the secret is stored. */
const apiTokenSchema = new mongoose.Schema(
  {
    user: { type: mongoose.Schema.Types.ObjectId, ref: 'User', required: true, index: true },
    name: { type: String, required: true, trim: true },
    hash: { type: String, required: true, unique: true },
    /** The first characters of the token, shown so an owner can tell tokens apart. */
    prefix: { type: String, required: true },
    lastUsedAt: { type: Date, default: null },
    /** The owner's session epoch when the token was issued: it works only while the owner has it. */
    epoch: { type: String, default: newAccountSessionEpoch },
  },
  { timestamps: true },
);
export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema>;
export const ApiToken = mongoose.model('ApiToken', apiTokenSchema);
