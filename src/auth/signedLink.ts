import { createHmac, timingSafeEqual } from 'node:crypto';
import mongoose from 'mongoose';
import { User, type UserDoc } from '../users/model.js';
import { newSessionEpoch } from '../users/service.js';
import { hashPassword } from './passwords.js';

/**
 * Signed one-account links (first login, password reset). Nothing secret is stored: the token is
 * the account id, an expiry and an HMAC over both, the link's purpose and what the link must die
 * with (the account's password hash, for a reset also its session epoch). Changing any of these
 * makes every link signed over the old values fail, on every process, with no list to keep.
 * The purpose keeps one kind of link from being used as another.
 *
 * Token: base64url of 12 bytes account id, 4 bytes expiry (Unix seconds), 32 bytes HMAC-SHA256.
 */
const idBytes = 12;
const expiryBytes = 4;
const macBytes = 32;
const tokenBytes = idBytes + expiryBytes + macBytes;

export type LinkPurpose = 'first-login' | 'password-reset';

/** What the link is for and what it dies with; `bindings` change when the link must stop working. */
export type LinkSubject = { id: string; bindings: string[] };

function mac(secret: string, purpose: LinkPurpose, userId: string, expiry: number, bindings: string[]): Buffer {
  // `first-login|<id>|<expiry>|<hash>`: the format first-login links had before this module, so
  // links already sent keep working.
  return createHmac('sha256', secret)
    .update([purpose, userId, String(expiry), ...bindings].join('|'))
    .digest();
}

/** A token for `subject` that expires at `expiry` (Unix seconds). */
export function signLink(secret: string, purpose: LinkPurpose, subject: LinkSubject, expiry: number): string {
  const token = Buffer.alloc(tokenBytes);
  Buffer.from(subject.id, 'hex').copy(token, 0);
  token.writeUInt32BE(expiry, idBytes);
  mac(secret, purpose, subject.id, expiry, subject.bindings).copy(token, idBytes + expiryBytes);
  return token.toString('base64url');
}

export type DecodedLink = { userId: string; expiry: number; given: Buffer };

/** The parts of a well-formed token, or null; says nothing yet about its signature. */
export function decodeLink(token: string): DecodedLink | null {
  if (!/^[A-Za-z0-9_-]{64}$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== tokenBytes) return null;
  const userId = bytes.subarray(0, idBytes).toString('hex');
  if (!mongoose.isValidObjectId(userId)) return null;
  return { userId, expiry: bytes.readUInt32BE(idBytes), given: bytes.subarray(idBytes + expiryBytes) };
}

/** Whether the token was signed for this purpose over the subject's current bindings. */
export function linkSignatureMatches(secret: string, purpose: LinkPurpose, link: DecodedLink, bindings: string[]): boolean {
  return timingSafeEqual(mac(secret, purpose, link.userId, link.expiry, bindings), link.given);
}

/** The token's parts and the active account it names (with its password hash), or null. */
export async function findLinkAccount(token: string): Promise<{ link: DecodedLink; user: UserDoc } | null> {
  const link = decodeLink(token);
  if (!link) return null;
  const user = await User.findById(link.userId).select('+passwordHash').lean<UserDoc>();
  return user?.active ? { link, user } : null;
}

/**
 * Sets the password of the account a link was checked for and gives it a new session epoch, so
 * no session or API token made before outlives it (users/model.ts). Only replaces the hash the
 * link was signed over, so a link works once: of two tabs sending the form one wins, and the
 * other gets null.
 */
export async function setPasswordOnce(
  user: Pick<UserDoc, '_id' | 'passwordHash'>,
  password: string,
  now: number,
): Promise<string | null> {
  const passwordHash = await hashPassword(password);
  const epoch = newSessionEpoch();
  const { modifiedCount } = await User.updateOne(
    { _id: user._id, passwordHash: user.passwordHash },
    { $set: { passwordHash, sessionEpoch: epoch, lastLoginAt: new Date(now) } },
  );
  return modifiedCount ? epoch : null;
}
