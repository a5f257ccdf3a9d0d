import { findCohort } from '../../cohorts/service.js';
import { publish } from '../../platform/events.js';
import { gradeResponse, type QuestionResponse, scoreOf } from '../grading.js';
import type { QuestionContent } from '../questions.js';
import { recordQuizResult } from '../results/record.js';
import { type AnswerDoc, type AttemptDoc, Quiz, QuizAnswer, QuizAttempt, type QuizDoc } from './model.js';

/**
 * Grading an attempt from its stored answers: the same whenever it runs (on submit, at the deadline,
 * after a late answer, a regrade or an essay mark), so running it twice gives one grade.
 */

export type EssayMark = { points: number; comment: string; by: string; at: Date };

export type QuestionResult = { question: string; score: number | null; max: number; fraction: number | null; feedback: string[] };

/** Each question's points from the answers (essays: the grader's mark, or null while none). */
export function resultsOf(attempt: Pick<AttemptDoc, 'questions' | 'marks'>, answers: readonly AnswerDoc[]): QuestionResult[] {
  const byQuestion = new Map(answers.map((answer) => [answer.question, answer]));
  const marks = (attempt.marks ?? {}) as Record<string, EssayMark>;
  return attempt.questions.map((question) => {
    const content = question.content as QuestionContent;
    const response = byQuestion.get(question.id)?.response as QuestionResponse | null | undefined;
    const grade = gradeResponse(content, response);
    const mark = marks[question.id];
    if (grade.fraction === null && mark)
      return {
        question: question.id,
        score: mark.points,
        max: question.points,
        fraction: mark.points / question.points,
        feedback: grade.feedback,
      };
    return {
      question: question.id,
      score: scoreOf(content, grade.fraction),
      max: question.points,
      fraction: grade.fraction,
      feedback: grade.feedback,
    };
  });
}

const round2 = (value: number) => Math.round((value + Number.EPSILON) * 100) / 100;

/**
 * Grades a submitted attempt from its answers and records the quiz's counting result for its units.
 * `actor` is the grader whose mark completed it (null: graded automatically). A graded attempt is
 * told to the other features (monitoring, logs, xAPI); one still waiting for an essay mark is not.
 */
export async function gradeAttempt(id: string, actor: string | null = null): Promise<void> {
  const attempt = await QuizAttempt.findById(id).lean<AttemptDoc>();
  if (!attempt || attempt.status === 'open') return;
  const results = resultsOf(attempt, await QuizAnswer.find({ attempt: id }).limit(1_000).lean<AnswerDoc[]>());
  const pending = results.some((result) => result.score === null);
  const score = round2(results.reduce((sum, result) => sum + (result.score ?? 0), 0));
  const maxScore = round2(results.reduce((sum, result) => sum + result.max, 0));
  const percent = pending ? null : maxScore ? round2((score / maxScore) * 100) : 0;
  const passed = percent === null ? null : percent >= attempt.passMark;
  await QuizAttempt.updateOne(
    { _id: id, status: { $ne: 'open' } },
    { $set: { status: pending ? 'needsGrading' : 'graded', score, maxScore, percent, passed } },
  );
  const quiz = await recordCountingResult(String(attempt.quiz), String(attempt.trainee));
  if (!quiz || pending) return;
  await publish('assessment.graded', {
    actor,
    ...(await quizSubject(attempt, quiz)),
    score,
    maxScore,
    passed,
    at: attempt.submittedAt ?? new Date(),
  });
}

/** Tells the other features that a trainee handed in a quiz attempt (before it is graded). */
async function publishSubmitted(attemptId: string, at: Date): Promise<void> {
  const attempt = await QuizAttempt.findById(attemptId).lean<AttemptDoc>();
  const quiz = attempt && (await Quiz.findById(attempt.quiz).lean<QuizDoc>());
  if (!attempt || !quiz) return;
  await publish('assessment.submitted', { ...(await quizSubject(attempt, quiz)), at });
}

/** Whose attempt of which quiz, in which cohort and institution: what the quiz events name. */
async function quizSubject(attempt: AttemptDoc, quiz: QuizDoc) {
  const cohort = await findCohort(String(quiz.cohort));
  return {
    trainee: String(attempt.trainee),
    cohort: cohort.id,
    institution: cohort.institution,
    kind: 'quiz' as const,
    assessment: String(quiz._id),
    title: quiz.title,
  };
}

/**
 * Records the attempt that counts (the best graded one; else the latest waiting for an essay mark)
 * on each unit of the quiz, for the gradebook and the verdict proposal.
 */
export async function recordCountingResult(quizId: string, traineeId: string): Promise<QuizDoc | null> {
  const quiz = await Quiz.findById(quizId).lean<QuizDoc>();
  if (!quiz) return null;
  const attempts = (await QuizAttempt.find({ trainee: traineeId }).limit(5_000).lean<AttemptDoc[]>()).filter(
    (attempt) => String(attempt.quiz) === quizId && attempt.status !== 'open' && attempt.status !== 'submitting',
  );
  if (!attempts.length) return quiz;
  const graded = attempts.filter((attempt) => attempt.status === 'graded');
  const counting = graded.length
    ? graded.reduce((best, attempt) => ((attempt.percent ?? 0) > (best.percent ?? 0) ? attempt : best))
    : attempts.reduce((latest, attempt) => (attempt.number > latest.number ? attempt : latest));
  await recordQuizResult({
    cohort: String(quiz.cohort),
    trainee: traineeId,
    units: quiz.units,
    quiz: quizId,
    title: quiz.title,
    attempt: counting._id,
    percent: counting.percent ?? null,
    passed: counting.status === 'graded' ? (counting.passed ?? null) : null,
    attempts: attempts.length,
    at: counting.submittedAt ?? new Date(),
  });
  return quiz;
}

/**
 * Ends an open attempt (the trainee submitted, or its deadline passed) and grades it. Only the
 * first end counts: the change from `open` is conditional, so a submit and the deadline closer
 * meeting on one attempt give one submission and one grade.
 */
export async function closeAttempt(
  id: string,
  by: 'trainee' | 'deadline',
  at: Date,
  submission: { key: string; bodyHash: string } | null = null,
): Promise<boolean> {
  const ended = await QuizAttempt.updateOne(
    { _id: id, status: 'open' },
    { $set: { status: 'submitting', submittedAt: at, closedBy: by, submission: submission ? { ...submission, at } : null } },
  );
  if (ended.matchedCount) {
    await publishSubmitted(id, at);
    await gradeAttempt(id);
  }
  return ended.matchedCount === 1;
}

/** How long an attempt may stay `submitting` (a crash between ending and grading) before the closer grades it. */
const stuckAfterMs = 60_000;

/**
 * The deadline closer: every open attempt past its deadline is ended and graded, even if nobody
 * comes back; attempts a crash left between ending and grading are graded. Reads attempts by
 * `status` (indexed equality), which only attempts under way hold.
 */
export async function closeExpiredAttempts(now = new Date()): Promise<{ closed: number; regraded: number }> {
  let closed = 0;
  let regraded = 0;
  const open = await QuizAttempt.find({ status: 'open' }, { _id: 1, deadline: 1 }).limit(10_000).lean<AttemptDoc[]>();
  for (const attempt of open)
    if (attempt.deadline && attempt.deadline <= now && (await closeAttempt(attempt._id, 'deadline', attempt.deadline)))
      closed += 1;
  const stuck = await QuizAttempt.find({ status: 'submitting' }, { _id: 1, submittedAt: 1 }).limit(10_000).lean<AttemptDoc[]>();
  for (const attempt of stuck)
    if (!attempt.submittedAt || now.getTime() - attempt.submittedAt.getTime() > stuckAfterMs) {
      await gradeAttempt(attempt._id);
      regraded += 1;
    }
  return { closed, regraded };
}
