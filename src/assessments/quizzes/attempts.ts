import { AppError, isDuplicateKeyError, NotFoundError, ValidationError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import { responseSchemaFor, seededShuffle, shuffledMatchChoices, shuffledOptionOrder } from '../grading.js';
import type { QuestionDoc } from '../model.js';
import { matchChoices, type QuestionContent } from '../questions.js';
import { bankSnapshot } from './bankSnapshot.js';
import { type AnswerDoc, type AttemptDoc, answerId, attemptId, QuizAnswer, QuizAttempt } from './model.js';
import type { AnswerInput } from './schemas.js';
import { closeAttempt, gradeAttempt } from './scoring.js';
import { authorizeTaker, drawPool, type QuizView, quizWindow, takenQuiz } from './service.js';

/**
 * Attempts: a trainee starts one explicitly; the server keeps its deadline, saves each answer as it
 * is given (one small document per question, written again on a retry) and refuses answers after
 * the deadline, to questions not in the attempt, out of sequence, or to another's attempt.
 */

/**
 * How long after the deadline an answer given before it may still arrive (the offline queue of a
 * phone that lost its connection). After that, or once the trainee has been shown the correct
 * answers, nothing more is taken.
 */
export const lateAnswerGraceMs = 24 * 3600_000;

/** The attempts of a trainee at a quiz, by number (indexed equality on `trainee`). */
export async function attemptsOf(quizId: string, traineeId: string): Promise<AttemptDoc[]> {
  const docs = await QuizAttempt.find({ trainee: traineeId }).limit(5_000).lean<AttemptDoc[]>();
  return docs.filter((doc) => String(doc.quiz) === quizId).sort((a, b) => a.number - b.number);
}

/** The order of a choice question's options (or a matching question's choices) in one attempt. */
function choiceOrder(content: QuestionContent, seed: string, shuffle: boolean): string[] {
  if (content.type === 'single' || content.type === 'multiple')
    return shuffle ? shuffledOptionOrder(content, seed) : content.options.map((option) => option.id);
  if (content.type === 'matching') return shuffle ? shuffledMatchChoices(content, seed) : matchChoices(content);
  return [];
}

/** The attempt's copy of a question: its wording now, and its choices in this attempt's order. */
export function attemptQuestion(doc: QuestionDoc, id: string, shuffleOptions: boolean) {
  const content = doc.content as QuestionContent;
  return {
    id: String(doc._id),
    revision: doc.revision,
    content,
    order: choiceOrder(content, `${id}:${String(doc._id)}`, shuffleOptions),
    points: content.points,
  };
}

/**
 * The questions of a new attempt: the fixed list, or each draw's count taken at random (seeded by
 * the attempt's id, so the same attempt always has the same questions) from its pool, no question
 * twice; then shuffled if the quiz says so.
 */
export function drawQuestions(quiz: QuizView, bank: readonly QuestionDoc[], id: string): QuestionDoc[] {
  const byId = new Map(bank.map((doc) => [String(doc._id), doc]));
  let chosen: QuestionDoc[];
  if (quiz.questions.length) {
    chosen = quiz.questions.map((question) => byId.get(question)).filter((doc) => doc !== undefined);
  } else {
    const taken = new Set<string>();
    chosen = [];
    for (const [index, draw] of quiz.draws.entries()) {
      const pool = drawPool(bank, draw).filter((doc) => !taken.has(String(doc._id)));
      for (const doc of seededShuffle(pool, `${id}:draw:${index}`).slice(0, draw.count)) {
        taken.add(String(doc._id));
        chosen.push(doc);
      }
    }
  }
  return quiz.shuffleQuestions ? seededShuffle(chosen, `${id}:order`) : chosen;
}

/** The deadline of an attempt started at `now`: the time limit, or the quiz's closing if sooner. */
export function deadlineOf(quiz: Pick<QuizView, 'timeLimit' | 'closesAt'>, now: Date): Date | null {
  const limit = quiz.timeLimit ? new Date(now.getTime() + quiz.timeLimit * 60_000) : null;
  if (limit && quiz.closesAt) return new Date(Math.min(limit.getTime(), quiz.closesAt.getTime()));
  return limit ?? quiz.closesAt ?? null;
}

/**
 * Starts an attempt, or returns the one still open: a double click, two tabs or a retry meet the
 * same attempt (its `_id` is its natural key, so a race is settled by the unique `_id`).
 */
export async function startAttempt(
  actor: Actor | null,
  quizId: string,
  now = new Date(),
): Promise<{ attempt: AttemptDoc; quiz: QuizView; fresh: boolean }> {
  const quiz = await takenQuiz(actor, quizId);
  const traineeId = actor!.id;
  const existing = await attemptsOf(quiz.id, traineeId);
  for (const attempt of existing)
    if (attempt.status === 'open') {
      const closed = await closeIfExpired(attempt, now);
      if (!closed) return { attempt, quiz, fresh: false };
    }
  const window = quizWindow(quiz, now);
  if (window !== 'open') throw new AppError(422, `assessments.quizzes.errors.${window}`);
  if (quiz.attemptsAllowed > 0 && existing.length >= quiz.attemptsAllowed)
    throw new AppError(422, 'assessments.quizzes.errors.noAttemptsLeft', { allowed: quiz.attemptsAllowed });
  const number = (existing.at(-1)?.number ?? 0) + 1;
  const id = attemptId(quiz.id, traineeId, number);
  const questions = drawQuestions(quiz, await bankSnapshot(quiz.program), id).map((doc) =>
    attemptQuestion(doc, id, quiz.shuffleOptions),
  );
  if (!questions.length) throw new AppError(422, 'assessments.quizzes.errors.noQuestions');
  try {
    const created = await QuizAttempt.create({
      _id: id,
      quiz: quiz.id,
      cohort: quiz.cohort,
      trainee: traineeId,
      number,
      status: 'open',
      startedAt: now,
      deadline: deadlineOf(quiz, now),
      questions,
      navigation: quiz.navigation,
      passMark: quiz.passMark,
      maxScore: questions.reduce((sum, question) => sum + question.points, 0),
    });
    return { attempt: created.toObject() as AttemptDoc, quiz, fresh: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const raced = await QuizAttempt.findById(id).lean<AttemptDoc>();
    if (!raced) throw error;
    return { attempt: raced, quiz, fresh: false };
  }
}

/** An open attempt past its deadline is closed and graded now (the periodic closer does it too). */
async function closeIfExpired(attempt: AttemptDoc, now: Date): Promise<AttemptDoc | null> {
  if (attempt.status !== 'open' || !attempt.deadline || now < attempt.deadline) return null;
  await closeAttempt(attempt._id, 'deadline', attempt.deadline);
  return QuizAttempt.findById(attempt._id).lean<AttemptDoc>();
}

/** The actor's own attempt (another's is not found: its existence is nobody else's business), closed if expired. */
export async function ownAttempt(actor: Actor | null, id: string, now = new Date()): Promise<AttemptDoc> {
  const attempt = actor ? await QuizAttempt.findById(id).lean<AttemptDoc>() : null;
  if (!attempt || String(attempt.trainee) !== actor!.id) throw new NotFoundError();
  // Still a trainee of the cohort. The attempt names its cohort, so the quiz is not read again on
  // every autosave: a quiz with attempts cannot be deleted, and the attempt keeps the settings it
  // started with (one read less per save, measured in bench/examBurst.ts).
  await authorizeTaker(actor, String(attempt.cohort));
  return (await closeIfExpired(attempt, now)) ?? attempt;
}

/** The answers of an attempt (indexed equality on `attempt`). */
export const answersOf = (attempt: string) => QuizAnswer.find({ attempt }).limit(1_000).lean<AnswerDoc[]>();

export type AnswerOutcome = {
  question: string;
  outcome: 'saved' | 'late' | 'refused';
  /** Why it was refused (an i18n key). */
  reason?: string;
  params?: Record<string, unknown>;
};

const refused = (question: string, reason: string, params?: Record<string, unknown>): AnswerOutcome => ({
  question,
  outcome: 'refused',
  reason: `assessments.quizzes.refused.${reason}`,
  ...(params ? { params } : {}),
});

/**
 * When the trainee gave an answer, on the server's clock: the time it arrived less how long it
 * waited on the device (the device's `sentAt - answeredAt`). Only that difference of the device's
 * clock is trusted, and never further back than the attempt's start.
 */
export function givenAt(input: Pick<AnswerInput, 'answeredAt' | 'sentAt'>, attempt: Pick<AttemptDoc, 'startedAt'>, now: Date) {
  const waited = input.answeredAt && input.sentAt ? Math.max(0, Date.parse(input.sentAt) - Date.parse(input.answeredAt)) : 0;
  return new Date(Math.max(attempt.startedAt.getTime(), now.getTime() - waited));
}

/** Until when the attempt takes answers as given: its deadline while open, and its end once submitted. */
function cutoffOf(attempt: AttemptDoc): Date | null {
  if (attempt.status === 'open') return attempt.deadline ?? null;
  const ended = attempt.submittedAt ?? attempt.deadline;
  return attempt.deadline && ended && attempt.deadline < ended ? attempt.deadline : (ended ?? null);
}

const sameResponse = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Saves one answer. Before the cutoff it is stored (a later change replaces it unless an answer
 * given even later is already there: the queue may deliver out of order). Given before the cutoff
 * but arriving after it (the offline queue), it is taken once, within the grace period and until
 * the trainee has seen the correct answers, and the attempt is graded again. Given after: never.
 */
async function saveOne(attempt: AttemptDoc, input: AnswerInput, now: Date): Promise<AnswerOutcome> {
  const index = attempt.questions.findIndex((question) => question.id === input.question);
  if (index < 0) return refused(input.question, 'notInAttempt');
  if (attempt.navigation === 'sequential' && index < attempt.position) return refused(input.question, 'locked');
  const parsed = responseSchemaFor(attempt.questions[index]!.content as QuestionContent).safeParse(input.response ?? null);
  if (!parsed.success) return refused(input.question, 'invalid', { message: parsed.error.issues[0]?.message ?? '' });
  const response = parsed.data;
  const at = givenAt(input, attempt, now);
  const cutoff = cutoffOf(attempt);
  const open = attempt.status === 'open' && (!cutoff || now <= cutoff);
  const _id = answerId(attempt._id, input.question);
  if (!open) {
    if (!cutoff || at > cutoff) return refused(input.question, 'afterDeadline');
    if (attempt.answersShownAt || now.getTime() > cutoff.getTime() + lateAnswerGraceMs) return refused(input.question, 'tooLate');
    const answers = await answersOf(attempt._id);
    const existing = answers.find((answer) => answer._id === _id);
    if (existing?.late)
      return sameResponse(existing.response, response)
        ? { question: input.question, outcome: 'late' }
        : refused(input.question, 'alreadyLate');
    if (existing && existing.answeredAt >= at) return { question: input.question, outcome: 'saved' };
    // A device that reached the server after it says this answer was given would have sent the
    // answer then (its queue sends all it holds): so long a wait is not believed.
    if (answers.some((answer) => answer.receivedAt > at && answer.receivedAt < now)) return refused(input.question, 'tooLate');
    await QuizAnswer.updateOne(
      { _id },
      { $set: { attempt: attempt._id, question: input.question, response, answeredAt: at, receivedAt: now, late: true } },
      { upsert: true },
    );
    return { question: input.question, outcome: 'late' };
  }
  const fields = { attempt: attempt._id, question: input.question, response, answeredAt: at, receivedAt: now, late: false };
  try {
    // The first answer to a question is an insert, which runs in parallel with others'; a change
    // of mind is an update that keeps whichever was given last.
    await QuizAnswer.create({ _id, ...fields });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await QuizAnswer.updateOne({ _id, answeredAt: { $lte: at } }, { $set: fields });
  }
  if (attempt.navigation === 'sequential') {
    const position = input.advance ? index + 1 : index;
    if (position > attempt.position) {
      await QuizAttempt.updateOne({ _id: attempt._id }, { $max: { position } });
      attempt.position = position;
    }
  }
  return { question: input.question, outcome: 'saved' };
}

/** Saves answers of the actor's own attempt, in the order given; says for each whether it was taken. */
export async function saveAnswers(actor: Actor | null, id: string, inputs: AnswerInput[], now = new Date()) {
  let attempt = await ownAttempt(actor, id, now);
  const outcomes: AnswerOutcome[] = [];
  for (const input of inputs) outcomes.push(await saveOne(attempt, input, now));
  if (outcomes.some((outcome) => outcome.outcome === 'late') && attempt.status !== 'open') {
    await gradeAttempt(attempt._id);
    attempt = (await QuizAttempt.findById(id).lean<AttemptDoc>())!;
  }
  return { attempt, outcomes };
}

/** One answer, refused as an error (the API's single-answer PUT and the no-JS form). */
export async function saveAnswer(actor: Actor | null, id: string, input: AnswerInput, now = new Date()) {
  const { attempt, outcomes } = await saveAnswers(actor, id, [input], now);
  const outcome = outcomes[0]!;
  if (outcome.outcome === 'refused') {
    const reason = outcome.reason!;
    if (reason.endsWith('.notInAttempt')) throw new NotFoundError();
    if (reason.endsWith('.invalid'))
      throw new ValidationError([{ field: 'response', key: String(outcome.params?.message || 'validation.invalid') }]);
    throw new AppError(409, reason);
  }
  return { attempt, outcome };
}
