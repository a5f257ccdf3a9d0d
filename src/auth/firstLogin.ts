import type { Language } from '../platform/i18n.js';
import type { UserDoc } from '../users/model.js';
import { toUserView } from '../users/service.js';
import { isPasswordUnset } from './passwords.js';
import type { SignedIn } from './service.js';
import { findLinkAccount, linkSignatureMatches, setPasswordOnce, signLink } from './signedLink.js';

/**
 * First-login links for accounts made for someone else (bulk enrolment): the link lets its holder
 * choose the account's first password. A signed link (signedLink.ts) over the account's current
 * password hash, so it stops working when it expires and as soon as a password is set (the hash
 * changes).
 */
export const firstLoginValidityMs = 14 * 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;

/**
 * A link token for the account, valid for 14 days. The expiry is rounded up to the hour, so the
 * links a coordinator sees on one page and in its CSV a moment later are the same.
 */
export function firstLoginToken(secret: string, user: { id: string; passwordHash: string }, now = Date.now()): string {
  const expiry = Math.ceil((now + firstLoginValidityMs) / hourMs) * (hourMs / 1000);
  return signLink(secret, 'first-login', { id: user.id, bindings: [user.passwordHash] }, expiry);
}

export type FirstLoginCheck =
  | { state: 'valid'; user: UserDoc; expiresAt: Date }
  /** The link was right but is too old: the coordinator can show a new one. */
  | { state: 'expired'; language: Language }
  /** The account has a password now: its owner logs in with it. */
  | { state: 'used'; language: Language }
  /** Malformed, altered, or for no (active) account. */
  | { state: 'invalid' };

/** What a first-login link is worth now. */
export async function checkFirstLoginToken(secret: string, token: string, now = Date.now()): Promise<FirstLoginCheck> {
  const found = await findLinkAccount(token);
  if (!found) return { state: 'invalid' };
  const { link: decoded, user } = found;
  const language = user.language as Language;
  if (!linkSignatureMatches(secret, 'first-login', decoded, [user.passwordHash])) {
    // Signed over an earlier hash: most likely the link was used (or the password set otherwise).
    return isPasswordUnset(user.passwordHash) ? { state: 'invalid' } : { state: 'used', language };
  }
  if (!isPasswordUnset(user.passwordHash)) return { state: 'used', language };
  if (decoded.expiry * 1000 < now) return { state: 'expired', language };
  return { state: 'valid', user, expiresAt: new Date(decoded.expiry * 1000) };
}

/**
 * Sets the first password of the account the link is for and returns the account with its new
 * session epoch, or the reason the link does not work; works once (setPasswordOnce).
 */
export async function setFirstPassword(
  secret: string,
  token: string,
  password: string,
  now = Date.now(),
): Promise<({ state: 'done' } & SignedIn) | Exclude<FirstLoginCheck, { state: 'valid' }>> {
  const check = await checkFirstLoginToken(secret, token, now);
  if (check.state !== 'valid') return check;
  const epoch = await setPasswordOnce(check.user, password, now);
  if (!epoch) return { state: 'used', language: check.user.language as Language };
  return { state: 'done', user: toUserView(check.user), epoch };
}
