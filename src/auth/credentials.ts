import type { Actor } from '../platform/permissions.js';
import { revokeTokensBefore } from '../tokens/service.js';
import type { ChangePasswordInput } from '../users/schemas.js';
import { changePassword, endAllSessions } from '../users/service.js';

/**
 * Ending an account's sessions and API tokens. The cause is one field, the account's session
 * epoch (users/model.ts): a new one ends every session at its next request (passport.ts compares
 * it at deserialization) and every token at its next use (tokens/service.ts), on every process.
 * Deleting the old tokens here only tidies up and counts them for the owner.
 */
export type CredentialsEnded = {
  /** The account's new epoch: a session to keep logged in is renewed with it (auth/routes.ts logIn). */
  epoch: string;
  tokensRevoked: number;
};

/** The owner changes their password: every other session and every API token ends. */
export async function changeOwnPassword(actor: Actor, input: ChangePasswordInput): Promise<CredentialsEnded> {
  const { epoch } = await changePassword(actor, input);
  return { epoch, tokensRevoked: await revokeTokensBefore(actor.id, epoch) };
}

/** "Log out everywhere": every session of the account, the caller's too, and every API token end. */
export async function logOutEverywhere(actor: Actor): Promise<CredentialsEnded> {
  const { epoch } = await endAllSessions(actor);
  return { epoch, tokensRevoked: await revokeTokensBefore(actor.id, epoch) };
}
