import mongoose from 'mongoose';
import { TooManyRequestsError } from '../platform/errors.js';
import { normaliseEmail } from '../platform/text.js';

/**
 * Login throttling, kept in the database so every app process sees the same counts.
 * Each failed attempt is one inserted record per counter; a counter is used up when it has
 * `limit` records in the last 15 minutes (a sliding window). A browser without a device cookie
 * for the account is counted:
 * - per account and address: stops guessing from one place quickly;
 * - per account: stops guessing spread over many addresses;
 * - per address: stops one address trying many accounts.
 * A browser that has logged in to the account before (it carries a signed device cookie, see
 * device.ts) is judged by its own failures only, per device: failures by others at the same
 * address (a lab behind one public IP) or against the same account do not lock it out, and its
 * own typing errors do not count against the address. So an attacker can never lock a real user
 * out of a browser they have used, while the attacker stays throttled.
 * Records are only ever inserted, never incremented: FerretDB 1.x loses concurrent `$inc`
 * updates to one document, while concurrent inserts are all kept. Expired records are deleted by
 * the periodic clean-up, since FerretDB has no TTL index.
 */
export const throttleWindowMs = 15 * 60 * 1000;
export const throttleLimits = { pair: 5, account: 20, address: 100, device: 5 } as const;

const failureSchema = new mongoose.Schema(
  { key: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
failureSchema.index({ key: 1, at: -1 });
failureSchema.index({ at: 1 });
export const LoginFailure = mongoose.model('LoginFailure', failureSchema);

/** Who is trying: `device` is the id a valid device cookie proves for this account, else null. */
export type LoginSource = { email: string; ip: string; device: string | null };

const pairKey = (source: LoginSource) => `pair:${normaliseEmail(source.email)}|${source.ip}`;
const deviceKey = (source: LoginSource) => `device:${normaliseEmail(source.email)}|${source.device}`;

function counters(source: LoginSource): Counter[] {
  if (source.device) return [{ key: deviceKey(source), limit: throttleLimits.device }];
  return [
    { key: pairKey(source), limit: throttleLimits.pair },
    { key: `account:${normaliseEmail(source.email)}`, limit: throttleLimits.account },
    { key: `address:${source.ip}`, limit: throttleLimits.address },
  ];
}

/** A sliding-window counter: `limit` records of `key` within the window use it up. */
export type Counter = { key: string; limit: number };

/**
 * Throws TooManyRequestsError (with `messageKey`, and the wait) when any of the counters is used
 * up. Shared by the login and by requests for a password reset (passwordReset.ts).
 */
export async function assertUnderLimits(counters: Counter[], now = Date.now(), messageKey?: string): Promise<void> {
  const since = new Date(now - throttleWindowMs);
  const waits = await Promise.all(
    counters.map(async ({ key, limit }) => {
      // The limit-th most recent record in the window: the counter frees up when it ages out.
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
  if (wait > 0) throw new TooManyRequestsError(Math.ceil(wait / 1000), messageKey);
}

/** Counts one attempt against each counter. */
export async function recordAttempt(counters: Counter[], now = Date.now()): Promise<void> {
  const at = new Date(now);
  await LoginFailure.insertMany(counters.map(({ key }) => ({ key, at })));
}

/** Throws TooManyRequestsError, with the wait, when any counter for this source is used up. */
export async function assertLoginAllowed(source: LoginSource, now = Date.now()): Promise<void> {
  await assertUnderLimits(counters(source), now);
}

export async function recordLoginFailure(source: LoginSource, now = Date.now()): Promise<void> {
  await recordAttempt(counters(source), now);
}

/**
 * A successful login forgets the failures it was judged by: a known browser its own (not the
 * address's, which may be someone else's guessing), any other browser this account's at this address.
 */
export async function recordLoginSuccess(source: LoginSource): Promise<void> {
  await LoginFailure.deleteMany({ key: source.device ? deviceKey(source) : pairKey(source) });
}

export async function deleteExpiredLoginFailures(now = new Date()): Promise<number> {
  const result = await LoginFailure.deleteMany(
    { at: { $lte: new Date(now.getTime() - throttleWindowMs) } },
    // Failures live 15 minutes, so the collection stays small: reading it whole is cheap.
    { comment: 'scan: periodic clean-up of login failures' },
  );
  return result.deletedCount;
}
