import mongoose from 'mongoose';
import { TooManyRequestsError } from '../platform/errors.js';

/**
 * Login throttling, kept in the database so every app process sees the same counts.
 * Failed attempts are counted in fixed 15-minute windows, one document per counter and window,
 * with atomic `$inc` upserts (no transactions needed):
 * - per account and address: stops guessing from one place quickly;
 * - per account: stops guessing spread over many addresses, but only for browsers that have
 *   never logged in to the account; a device that has (it carries a signed device cookie) is
 *   exempt, so an attacker can slow a real user down but never lock them out;
 * - per address: stops one address trying many accounts.
 * Expired windows are deleted by the periodic clean-up, since FerretDB has no TTL index.
 */
export const throttleWindowMs = 15 * 60 * 1000;
export const throttleLimits = { pair: 5, account: 20, address: 100 } as const;

const attemptSchema = new mongoose.Schema(
  { _id: { type: String, required: true }, count: { type: Number, default: 0 }, expiresAt: { type: Date, required: true } },
  { versionKey: false },
);
attemptSchema.index({ expiresAt: 1 });
export const LoginAttempt = mongoose.model('LoginAttempt', attemptSchema);

export type LoginSource = { email: string; ip: string; trustedDevice: boolean };

function counters(source: LoginSource): { id: string; limit: number }[] {
  const email = source.email.trim().toLowerCase();
  const list: { id: string; limit: number }[] = [
    { id: `pair:${email}|${source.ip}`, limit: throttleLimits.pair },
    { id: `address:${source.ip}`, limit: throttleLimits.address },
  ];
  if (!source.trustedDevice) list.push({ id: `account:${email}`, limit: throttleLimits.account });
  return list;
}

function currentWindow(now: number): { suffix: string; end: number } {
  const index = Math.floor(now / throttleWindowMs);
  return { suffix: `@${index}`, end: (index + 1) * throttleWindowMs };
}

/** Throws TooManyRequestsError, with the wait, when any counter for this source is used up. */
export async function assertLoginAllowed(source: LoginSource, now = Date.now()): Promise<void> {
  const window = currentWindow(now);
  const list = counters(source);
  const found = await LoginAttempt.find({ _id: { $in: list.map((counter) => counter.id + window.suffix) } }).lean();
  const blocked = list.some((counter) => {
    const attempt = found.find((doc) => doc._id === counter.id + window.suffix);
    return attempt !== undefined && attempt.count >= counter.limit;
  });
  if (blocked) throw new TooManyRequestsError(Math.ceil((window.end - now) / 1000));
}

export async function recordLoginFailure(source: LoginSource, now = Date.now()): Promise<void> {
  const window = currentWindow(now);
  await Promise.all(
    counters(source).map(async (counter) => {
      const filter = { _id: counter.id + window.suffix };
      const update = { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(window.end) } };
      try {
        await LoginAttempt.updateOne(filter, update, { upsert: true });
      } catch (error) {
        // Two first failures raced to insert the same window; the loser just counts again.
        if ((error as { code?: number }).code !== 11000) throw error;
        await LoginAttempt.updateOne(filter, update);
      }
    }),
  );
}

/** A successful login forgets this account's failures from this address. */
export async function recordLoginSuccess(source: LoginSource, now = Date.now()): Promise<void> {
  await LoginAttempt.deleteOne({ _id: `pair:${source.email.trim().toLowerCase()}|${source.ip}${currentWindow(now).suffix}` });
}

export async function deleteExpiredLoginAttempts(now = new Date()): Promise<number> {
  const result = await LoginAttempt.deleteMany({ expiresAt: { $lte: now } });
  return result.deletedCount;
}
