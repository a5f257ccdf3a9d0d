import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { NotFoundError } from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { sha256Hex } from '../platform/text.js';
import { newAccountSessionEpoch, User, type UserDoc } from '../users/model.js';
import type { UserView } from '../users/schemas.js';
import { sessionEpochOf, toUserView } from '../users/service.js';
import { ApiToken } from './model.js';

export type TokenView = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };
type TokenDoc = {
  _id: mongoose.Types.ObjectId;
  user: mongoose.Types.ObjectId;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  epoch?: string;
};

const tokenPrefix = 'kpt_';

function toTokenView(token: TokenDoc): TokenView {
  return {
    id: String(token._id),
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt ? token.lastUsedAt.toISOString() : null,
  };
}

/**
 * Issues a token for the actor. The secret is returned once and never stored. `epoch` is the
 * session epoch the actor's credentials were checked with (their session's, or the one read with
 * the password they gave), so a token asked for just as the password changes dies with the rest.
 */
export async function createToken(actor: Actor, name: string, epoch: string): Promise<TokenView & { token: string }> {
  authorize(actor, 'token.manage', { owner: actor.id });
  const token = tokenPrefix + randomBytes(32).toString('base64url');
  const created = await ApiToken.create({ user: actor.id, name, hash: sha256Hex(token), prefix: token.slice(0, 10), epoch });
  return { ...toTokenView(created.toObject() as TokenDoc), token };
}

export async function listTokens(actor: Actor | null, owner: string): Promise<TokenView[]> {
  authorize(actor, 'token.manage', { owner });
  if (!mongoose.isValidObjectId(owner)) throw new NotFoundError();
  const [tokens, user] = await Promise.all([
    ApiToken.find({ user: owner }).sort({ createdAt: -1 }).lean<TokenDoc[]>(),
    User.findById(owner, { sessionEpoch: 1 }).lean<UserDoc>(),
  ]);
  // Tokens of an earlier epoch no longer work; one issued during a password change can outlive
  // the clean-up of its epoch (see revokeTokensBefore), so it is left out here too.
  return tokens.filter((token) => user && (token.epoch ?? newAccountSessionEpoch) === sessionEpochOf(user)).map(toTokenView);
}

export async function revokeToken(actor: Actor | null, tokenId: string): Promise<void> {
  if (!mongoose.isValidObjectId(tokenId)) throw new NotFoundError();
  const token = await ApiToken.findById(tokenId).lean<TokenDoc>();
  // A token the actor may not manage is "not found", so ids of others' tokens reveal nothing.
  if (!token || !can(actor, 'token.manage', { owner: String(token.user) })) throw new NotFoundError();
  await ApiToken.deleteOne({ _id: token._id });
}

/**
 * Deletes the owner's tokens of every epoch but `epoch` (the one the account has just been given)
 * and returns how many there were. They stopped working when the epoch changed; this tidies up
 * and counts them for the owner. Tokens issued with the new epoch, just after, are kept.
 */
export async function revokeTokensBefore(owner: string, epoch: string): Promise<number> {
  const { deletedCount } = await ApiToken.deleteMany({ user: owner, epoch: { $ne: epoch } });
  return deletedCount;
}

const lastUsedPrecisionMs = 60_000;

/** The active user a bearer token belongs to, with the session epoch the token carries, or null. */
export async function userForToken(token: string): Promise<{ user: UserView; epoch: string } | null> {
  if (!token.startsWith(tokenPrefix)) return null;
  const found = await ApiToken.findOne({ hash: sha256Hex(token) }).lean<TokenDoc>();
  if (!found) return null;
  const user = await User.findById(found.user).lean<UserDoc>();
  if (!user?.active) return null;
  const epoch = found.epoch ?? newAccountSessionEpoch;
  if (epoch !== sessionEpochOf(user)) {
    // Ended by a password change or "log out everywhere"; one issued during it gets here.
    await ApiToken.deleteOne({ _id: found._id });
    return null;
  }
  const now = Date.now();
  if (!found.lastUsedAt || now - found.lastUsedAt.getTime() > lastUsedPrecisionMs) {
    // Recorded to the minute, so a busy client does not write on every request.
    await ApiToken.updateOne({ _id: found._id }, { $set: { lastUsedAt: new Date(now) } });
  }
  return { user: toUserView(user), epoch };
}
