import { createHmac, timingSafeEqual } from 'node:crypto';
import mongoose from 'mongoose';
import type { Language } from '../platform/i18n.js';
import { User, type UserDoc } from '../users/model.js';
import { newSessionEpoch, toUserView } from '../users/service.js';
import { hashPassword, isPasswordUnset } from './passwords.js';
import type { SignedIn } from './service.js';

/**
 * First-login links for accounts made for someone else (bulk enrolment): the link lets its holder
 * choose the account's first password. Nothing is stored: the token is the account id, an expiry
 * and an HMAC over both and the account's current password hash, so it stops working when it
 * expires and as soon as a password is set (the hash changes).
 *
 * Token: base64url of 12 bytes account id, 4 bytes expiry (Unix seconds), 32 bytes HMAC-SHA256.
 */
export const firstLoginValidityMs = 14 * 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;
const idBytes = 12;
const expiryBytes = 4;
const macBytes = 32;
const tokenBytes = idBytes + expiryBytes + macBytes;

function mac(secret: string, userId: string, expiry: number, passwordHash: string): Buffer {
  return createHmac('sha256', secret).update(`first-login|${userId}|${expiry}|${passwordHash}`).digest();
}

/**
 * A link token for the account, valid for 14 days. The expiry is rounded up to the hour, so the
 * links a coordinator sees on one page and in its CSV a moment later are the same.
 */
export function firstLoginToken(secret: string, user: { id: string; passwordHash: string }, now = Date.now()): string {
  const expiry = Math.ceil((now + firstLoginValidityMs) / hourMs) * (hourMs / 1000);
  const token = Buffer.alloc(tokenBytes);
  Buffer.from(user.id, 'hex').copy(token, 0);
  token.writeUInt32BE(expiry, idBytes);
  mac(secret, user.id, expiry, user.passwordHash).copy(token, idBytes + expiryBytes);
  return token.toString('base64url');
}

export type FirstLoginCheck =
  | { state: 'valid'; user: UserDoc; expiresAt: Date }
  /** The link was right but is too old: the coordinator can show a new one. */
  | { state: 'expired'; language: Language }
  /** The account has a password now: its owner logs in with it. */
  | { state: 'used'; language: Language }
  /** Malformed, altered, or for no (active) account. */
  | { state: 'invalid' };

function decode(token: string): { userId: string; expiry: number; given: Buffer } | null {
  if (!/^[A-Za-z0-9_-]{64}$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== tokenBytes) return null;
  return {
    userId: bytes.subarray(0, idBytes).toString('hex'),
    expiry: bytes.readUInt32BE(idBytes),
    given: bytes.subarray(idBytes + expiryBytes),
  };
}

/** What a first-login link is worth now. */
export async function checkFirstLoginToken(secret: string, token: string, now = Date.now()): Promise<FirstLoginCheck> {
  const decoded = decode(token);
  if (!decoded || !mongoose.isValidObjectId(decoded.userId)) return { state: 'invalid' };
  const user = await User.findById(decoded.userId).select('+passwordHash').lean<UserDoc>();
  if (!user?.active) return { state: 'invalid' };
  const language = user.language as Language;
  const expected = mac(secret, decoded.userId, decoded.expiry, user.passwordHash);
  if (!timingSafeEqual(expected, decoded.given)) {
    // Signed over an earlier hash: most likely the link was used (or the password set otherwise).
    return isPasswordUnset(user.passwordHash) ? { state: 'invalid' } : { state: 'used', language };
  }
  if (!isPasswordUnset(user.passwordHash)) return { state: 'used', language };
  if (decoded.expiry * 1000 < now) return { state: 'expired', language };
  return { state: 'valid', user, expiresAt: new Date(decoded.expiry * 1000) };
}

/**
 * Sets the first password of the account the link is for and returns the account with its new
 * session epoch, or the reason the link does not work. Only replaces the hash the link was signed
 * over, so a link works once. Like every password change it gives the account a new session epoch
 * (users/model.ts): no session or API token made before the password was set outlives it.
 */
export async function setFirstPassword(
  secret: string,
  token: string,
  password: string,
  now = Date.now(),
): Promise<({ state: 'done' } & SignedIn) | Exclude<FirstLoginCheck, { state: 'valid' }>> {
  const check = await checkFirstLoginToken(secret, token, now);
  if (check.state !== 'valid') return check;
  const passwordHash = await hashPassword(password);
  const epoch = newSessionEpoch();
  const { modifiedCount } = await User.updateOne(
    { _id: check.user._id, passwordHash: check.user.passwordHash },
    { $set: { passwordHash, sessionEpoch: epoch, lastLoginAt: new Date(now) } },
  );
  if (!modifiedCount) return { state: 'used', language: check.user.language as Language };
  return { state: 'done', user: toUserView(check.user), epoch };
}
