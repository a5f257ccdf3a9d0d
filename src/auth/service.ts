import { UnauthorizedError } from '../platform/errors.js';
import { User, type UserDoc } from '../users/model.js';
import type { UserView } from '../users/schemas.js';
import { sessionEpochOf, toUserView } from '../users/service.js';
import { verifyPassword } from './passwords.js';
import { assertLoginAllowed, type LoginSource, recordLoginFailure, recordLoginSuccess } from './throttle.js';

/**
 * A checked login: the account, and its session epoch as read together with the password hash
 * that was verified. Sessions and tokens made from it carry that epoch, so a login that checked a
 * password being replaced at that moment dies with the other sessions (users/model.ts).
 */
export type SignedIn = { user: UserView; epoch: string };

/**
 * Checks an email and password, counting failures for the throttle. Unknown email, wrong
 * password and deactivated account all get the same answer, so it tells nobody which
 * accounts exist.
 */
export async function authenticate(credentials: { email: string; password: string }, source: LoginSource): Promise<SignedIn> {
  await assertLoginAllowed(source);
  const email = credentials.email.trim().toLowerCase();
  const user = await User.findOne({ email }).select('+passwordHash').lean<UserDoc>();
  const passwordMatches = await verifyPassword(user?.passwordHash, credentials.password);
  if (!user || !passwordMatches || !user.active) {
    await recordLoginFailure(source);
    throw new UnauthorizedError('auth.login.failed');
  }
  await Promise.all([recordLoginSuccess(source), User.updateOne({ _id: user._id }, { $set: { lastLoginAt: new Date() } })]);
  return { user: toUserView(user), epoch: sessionEpochOf(user) };
}
