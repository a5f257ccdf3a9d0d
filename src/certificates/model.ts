import mongoose from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * An institution's Ed25519 signing key for its Open Badges credentials and status list. Made on
 * first need; `generation` 1 is the first, and a next one is made only when the stored secret half
 * can no longer be opened (the session secret changed, see keys.ts). Older generations stay, so
 * the public keys of credentials already handed out stay published.
 */
const institutionKeySchema = new mongoose.Schema(
  {
    institution: { type: ObjectId, ref: 'Institution', required: true },
    generation: { type: Number, required: true },
    /** The public key as a Multikey (`z6Mk…`, base58btc). */
    publicKeyMultibase: { type: String, required: true },
    /** The secret key's Multikey, encrypted (AES-256-GCM under a key derived from the session secret). */
    sealedSecretKey: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
// One key per generation and institution, however many requests ask for the first at once: the
// loser of the race reads the winner's.
institutionKeySchema.index({ institution: 1, generation: 1 }, { unique: true });
export const InstitutionKey = mongoose.model('InstitutionKey', institutionKeySchema);
export type InstitutionKeyDoc = {
  _id: mongoose.Types.ObjectId;
  institution: mongoose.Types.ObjectId;
  generation: number;
  publicKeyMultibase: string;
  sealedSecretKey: string;
  createdAt: Date;
};

/**
 * The Open Badges credential of a completion record, signed once and kept as the exact text handed
 * out: every download gives the same bytes, and a credential brought back for checking is compared
 * with it. `_id` is the record's id.
 */
const issuedCredentialSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    json: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
export const IssuedCredential = mongoose.model('IssuedCredential', issuedCredentialSchema);
export type IssuedCredentialDoc = { _id: string; institution: mongoose.Types.ObjectId; json: string; createdAt: Date };
