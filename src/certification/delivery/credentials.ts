import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { type Actor, authorize } from '../../platform/permissions.js';
import { sha256Hex } from '../../platform/text.js';
import { namesOfUsers } from '../../users/directory.js';
import type { LspView } from '../lspSchemas.js';
import { findLsp } from '../lsps.js';
import { Lsp } from '../model.js';
import { LspCredentials, type LspCredentialsDoc } from './credentialsModel.js';

/**
 * An LSP's API token and webhook secret, issued and rotated by admins ('lsp.manage') on the LSP's
 * credentials page and shown once. The token's prefix (`lsp_`) keeps it apart from a user's
 * (`kpt_`, tokens/): auth/passport.ts never takes it for a user, and only the results API
 * (results/routes.ts, through `lspForToken`) accepts it, for that LSP's own batches.
 */
export const lspTokenPrefix = 'lsp_';
export const webhookSecretPrefix = 'whsec_';

export type CredentialsView = {
  lsp: LspView;
  token: { prefix: string; issuedAt: Date; issuedByName: string; lastUsedAt: Date | null } | null;
  secret: { issuedAt: Date | null; issuedByName: string } | null;
};

async function managedLsp(actor: Actor | null, lspId: string): Promise<LspView> {
  authorize(actor, 'lsp.manage');
  return findLsp(lspId);
}

async function nameOf(actor: Actor): Promise<string> {
  return (await namesOfUsers([actor.id])).get(actor.id) ?? '';
}

export async function lspCredentials(actor: Actor | null, lspId: string): Promise<CredentialsView> {
  const lsp = await managedLsp(actor, lspId);
  const stored = await LspCredentials.findById(lsp.id).lean<LspCredentialsDoc>();
  return {
    lsp,
    token:
      stored?.tokenHash && stored.tokenIssuedAt
        ? {
            prefix: stored.tokenPrefix,
            issuedAt: stored.tokenIssuedAt,
            issuedByName: stored.tokenIssuedByName,
            lastUsedAt: stored.tokenLastUsedAt ?? null,
          }
        : null,
    secret: lsp.hasWebhookSecret
      ? { issuedAt: stored?.secretIssuedAt ?? null, issuedByName: stored?.secretIssuedByName ?? '' }
      : null,
  };
}

/** Issues a new API token for the LSP, replacing the one it had; the token is returned once, never stored. */
export async function issueLspToken(actor: Actor | null, lspId: string, now = new Date()): Promise<string> {
  const lsp = await managedLsp(actor, lspId);
  const token = lspTokenPrefix + randomBytes(32).toString('base64url');
  await LspCredentials.updateOne(
    { _id: lsp.id },
    {
      $set: {
        tokenHash: sha256Hex(token),
        tokenPrefix: token.slice(0, 10),
        tokenIssuedAt: now,
        tokenIssuedByName: await nameOf(actor!),
        tokenLastUsedAt: null,
      },
    },
    { upsert: true },
  );
  return token;
}

/** Ends the LSP's API token without issuing another. */
export async function revokeLspToken(actor: Actor | null, lspId: string): Promise<void> {
  const lsp = await managedLsp(actor, lspId);
  await LspCredentials.updateOne({ _id: lsp.id }, { $set: { tokenHash: null, tokenPrefix: '', tokenIssuedAt: null } });
}

/**
 * Issues a new webhook secret for the LSP (written into the Lsp, where the signer reads it), returned
 * once. Pushes from now on are signed with it; the LSP must put it in place before the next one.
 */
export async function issueWebhookSecret(actor: Actor | null, lspId: string, now = new Date()): Promise<string> {
  const lsp = await managedLsp(actor, lspId);
  const secret = webhookSecretPrefix + randomBytes(32).toString('base64url');
  await Lsp.updateOne({ _id: lsp.id }, { $set: { webhookSecret: secret } });
  await LspCredentials.updateOne(
    { _id: lsp.id },
    { $set: { secretIssuedAt: now, secretIssuedByName: await nameOf(actor!) } },
    { upsert: true },
  );
  return secret;
}

/** The key that signs the LSP's pushes ('' when none was issued); read only by the delivery worker. */
export async function webhookSecretOf(lspId: string): Promise<string> {
  if (!mongoose.isValidObjectId(lspId)) return '';
  const lsp = await Lsp.findById(lspId).select('+webhookSecret').lean<{ webhookSecret?: string }>();
  return lsp?.webhookSecret ?? '';
}

export type LspClient = { id: string; name: string };

const lastUsedPrecisionMs = 60_000;

/** The active LSP an API token belongs to, or null. */
export async function lspForToken(token: string, now = Date.now()): Promise<LspClient | null> {
  if (!token.startsWith(lspTokenPrefix)) return null;
  const stored = await LspCredentials.findOne({ tokenHash: sha256Hex(token) }).lean<LspCredentialsDoc>();
  if (!stored) return null;
  const lsp = await Lsp.findById(stored._id, { name: 1, active: 1 }).lean<{ name: string; active?: boolean }>();
  if (!lsp || lsp.active === false) return null;
  if (!stored.tokenLastUsedAt || now - stored.tokenLastUsedAt.getTime() > lastUsedPrecisionMs) {
    // Recorded to the minute, so a busy client does not write on every request.
    await LspCredentials.updateOne({ _id: stored._id }, { $set: { tokenLastUsedAt: new Date(now) } });
  }
  return { id: String(stored._id), name: lsp.name };
}
