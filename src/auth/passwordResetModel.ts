import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * The password-reset state of one account (`_id` is the account's id): the trainee's open request
 * for a new link, if any, and the newest link staff issued. One document per account, so asking
 * again refreshes the request instead of piling up new ones, whoever races.
 * Records are deleted by the periodic clean-up once `keepUntil` passes (FerretDB has no TTL index).
 */
export const passwordResetStatuses = ['open', 'closed'] as const;
const passwordResetSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'User', required: true },
    /** `open` while a trainee's request waits for staff; `closed` once a link was issued or used. */
    status: { type: String, enum: passwordResetStatuses, default: 'closed' },
    /** The centres whose coordinators see the request (passwordReset.ts centresOf), taken when asked. */
    institutions: { type: [ObjectId], ref: 'Institution', default: [] },
    requestedAt: { type: Date, default: null },
    /** Who issued the newest link and when: on a handled request, who handled it. */
    handledBy: { type: ObjectId, ref: 'User', default: null },
    handledAt: { type: Date, default: null },
    /** The expiry (Unix seconds) of the newest link issued: only that link works (a newer one replaces it). */
    linkExpiry: { type: Number, default: null },
    /** The expiry of the newest link used, to tell "already used" from an altered link. */
    usedLinkExpiry: { type: Number, default: null },
    usedAt: { type: Date, default: null },
    /** When the clean-up may delete the record: a week after its last request, link or use. */
    keepUntil: { type: Date, required: true },
  },
  { versionKey: false },
);
passwordResetSchema.index({ institutions: 1, status: 1 });
passwordResetSchema.index({ status: 1, requestedAt: -1 });
passwordResetSchema.index({ keepUntil: 1 });
export type PasswordResetDoc = InferSchemaType<typeof passwordResetSchema> & { _id: mongoose.Types.ObjectId };
export const PasswordReset = mongoose.model('PasswordReset', passwordResetSchema);
