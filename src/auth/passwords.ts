import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes) keeps a login under ~50 ms on a small server.
const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

/**
 * Accounts made for someone else (bulk enrolment) have no password until their owner chooses one
 * through a first-login link. They get this marker instead of a hash: no password verifies
 * against it, and it is random, so a first-login link signed over it dies once it is replaced.
 */
const unsetPrefix = 'unset:';
export function unusablePasswordHash(): string {
  return `${unsetPrefix}${randomBytes(16).toString('base64url')}`;
}
export function isPasswordUnset(hash: string | null | undefined): boolean {
  return typeof hash === 'string' && hash.startsWith(unsetPrefix);
}

// Verified against when the account does not exist, so a login takes as long either way and
// its timing does not tell which emails are registered.
const absentAccountHash = hashPassword('no account has this password');

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  try {
    if (isPasswordUnset(hash)) {
      // Takes as long as a real check, so an account waiting for its first login does not show.
      await argon2.verify(await absentAccountHash, password);
      return false;
    }
    return await argon2.verify(hash ?? (await absentAccountHash), password);
  } catch {
    return false;
  }
}
