import { BitstringStatusList, createCredential } from '@digitalbazaar/vc-bitstring-status-list';
import { LRUCache } from 'lru-cache';
import { CompletionRecord } from '../completion/model.js';
import { sha256Hex } from '../platform/text.js';
import { credentialsContext } from './issuer.js';
import { publicKeysOf } from './keys.js';
import { type Json, signCredential, stamp } from './signing.js';
import { issuerUrl, statusListUrl } from './urls.js';

/**
 * Each institution's revocation list (W3C Bitstring Status List v1.0): one bit per completion
 * record at its `statusIndex` (random, so a list tells nothing about the order of records), set
 * when the record is revoked. At least 131,072 bits, GZIP-compressed and base64url-encoded with
 * the multibase prefix `u` (the library does both), signed like the credentials.
 */
export const minimumListLength = 131_072;
/** How long verifiers may keep a list: revocations reach them within a minute. */
export const statusListTtlSeconds = 60;

type Revoked = { statusIndex: number; at: Date };

/** The institution's revoked records' bits and times. Revocations are rare: a few per cohort at most. */
async function revokedOf(institution: string): Promise<Revoked[]> {
  const records = await CompletionRecord.find({ institution, status: 'revoked' }, { statusIndex: 1, revocation: 1 })
    .limit(minimumListLength)
    .batchSize(minimumListLength)
    .lean<{ statusIndex: number; revocation: { at?: Date } | null }[]>();
  return records.map((record) => ({ statusIndex: record.statusIndex, at: record.revocation?.at ?? new Date(0) }));
}

export type StatusList = { credential: Json; etag: string; revoked: Set<number> };

// A signed list per institution and address, re-signed only when its revocations change: signing
// canonicalizes the whole list (tens of milliseconds), reading the bits is one indexed query.
const signedLists = new LRUCache<string, { fingerprint: string; credential: Json }>({ max: 500 });

/**
 * The institution's signed status list as it stands now, or null when it has never signed (no
 * credential can point to a list that does not exist). Read from the records on every call, so
 * a revocation shows at once; the same revocations give the same bytes (and ETag) on every
 * process: the list is dated by its latest revocation and Ed25519 signatures are deterministic.
 */
export async function statusListOf(base: string, institution: string, sessionSecret: string): Promise<StatusList | null> {
  const [revoked, keys] = await Promise.all([revokedOf(institution), publicKeysOf(institution)]);
  const newestKey = keys[0];
  const firstKey = keys.at(-1);
  if (!newestKey || !firstKey) return null;
  const indexes = revoked.map((entry) => entry.statusIndex).sort((a, b) => a - b);
  let latest = firstKey.createdAt;
  for (const entry of revoked) if (entry.at > latest) latest = entry.at;
  const fingerprint = sha256Hex(JSON.stringify([base, newestKey.generation, stamp(latest), indexes])).slice(0, 32);
  const cacheKey = `${institution}|${base}`;
  const cached = signedLists.get(cacheKey);
  if (cached?.fingerprint === fingerprint)
    return { credential: cached.credential, etag: `"${fingerprint}"`, revoked: new Set(indexes) };

  const length = minimumListLength * Math.max(1, Math.ceil(((indexes.at(-1) ?? 0) + 1) / minimumListLength));
  const list = new BitstringStatusList({ length });
  for (const index of indexes) list.setStatus(index, true);
  const id = statusListUrl(base, institution);
  const unsigned = await createCredential({ id, list, statusPurpose: 'revocation', context: [credentialsContext] });
  const credential = await signCredential(
    {
      ...unsigned,
      issuer: issuerUrl(base, institution),
      validFrom: stamp(latest),
      credentialSubject: { ...(unsigned.credentialSubject as Json), ttl: statusListTtlSeconds * 1000 },
    },
    { base, institution, sessionSecret, created: latest },
  );
  signedLists.set(cacheKey, { fingerprint, credential });
  return { credential, etag: `"${fingerprint}"`, revoked: new Set(indexes) };
}

/** The status entry a credential carries: its record's bit in its institution's list. */
export const statusEntry = (base: string, institution: string, statusIndex: number) => ({
  id: `${statusListUrl(base, institution)}#${statusIndex}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: String(statusIndex),
  statusListCredential: statusListUrl(base, institution),
});
