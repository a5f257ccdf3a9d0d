import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../platform/errors.js';
import { User, type UserDoc } from '../users/model.js';
import type { UserView } from '../users/schemas.js';
import { toUserView } from '../users/service.js';
import { verifyPassword } from './passwords.js';
import { assertLoginAllowed, type LoginSource, recordLoginFailure, recordLoginSuccess } from './throttle.js';

/**
 * Checks an email and password, counting failures for the throttle. Unknown email, wrong
 * password and deactivated account all get the same answer, so it tells nobody which
 * accounts exist.
 */
export async function authenticate(credentials: { email: string; password: string }, source: LoginSource): Promise<UserView> {
  await assertLoginAllowed(source);
  const email = credentials.email.trim().toLowerCase();
  const user = await User.findOne({ email }).select('+passwordHash').lean<UserDoc>();
  const passwordMatches = await verifyPassword(user?.passwordHash, credentials.password);
  if (!user || !passwordMatches || !user.active) {
    await recordLoginFailure(source);
    throw new UnauthorizedError('auth.login.failed');
  }
  await Promise.all([recordLoginSuccess(source), User.updateOne({ _id: user._id }, { $set: { lastLoginAt: new Date() } })]);
  return toUserView(user);
}

/**
 * Device cookies (OWASP): after a successful login the browser keeps a signed proof that it
 * has logged in to this account before, which exempts it from the per-account lockout.
 */
export function deviceProof(secret: string, email: string): string {
  return createHmac('sha256', secret).update(`device:${email.trim().toLowerCase()}`).digest('base64url');
}

export function isTrustedDevice(secret: string, email: string, cookie: unknown): boolean {
  if (typeof cookie !== 'string' || !email) return false;
  const expected = Buffer.from(deviceProof(secret, email));
  const given = Buffer.from(cookie);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
