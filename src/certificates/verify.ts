import * as vc from '@digitalbazaar/vc';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import canonicalize from 'canonicalize';
import { assertUnderLimits, type Counter, recordAttempt } from '../auth/throttle.js';
import { formatCode, type RecordView, recordByCode, recordById } from '../completion/records.js';
import { isJsonObject } from '../platform/text.js';
import { keptCredentialOf } from './badge.js';
import { verificationLoader } from './documents.js';
import { type CertificateFacts, certificateFacts } from './facts.js';
import { credentialsContext, openBadgesContext } from './issuer.js';
import { type Json, verifyingSuite } from './signing.js';
import { readAddress } from './urls.js';

/**
 * The public verification page's checks: of a code typed or scanned, and of a credential pasted or
 * uploaded. Codes are 60 random bits, and each address may fail only `lookupLimit` lookups in the
 * throttle's window (15 minutes), so codes cannot be counted through to find trainees.
 */
export const lookupLimit = 20;
/** The largest credential accepted for checking: ours are a few kilobytes. */
export const credentialLimitBytes = 100 * 1024;
const lookupCounter = (address: string): Counter[] => [{ key: `certificate-lookup:${address}`, limit: lookupLimit }];

export type Revoked = { at: Date; reason: string; replacement: string | null };
export type CodeCheck =
  | { state: 'unknown' }
  | { state: 'valid'; facts: CertificateFacts }
  | { state: 'revoked'; facts: CertificateFacts; revoked: Revoked };
export type CredentialCheck =
  | { state: 'unknown' }
  | { state: 'tampered'; facts: CertificateFacts }
  | { state: 'valid'; facts: CertificateFacts }
  | { state: 'revoked'; facts: CertificateFacts; revoked: Revoked };

export async function revocationOf(record: RecordView): Promise<Revoked> {
  const replacement = record.replacedBy ? await recordById(record.replacedBy) : null;
  return {
    at: record.revocation?.at ?? record.approvedAt,
    reason: record.revocation?.reason ?? '',
    replacement: replacement ? formatCode(replacement.code) : null,
  };
}

/** Refuses an address that used up its failed lookups; counts this one if it fails (unknown, or tampered). */
async function throttled<T extends { state: string }>(address: string, check: () => Promise<T>): Promise<T> {
  await assertUnderLimits(lookupCounter(address), Date.now(), 'certificates.verify.tooMany');
  const result = await check();
  if (result.state === 'unknown' || result.state === 'tampered') await recordAttempt(lookupCounter(address));
  return result;
}

/** A code as typed (any case, with or without dashes): unknown and malformed codes get the same answer. */
export async function checkCode(code: string, clientAddress: string): Promise<CodeCheck> {
  return throttled(clientAddress, async (): Promise<CodeCheck> => {
    const record = await recordByCode(code.slice(0, 40));
    if (!record) return { state: 'unknown' };
    const facts = certificateFacts(record);
    if (record.status === 'revoked') return { state: 'revoked', facts, revoked: await revocationOf(record) };
    return { state: 'valid', facts };
  });
}

export type ProofCheck = {
  /** The proof verifies against the key it names, one of our institutions' published keys. */
  proof: boolean;
  /** The credential's bit is set in its (verified) status list. */
  listed: boolean;
  /** The status list was read, verified and matched the credential's issuer. */
  statusChecked: boolean;
};

/** Verifies a credential's Data Integrity proof and status, as any verifier would, offline. */
export async function verifyProof(credential: Json, sessionSecret: string): Promise<ProofCheck> {
  const result = await vc
    .verifyCredential({
      credential,
      suite: verifyingSuite(),
      documentLoader: verificationLoader(sessionSecret),
      checkStatus: (options) => checkStatus({ ...options, suite: verifyingSuite() }),
    })
    .catch(() => null);
  const proof = result?.results?.length === 1 && result.results[0]?.verified === true;
  return {
    proof,
    listed: proof && result?.statusResult?.results?.some((entry) => entry.status === true) === true,
    statusChecked: proof && result?.statusResult?.verified === true,
  };
}

/**
 * A credential brought back (its JSON text): unknown unless it names one of our records; tampered
 * unless its proof verifies against its institution's published key and it is, field for field,
 * the credential handed out for that record; revoked when the record is, or its bit in the
 * institution's status list is set; else valid.
 */
export async function checkCredential(text: string, clientAddress: string, sessionSecret: string): Promise<CredentialCheck> {
  return throttled(clientAddress, async (): Promise<CredentialCheck> => {
    let credential: unknown;
    try {
      credential = Buffer.byteLength(text) <= credentialLimitBytes ? JSON.parse(text) : null;
    } catch {
      return { state: 'unknown' };
    }
    if (!isJsonObject(credential) || typeof credential.id !== 'string') return { state: 'unknown' };
    const address = readAddress(credential.id);
    const record = address?.kind === 'credential' ? await recordByCode(address.code) : null;
    if (!record) return { state: 'unknown' };
    const facts = certificateFacts(record);
    const tampered = { state: 'tampered', facts } as const;

    // Only our own shape goes on to JSON-LD processing: nothing else can be ours.
    if (canonicalize(credential['@context']) !== canonicalize([credentialsContext, openBadgesContext])) return tampered;
    const checked = await verifyProof(credential, sessionSecret);
    if (!checked.proof) return tampered;
    // A proof covers the credential's RDF, not its JSON: what is shown must be what was handed out.
    const kept = await keptCredentialOf(record.id);
    if (!kept || canonicalize(credential) !== canonicalize(kept)) return tampered;
    if (record.status === 'revoked' || checked.listed) return { state: 'revoked', facts, revoked: await revocationOf(record) };
    // A status list that could not be read or verified is no proof of standing.
    if (!checked.statusChecked) return tampered;
    return { state: 'valid', facts };
  });
}
