import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { Institution } from '../institutions/model.js';
import { nationwideScan } from '../platform/db/queryGuard.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import type { Language } from '../platform/i18n.js';
import { type Actor, authorize, scope } from '../platform/permissions.js';
import { escapeRegExp } from '../platform/text.js';
import { forgetContact } from './directory.js';
import { newAccountSessionEpoch, User, type UserDoc } from './model.js';
import type {
  ChangePasswordInput,
  CreateUserInput,
  ProfileInput,
  RegisterInput,
  UpdateUserInput,
  UserListQuery,
  UserView,
} from './schemas.js';

export const usersPerPage = 25;

export function toUserView(user: UserDoc): UserView {
  return {
    id: String(user._id),
    name: user.name,
    email: user.email,
    phone: user.phone ?? '',
    province: user.province ?? null,
    role: user.role as UserView['role'],
    institution: user.institution ? String(user.institution) : null,
    language: user.language as Language,
    active: user.active ?? true,
    createdAt: (user.createdAt ?? new Date()).toISOString(),
  };
}

/** The account's session epoch (model.ts); accounts stored before epochs existed have the first one. */
export function sessionEpochOf(user: Pick<UserDoc, 'sessionEpoch'>): string {
  return user.sessionEpoch ?? newAccountSessionEpoch;
}

/** A new session epoch: random, so no two changes give the same one, whatever the clocks say. */
export function newSessionEpoch(): string {
  return randomBytes(16).toString('base64url');
}

export function toActor(user: Pick<UserView, 'id' | 'role' | 'institution'>): Actor {
  return { id: user.id, role: user.role, institution: user.institution };
}

/** Creates an account; a taken email is a conflict on the email field, whoever raced first. */
async function insertUser(fields: { email: string } & Record<string, unknown>): Promise<UserView> {
  if (await User.exists({ email: fields.email })) throw new ConflictError('validation.emailTaken', 'email');
  try {
    const user = await User.create(fields);
    return toUserView(user.toObject() as UserDoc);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError('validation.emailTaken', 'email');
    throw error;
  }
}

async function assertInstitutionExists(institution: string | null): Promise<void> {
  if (institution && !(await Institution.exists({ _id: institution }))) {
    throw new ValidationError([{ field: 'institution', key: 'validation.choice' }]);
  }
}

/** A staff account needs an institution; only admins and trainees may stand outside one. */
function assertInstitutionFitsRole(role: string, institution: string | null): void {
  if ((role === 'instructor' || role === 'coordinator') && !institution) {
    throw new ValidationError([{ field: 'institution', key: 'validation.institutionRequired' }]);
  }
}

/** Self-registration: always a trainee, in the language the visitor was using. */
export async function registerTrainee(input: RegisterInput, language: Language): Promise<UserView> {
  return insertUser({
    name: input.name,
    email: input.email,
    phone: input.phone,
    province: input.province,
    role: 'trainee',
    language,
    passwordHash: await hashPassword(input.password),
  });
}

export async function createUser(actor: Actor | null, input: CreateUserInput): Promise<UserView> {
  authorize(actor, 'user.create', { role: input.role, institution: input.institution });
  assertInstitutionFitsRole(input.role, input.institution);
  await assertInstitutionExists(input.institution);
  return insertUser({
    name: input.name,
    email: input.email,
    phone: input.phone,
    province: input.province,
    role: input.role,
    institution: input.institution,
    createdBy: actor.id,
    passwordHash: await hashPassword(input.password),
  });
}

async function findUser(id: string): Promise<UserDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const user = await User.findById(id).lean<UserDoc>();
  if (!user) throw new NotFoundError();
  return user;
}

/**
 * Sets fields and reads the account back. Not findOneAndUpdate: FerretDB 1.x rejects its
 * projection, which Mongoose always sends for User because passwordHash is `select: false`.
 */
async function setAndRead(id: string, fields: Record<string, unknown>): Promise<UserView> {
  await User.updateOne({ _id: id }, { $set: fields }, { runValidators: true });
  forgetContact(id);
  return toUserView(await findUser(id));
}

export async function getUser(actor: Actor | null, id: string): Promise<UserView> {
  const user = toUserView(await findUser(id));
  authorize(actor, 'user.view', user);
  return user;
}

export async function updateUser(actor: Actor | null, id: string, input: UpdateUserInput): Promise<UserView> {
  const before = toUserView(await findUser(id));
  authorize(actor, 'user.view', before);
  authorize(actor, 'user.update', { before, after: { role: input.role, institution: input.institution } });
  if (before.id === actor.id && (input.role !== before.role || !input.active)) {
    // An admin demoting or deactivating themselves could leave nobody able to undo it.
    throw new ValidationError([{ field: 'role', key: 'validation.notOnYourself' }]);
  }
  assertInstitutionFitsRole(input.role, input.institution);
  await assertInstitutionExists(input.institution);
  const fields: Record<string, unknown> = {
    name: input.name,
    role: input.role,
    institution: input.institution,
    active: input.active,
  };
  // Deactivating ends the account's sessions and tokens for good, so reactivating it later does
  // not bring back whatever was logged in before (a lost phone, a shared computer).
  if (before.active && !input.active) fields.sessionEpoch = newSessionEpoch();
  return setAndRead(id, fields);
}

export async function listUsers(
  actor: Actor | null,
  query: UserListQuery,
): Promise<{ users: UserView[]; total: number; page: number; pages: number }> {
  authorize(actor, 'user.list');
  const filter: Record<string, unknown> = { ...scope(actor, 'users') };
  if (query.role) filter.role = query.role;
  if (query.q) {
    const pattern = new RegExp(escapeRegExp(query.q), 'i');
    filter.$or = [{ name: pattern }, { email: pattern }];
  }
  const comment = nationwideScan(scope(actor, 'users'));
  const [users, total] = await Promise.all([
    User.find(filter, undefined, { comment })
      .sort({ name: 1, _id: 1 })
      .skip((query.page - 1) * usersPerPage)
      .limit(usersPerPage)
      .lean<UserDoc[]>(),
    User.countDocuments(filter, { comment }),
  ]);
  return { users: users.map(toUserView), total, page: query.page, pages: Math.max(1, Math.ceil(total / usersPerPage)) };
}

export async function updateProfile(actor: Actor, input: ProfileInput): Promise<UserView> {
  return setAndRead(actor.id, { name: input.name, phone: input.phone, province: input.province, language: input.language });
}

export async function setLanguage(actor: Actor, language: Language): Promise<void> {
  await User.updateOne({ _id: actor.id }, { $set: { language } });
}

/**
 * Changes the actor's own password and, in the same update, the account's session epoch, so every
 * session and API token made before stops working at once (the caller renews the current
 * session with the returned epoch). The update replaces only the hash that was verified: if the
 * password changed in between, the current password typed is no longer right.
 */
export async function changePassword(actor: Actor, input: ChangePasswordInput): Promise<{ epoch: string }> {
  const user = await User.findById(actor.id).select('+passwordHash').lean<UserDoc>();
  if (!user) throw new NotFoundError();
  const wrongPassword = new ValidationError([{ field: 'currentPassword', key: 'validation.currentPasswordWrong' }]);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) throw wrongPassword;
  const epoch = newSessionEpoch();
  const { modifiedCount } = await User.updateOne(
    { _id: actor.id, passwordHash: user.passwordHash },
    { $set: { passwordHash: await hashPassword(input.newPassword), sessionEpoch: epoch } },
  );
  if (!modifiedCount) throw wrongPassword;
  return { epoch };
}

/** Ends every session and API token of the actor's account (a new session epoch, see model.ts). */
export async function endAllSessions(actor: Actor): Promise<{ epoch: string }> {
  const epoch = newSessionEpoch();
  await User.updateOne({ _id: actor.id }, { $set: { sessionEpoch: epoch } });
  return { epoch };
}
