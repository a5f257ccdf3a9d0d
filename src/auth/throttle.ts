import mongoose from 'mongoose';
import { TooManyRequestsError } from '../platform/errors.js';

/**
 * Login throttling, kept in the database so every app process sees the same counts.
 * Each failed attempt is one inserted record per counter; a counter is used up when it has
 * `limit` records in the last 15 minutes (a sliding window):
 * - per account and address: stops guessing from one place quickly;
 * - per account: stops guessing spread over many addresses, but only for browsers that have
 *   never logged in to the account; a device that has (it carries a signed device cookie) is
 *   exempt, so an attacker can slow a real user down but never lock them out;
 * - per address: stops one address trying many accounts.
 * Records are only ever inserted, never incremented: FerretDB 1.x (SQLite) loses concurrent
 * `$inc` updates to one document, while concurrent inserts are all kept. Expired records are
 * deleted by the periodic clean-up, since FerretDB has no TTL index.
 */
export const throttleWindowMs = 15 * 60 * 1000;
export const throttleLimits = { pair: 5, account: 20, address: 100 } as const;

const failureSchema = new mongoose.Schema(
  { key: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
failureSchema.index({ key: 1, at: -1 });
failureSchema.index({ at: 1 });
export const LoginFailure = mongoose.model('LoginFailure', failureSchema);

export type LoginSource = { email: string; ip: string; trustedDevice: boolean };

const normalise = (email: string) => email.trim().toLowerCase();
const pairKey = (source: LoginSource) => `pair:${normalise(source.email)}|${source.ip}`;

function counters(source: LoginSource): { key: string; limit: number }[] {
  const list: { key: string; limit: number }[] = [
    { key: pairKey(source), limit: throttleLimits.pair },
    { key: `address:${source.ip}`, limit: throttleLimits.address },
  ];
  if (!source.trustedDevice) list.push({ key: `account:${normalise(source.email)}`, limit: throttleLimits.account });
  return list;
}

/** Throws TooManyRequestsError, with the wait, when any counter for this source is used up. */
export async function assertLoginAllowed(source: LoginSource, now = Date.now()): Promise<void> {
  const since = new Date(now - throttleWindowMs);
  const waits = await Promise.all(
    counters(source).map(async ({ key, limit }) => {
      // The limit-th most recent failure in the window: the counter frees up when it ages out.
      const recent = await LoginFailure.find({ key, at: { $gt: since, $lte: new Date(now) } }, { at: 1 })
        .sort({ at: -1 })
        .skip(limit - 1)
        .limit(1)
        .lean();
      const oldestCounted = recent[0]?.at;
      return oldestCounted ? oldestCounted.getTime() + throttleWindowMs - now : 0;
    }),
  );
  const wait = Math.max(...waits);
  if (wait > 0) throw new TooManyRequestsError(Math.ceil(wait / 1000));
}

export async function recordLoginFailure(source: LoginSource, now = Date.now()): Promise<void> {
  const at = new Date(now);
  await LoginFailure.insertMany(counters(source).map(({ key }) => ({ key, at })));
}

/** A successful login forgets this account's failures from this address. */
export async function recordLoginSuccess(source: LoginSource): Promise<void> {
  await LoginFailure.deleteMany({ key: pairKey(source) });
}

export async function deleteExpiredLoginFailures(now = new Date()): Promise<number> {
  const result = await LoginFailure.deleteMany(
    { at: { $lte: new Date(now.getTime() - throttleWindowMs) } },
    // Failures live 15 minutes, so the collection stays small: reading it whole is cheap.
    { comment: 'scan: periodic clean-up of login failures' },
  );
  return result.deletedCount;
}
