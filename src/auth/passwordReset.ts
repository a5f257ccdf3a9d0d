import mongoose from 'mongoose';
import { Intake } from '../counselling/model.js';
import { Enrollment } from '../enrolment/model.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { type Language, translator } from '../platform/i18n.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { revokeTokensBefore } from '../tokens/service.js';
import { User, type UserDoc } from '../users/model.js';
import { sessionEpochOf, toUserView } from '../users/service.js';
import { PasswordReset } from './passwordResetModel.js';
import type { SignedIn } from './service.js';
import { findLinkAccount, linkSignatureMatches, setPasswordOnce, signLink } from './signedLink.js';

/**
 * Password-reset links. There is no email service, so staff issue the link and hand it over (to
 * copy, or by WhatsApp), as with first-login links. A signed link (signedLink.ts) over the
 * account's password hash and session epoch: it dies when it is used (the hash changes), when the
 * password is changed otherwise, and on "log out everywhere". Only the newest link issued for an
 * account works: the account's reset record (passwordResetModel.ts) keeps that link's expiry, so
 * a link sent to the wrong number is ended by issuing a new one.
 */
export const resetLinkValidityMs = 24 * 60 * 60 * 1000;
/** How long a request, a link and its use are remembered (after which the clean-up deletes them). */
export const resetRecordLifetimeMs = 7 * 24 * 60 * 60 * 1000;

const bindingsOf = (user: Pick<UserDoc, 'passwordHash' | 'sessionEpoch'>) => [user.passwordHash, sessionEpochOf(user)];
const refOf = (user: UserDoc) => ({
  id: String(user._id),
  role: user.role as 'trainee',
  institution: user.institution ? String(user.institution) : null,
});

/** Enrolments in these states tie a trainee to the cohort's centre; a rejected or withdrawn one does not. */
const tyingStatuses = ['applied', 'waitlisted', 'enrolled', 'completed'];

/**
 * The centres a trainee belongs to, whose coordinators may help them back in: the institution of
 * the account (bulk enrolment sets it; self-registered trainees have none), of each cohort they
 * applied to, study or studied in, and of their intake (where they asked for counselling). A
 * self-registered trainee is often tied to a centre by these alone. Read from the models directly:
 * the enrolment feature imports auth (first-login links), so going through its service would
 * make a cycle.
 */
export async function centresOf(user: Pick<UserDoc, '_id' | 'institution' | 'role'>): Promise<string[]> {
  if (user.role !== 'trainee') return user.institution ? [String(user.institution)] : [];
  const [enrollments, intake] = await Promise.all([
    Enrollment.find({ trainee: user._id }, { institution: 1, status: 1 }).lean(),
    Intake.findById(user._id, { institution: 1 }).lean(),
  ]);
  const centres = new Set<string>();
  if (user.institution) centres.add(String(user.institution));
  for (const enrollment of enrollments)
    if (tyingStatuses.includes(enrollment.status)) centres.add(String(enrollment.institution));
  if (intake) centres.add(String(intake.institution));
  return [...centres];
}

export type IssuedResetLink = {
  account: { id: string; name: string; email: string; phone: string };
  link: string;
  expiresAt: Date;
  /** A wa.me link with a prepared message in the account's language, or '' without a phone. */
  whatsapp: string;
};

async function findAccount(id: string): Promise<UserDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const user = await User.findById(id).select('+passwordHash').lean<UserDoc>();
  if (!user) throw new NotFoundError();
  return user;
}

/**
 * Issues a reset link for the account (staff: see 'user.resetPassword'), replacing any earlier
 * one, and closes the account's open request, recording who handled it and when.
 */
export async function issueResetLink(
  actor: Actor | null,
  accountId: string,
  secret: string,
  origin: string,
  now = Date.now(),
): Promise<IssuedResetLink> {
  const user = await findAccount(accountId);
  authorize(actor, 'user.resetPassword', { account: refOf(user), centres: await centresOf(user) });
  if (!user.active) throw new ConflictError('passwordReset.inactive');
  const expiry = Math.floor((now + resetLinkValidityMs) / 1000);
  await PasswordReset.updateOne(
    { _id: user._id },
    {
      $set: { status: 'closed', linkExpiry: expiry, handledBy: actor.id, handledAt: new Date(now) },
      $max: { keepUntil: new Date(now + resetRecordLifetimeMs) },
    },
    { upsert: true },
  );
  const link = `${origin}/password/reset/${signLink(secret, 'password-reset', { id: String(user._id), bindings: bindingsOf(user) }, expiry)}`;
  const phone = user.phone ?? '';
  const message = translator(user.language as Language)('passwordReset.issued.message', { name: user.name, link });
  return {
    account: { id: String(user._id), name: user.name, email: user.email, phone },
    link,
    expiresAt: new Date(expiry * 1000),
    whatsapp: phone ? `https://wa.me/${phone.replace(/^\+/, '')}?text=${encodeURIComponent(message)}` : '',
  };
}

export type ResetLinkCheck =
  | { state: 'valid'; user: UserDoc; expiry: number; expiresAt: Date }
  /** Right, but older than a day. */
  | { state: 'expired'; language: Language }
  /** The password was set with it. */
  | { state: 'used'; language: Language }
  /** Right and fresh, but staff issued a newer link since: only that one works. */
  | { state: 'replaced'; language: Language }
  /** Malformed, altered, for no active account, or the password or sessions changed since. */
  | { state: 'invalid'; language?: Language };

/** What a reset link is worth now. */
export async function checkResetToken(secret: string, token: string, now = Date.now()): Promise<ResetLinkCheck> {
  const found = await findLinkAccount(token);
  if (!found) return { state: 'invalid' };
  const { link: decoded, user } = found;
  const language = user.language as Language;
  const record = await PasswordReset.findById(user._id, { linkExpiry: 1, usedLinkExpiry: 1 }).lean();
  if (!linkSignatureMatches(secret, 'password-reset', decoded, bindingsOf(user))) {
    // Signed over an earlier password: "used" when this very link set the current one.
    return record?.usedLinkExpiry === decoded.expiry ? { state: 'used', language } : { state: 'invalid', language };
  }
  if (decoded.expiry * 1000 < now) return { state: 'expired', language };
  if (record?.linkExpiry !== decoded.expiry) return { state: 'replaced', language };
  return { state: 'valid', user, expiry: decoded.expiry, expiresAt: new Date(decoded.expiry * 1000) };
}

/** A password set with a reset link: the account, its new session epoch and how many API tokens ended. */
export type PasswordResetDone = { state: 'done'; tokensRevoked: number } & SignedIn;

/**
 * Sets the account's password with a reset link and gives it a new session epoch, which ends every
 * other session and every API token (users/model.ts); the caller logs the browser in with it. Works
 * once (setPasswordOnce): of two tabs sending the form one wins.
 */
export async function resetPasswordWithLink(
  secret: string,
  token: string,
  password: string,
  now = Date.now(),
): Promise<PasswordResetDone | Exclude<ResetLinkCheck, { state: 'valid' }>> {
  const check = await checkResetToken(secret, token, now);
  if (check.state !== 'valid') return check;
  const { user } = check;
  const epoch = await setPasswordOnce(user, password, now);
  if (!epoch) return { state: 'used', language: user.language as Language };
  // The trainee is back in: a request still open is answered.
  await PasswordReset.updateOne(
    { _id: user._id },
    {
      $set: { status: 'closed', usedLinkExpiry: check.expiry, usedAt: new Date(now) },
      $max: { keepUntil: new Date(now + resetRecordLifetimeMs) },
    },
  );
  const tokensRevoked = await revokeTokensBefore(String(user._id), epoch);
  return { state: 'done', user: toUserView(user), epoch, tokensRevoked };
}
