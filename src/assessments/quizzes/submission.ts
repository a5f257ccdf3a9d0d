import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import { type AnswerOutcome, ownAttempt, saveAnswers } from './attempts.js';
import { type AttemptDoc, QuizAttempt } from './model.js';
import type { AnswerInput } from './schemas.js';
import { closeAttempt } from './scoring.js';

/**
 * Submitting is idempotent. A double click, a retry or two tabs give one submission and one
 * grade: the change from `open` is one conditional update, and whoever loses it is answered with
 * the attempt as the winner left it. With an Idempotency-Key (the IETF draft), a retry of the same
 * key and body gets the same answer; the same key with another body is refused (422), and while
 * the first request is still being handled, a retry is told so (409).
 */

/** The key the no-JS form and clients without one use: one per attempt, so every retry is alike. */
export const implicitKey = (attempt: string) => `attempt:${attempt}`;

/** What a submit carried, reduced to what makes two bodies the same. */
export function bodyHash(answers: readonly AnswerInput[]): string {
  const canonical = answers.map((answer) => [answer.question, answer.response ?? null, answer.answeredAt ?? null]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

export type SubmitOutcome = { attempt: AttemptDoc; outcomes: AnswerOutcome[]; replayed: boolean };

function settled(attempt: AttemptDoc, key: string, hash: string, outcomes: AnswerOutcome[]): SubmitOutcome {
  const first = attempt.submission;
  if (first?.key === key) {
    if (attempt.status === 'submitting') throw new AppError(409, 'assessments.quizzes.errors.submitInProgress');
    if (first.bodyHash !== hash) throw new AppError(422, 'assessments.quizzes.errors.keyReused');
  }
  return { attempt, outcomes, replayed: true };
}

/**
 * Submits the actor's own attempt with the answers still waiting on the device (each saved first,
 * by the deadline rules), then grades it. An attempt already ended (by another tab, a retry or the
 * deadline) is answered as it stands.
 */
export async function submitAttempt(
  actor: Actor | null,
  id: string,
  input: { answers: AnswerInput[]; key?: string | undefined },
  now = new Date(),
): Promise<SubmitOutcome> {
  const key = input.key ?? implicitKey(id);
  const hash = bodyHash(input.answers);
  const before = await ownAttempt(actor, id, now);
  if (before.status !== 'open') {
    if (before.submission?.key === key || !input.answers.length) return settled(before, key, hash, []);
    // Ended meanwhile (the deadline, another tab): what the device still held is taken by the late rules.
    const late = await saveAnswers(actor, id, input.answers, now);
    return { ...late, replayed: true };
  }
  // Answers the device still held go first (a submit without any reads nothing more).
  const { outcomes } = input.answers.length ? await saveAnswers(actor, id, input.answers, now) : { outcomes: [] };
  const won = await closeAttempt(id, 'trainee', now, { key, bodyHash: hash });
  const after = (await QuizAttempt.findById(id).lean<AttemptDoc>())!;
  if (!won) return settled(after, key, hash, outcomes);
  return { attempt: after, outcomes, replayed: false };
}
