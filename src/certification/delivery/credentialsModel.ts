import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * An LSP's credentials for talking to this platform: one document per LSP, `_id` = the LSP's id.
 * The API token (`lsp_…`) is stored as its SHA-256 only, and shown once when issued; issuing a new
 * one replaces it (the old stops working at once). The webhook secret itself lives on the Lsp
 * (`webhookSecret`, select: false), since signing needs it; here only when and by whom it was issued.
 */
const lspCredentialsSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'Lsp', required: true },
    /** SHA-256 (hex) of the current API token; null when none was issued. */
    tokenHash: { type: String, default: null },
    /** The token's first characters, so an admin can tell which one an LSP holds. */
    tokenPrefix: { type: String, default: '' },
    tokenIssuedAt: { type: Date, default: null },
    tokenIssuedByName: { type: String, default: '' },
    tokenLastUsedAt: { type: Date, default: null },
    secretIssuedAt: { type: Date, default: null },
    secretIssuedByName: { type: String, default: '' },
  },
  { timestamps: true },
);
// An API request finds its LSP by the token's hash: indexed equality.
lspCredentialsSchema.index({ tokenHash: 1 });

export type LspCredentialsDoc = InferSchemaType<typeof lspCredentialsSchema> & { _id: mongoose.Types.ObjectId };
export const LspCredentials = mongoose.model('LspCredentials', lspCredentialsSchema);
