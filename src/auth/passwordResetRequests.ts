import { z } from 'zod';
import { isDuplicateKeyError } from '../platform/errors.js';
import { type Actor, authorize, scope } from '../platform/permissions.js';
import { contactsOf } from '../users/directory.js';
import { User, type UserDoc } from '../users/model.js';
import { emailField, phoneField } from '../users/schemas.js';
import { centresOf, resetRecordLifetimeMs } from './passwordReset.js';
import { PasswordReset } from './passwordResetModel.js';
import { assertUnderLimits, type Counter, recordAttempt } from './throttle.js';

/**
 * Trainees asking for a password-reset link from the login page. The request goes to the
 * coordinators of the trainee's centres (centresOf) and to admins; they issue the link
 * (passwordReset.ts). Whether an account exists is never told: every well-formed request gets the
 * same answer and the same throttle, and only the address typed is counted.
 */
export const forgotSchema = z.object({
  contact: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .transform((value, context) => {
      const parsed = value.includes('@') ? emailField.safeParse(value) : phoneField.safeParse(value);
      if (parsed.success) return { kind: value.includes('@') ? ('email' as const) : ('phone' as const), value: parsed.data };
      context.addIssue({ code: 'custom', message: 'passwordReset.forgot.contactInvalid' });
      return z.NEVER;
    }),
});
export type ForgotInput = z.output<typeof forgotSchema>;

/** Per address typed (one person asking again and again) and per network address (one sender, many accounts). */
export const requestLimits = { contact: 3, address: 20 } as const;
/** Several accounts may share a phone (a family's): each gets a request, up to this many. */
const accountsPerPhone = 5;

function requestCounters(contact: ForgotInput['contact'], ip: string): Counter[] {
  return [
    { key: `reset-contact:${contact.kind}:${contact.value}`, limit: requestLimits.contact },
    { key: `reset-address:${ip}`, limit: requestLimits.address },
  ];
}

/** Opens (or refreshes) the account's request: one record per account, whoever races. */
async function openRequest(user: UserDoc, now: number): Promise<void> {
  const update = {
    $set: { status: 'open', requestedAt: new Date(now), institutions: await centresOf(user) },
    $max: { keepUntil: new Date(now + resetRecordLifetimeMs) },
  };
  try {
    await PasswordReset.updateOne({ _id: user._id }, update, { upsert: true });
  } catch (error) {
    // Two requests inserting at once: the other made the record, this one refreshes it.
    if (!isDuplicateKeyError(error)) throw error;
    await PasswordReset.updateOne({ _id: user._id }, update);
  }
}

/**
 * A request from the login page. Throws TooManyRequestsError when the address typed or the network
 * address asked too often; otherwise opens a request for each active trainee account it names,
 * and returns nothing either way.
 */
export async function requestPasswordReset(input: ForgotInput, ip: string, now = Date.now()): Promise<void> {
  const counters = requestCounters(input.contact, ip);
  await assertUnderLimits(counters, now, 'passwordReset.forgot.tooMany');
  await recordAttempt(counters, now);
  const { kind, value } = input.contact;
  const accounts = await User.find({ [kind]: value, role: 'trainee', active: true })
    .limit(accountsPerPhone)
    .lean<UserDoc[]>();
  // Staff accounts are not helped here: their coordinator or an admin changes them on the account page.
  for (const account of accounts) await openRequest(account, now);
}

export type OpenResetRequest = { id: string; name: string; email: string; phone: string; requestedAt: Date };

/** Requests newer than this are shown; older ones drop off (and the clean-up deletes them). */
const shownSince = (now: number) => new Date(now - resetRecordLifetimeMs);
const listLimit = 100;

function openFilter(actor: Actor, now: number) {
  return { ...scope(actor, 'passwordResets'), status: 'open' as const, requestedAt: { $gte: shownSince(now) } };
}

/** The open requests the actor may answer, newest first: their centres' trainees, or all for admins. */
export async function openResetRequests(actor: Actor | null, limit = listLimit, now = Date.now()): Promise<OpenResetRequest[]> {
  authorize(actor, 'user.resetPassword');
  const requests = await PasswordReset.find(openFilter(actor, now), { requestedAt: 1 })
    .sort({ requestedAt: -1 })
    .limit(Math.min(limit, listLimit))
    .lean();
  const contacts = await contactsOf(requests.map((request) => request._id));
  return requests.flatMap((request) => {
    const contact = contacts.get(String(request._id));
    return contact ? [{ id: String(request._id), ...contact, requestedAt: request.requestedAt as Date }] : [];
  });
}

/** How many requests wait for the actor (the dashboard's figure). */
export async function countOpenResetRequests(actor: Actor, now = Date.now()): Promise<number> {
  return PasswordReset.countDocuments(openFilter(actor, now));
}

/** The periodic clean-up's step: records a week past their last request, link or use. */
export async function deleteStalePasswordResets(now = new Date()): Promise<number> {
  const result = await PasswordReset.deleteMany(
    { keepUntil: { $lte: now } },
    // A record per account that forgot its password in the last week: a small collection.
    { comment: 'scan: periodic clean-up of password-reset records' },
  );
  return result.deletedCount;
}
