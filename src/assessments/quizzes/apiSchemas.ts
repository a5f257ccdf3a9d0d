import { z } from 'zod';
import type { AnswerOutcome } from './attempts.js';
import type { cohortQuizzes } from './listing.js';
import type { attemptForTrainee, attemptSummary, reviewForTrainee } from './presentation.js';
import type { QuizView } from './service.js';
import type { attemptForStaff, quizOverview } from './staff.js';

/** The quiz API's responses (documented in the OpenAPI document) and the conversions to them. */

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);
const timing = z.enum(['immediately', 'afterClose', 'never']);

const quizView = z.object({
  id: z.string(),
  cohort: z.string(),
  title: z.string(),
  instructions: z.string(),
  unit: z.string(),
  module: z.string(),
  units: z.array(z.string()),
  questions: z.array(z.string()),
  draws: z.array(z.object({ unit: z.string(), tag: z.string(), count: z.number().int() })),
  shuffleQuestions: z.boolean(),
  shuffleOptions: z.boolean(),
  timeLimit: z.number().int().nullable(),
  attemptsAllowed: z.number().int(),
  passMark: z.number(),
  opensAt: z.string().nullable(),
  closesAt: z.string().nullable(),
  navigation: z.enum(['free', 'sequential']),
  review: z.object({ score: timing, answers: timing, feedback: timing }),
  revision: z.number().int(),
});
const quizForApi = (quiz: QuizView) => {
  const { program: _, ...rest } = quiz;
  return { ...rest, opensAt: iso(quiz.opensAt), closesAt: iso(quiz.closesAt) };
};

const summary = z.object({
  id: z.string(),
  number: z.number().int(),
  status: z.enum(['open', 'submitting', 'needsGrading', 'graded']),
  startedAt: z.string(),
  deadline: z.string().nullable(),
  submittedAt: z.string().nullable(),
  closedBy: z.enum(['trainee', 'deadline']).nullable(),
  score: z.number().nullable(),
  maxScore: z.number(),
  percent: z.number().nullable(),
  passed: z.boolean().nullable(),
});
type Summary = ReturnType<typeof attemptSummary>;
/** Score and pass only where the review shows the score (the trainee's side). */
const summaryForApi = (attempt: Summary & { review?: { score: boolean } }) => {
  const hidden = attempt.review && !attempt.review.score;
  return {
    id: attempt.id,
    number: attempt.number,
    status: attempt.status as z.output<typeof summary>['status'],
    startedAt: attempt.startedAt.toISOString(),
    deadline: iso(attempt.deadline),
    submittedAt: iso(attempt.submittedAt),
    closedBy: (attempt.closedBy ?? null) as 'trainee' | 'deadline' | null,
    score: hidden ? null : attempt.score,
    maxScore: attempt.maxScore,
    percent: hidden ? null : attempt.percent,
    passed: hidden ? null : attempt.passed,
  };
};

const question = z.object({
  id: z.string(),
  number: z.number().int(),
  type: z.string(),
  html: z.string(),
  points: z.number(),
  options: z.array(z.object({ id: z.string(), text: z.string() })),
  pairs: z.array(z.object({ id: z.string(), prompt: z.string() })),
  choices: z.array(z.string()),
  minWords: z.number().nullable(),
  maxWords: z.number().nullable(),
  response: z.unknown().optional(),
  result: z
    .object({ score: z.number().nullable(), max: z.number(), fraction: z.number().nullable(), feedback: z.array(z.string()) })
    .nullable()
    .optional(),
  key: z.array(z.string()).nullable().optional(),
  comment: z.string().optional(),
});

const attemptView = z.object({
  attempt: summary,
  quiz: z.object({ id: z.string(), title: z.string(), navigation: z.enum(['free', 'sequential']) }),
  position: z.number().int(),
  secondsLeft: z.number().int().nullable(),
  review: z.object({ score: z.boolean(), answers: z.boolean(), feedback: z.boolean() }),
  questions: z.array(question),
});
type TraineeView = Awaited<ReturnType<typeof attemptForTrainee>>;
const questionForApi = ({ image: _, ...rest }: TraineeView['questions'][number]) => rest;
const attemptForApi = (view: TraineeView) => ({
  attempt: summaryForApi({ ...view.summary, review: view.review }),
  quiz: { id: view.quiz.id, title: view.quiz.title, navigation: view.quiz.navigation },
  position: view.attempt.position ?? 0,
  secondsLeft: view.secondsLeft,
  review: view.review,
  questions: view.questions.map((item) => ({ ...questionForApi(item), response: view.responses[item.id] ?? null })),
});
const reviewForApi = (view: Awaited<ReturnType<typeof reviewForTrainee>>) => ({
  ...attemptForApi(view),
  questions: view.questions.map((item) => ({
    ...questionForApi(item),
    response: item.response,
    result: item.result
      ? { score: item.result.score, max: item.result.max, fraction: item.result.fraction, feedback: item.result.feedback }
      : null,
    key: item.key,
    comment: item.comment,
  })),
});

const answerOutcome = z.object({
  question: z.string(),
  outcome: z.enum(['saved', 'late', 'refused']),
  reason: z.string().optional(),
});
const outcomeForApi = ({ params: _, ...outcome }: AnswerOutcome) => outcome;

const quizList = z.object({
  items: z.array(
    quizView.extend({
      questionCount: z.number().int(),
      window: z.string(),
      state: z.string().optional(),
      left: z.number().int().nullable().optional(),
      counts: z.object({ started: z.number().int(), needsGrading: z.number().int() }).optional(),
    }),
  ),
});
const listForApi = (list: Awaited<ReturnType<typeof cohortQuizzes>>) => ({
  items: list.items.map((item) => ({
    ...quizForApi(item),
    questionCount: item.questionCount,
    window: item.window,
    ...('counts' in item ? { counts: item.counts } : {}),
    ...('state' in item ? { state: item.state, left: item.left } : {}),
  })),
});

const overview = z.object({
  quiz: quizView,
  counts: z.object({ started: z.number().int(), needsGrading: z.number().int(), passed: z.number().int() }),
  trainees: z.array(z.object({ id: z.string(), name: z.string(), attempts: z.array(summary), best: summary.nullable() })),
  changedQuestions: z.array(z.object({ id: z.string(), revision: z.number().int() })),
});
const overviewForApi = (view: Awaited<ReturnType<typeof quizOverview>>) => ({
  quiz: quizForApi(view.quiz),
  counts: view.counts,
  trainees: view.rows.map((row) => ({
    id: row.id,
    name: row.name,
    attempts: row.attempts.map((attempt) => summaryForApi(attempt)),
    best: row.best ? summaryForApi(row.best) : null,
  })),
  changedQuestions: view.changed.map(({ id, revision }) => ({ id, revision })),
});

const staffAttempt = z.object({
  attempt: summary,
  trainee: z.string(),
  questions: z.array(
    question.extend({
      late: z.boolean(),
      mark: z.object({ points: z.number(), comment: z.string(), at: z.string() }).nullable(),
    }),
  ),
});
const staffAttemptForApi = (view: Awaited<ReturnType<typeof attemptForStaff>>) => ({
  attempt: summaryForApi(view.attempt),
  trainee: view.trainee,
  questions: view.questions.map(({ image: _, mark, result, ...rest }) => ({
    ...rest,
    result: { score: result.score, max: result.max, fraction: result.fraction, feedback: result.feedback },
    mark: mark ? { points: mark.points, comment: mark.comment, at: new Date(mark.at).toISOString() } : null,
  })),
});

export const quizApiSchemas = {
  quizView,
  quizForApi,
  quizPage: z.object({
    quiz: quizView,
    attempts: z.array(summary).optional(),
    mayStart: z.boolean().optional(),
    left: z.number().int().nullable().optional(),
  }),
  summaryForApi,
  attemptView,
  attemptForApi,
  reviewForApi,
  answerOutcome,
  answerOutcomes: z.object({ outcomes: z.array(answerOutcome) }),
  outcomeForApi,
  quizList,
  listForApi,
  overview,
  overviewForApi,
  staffAttempt,
  staffAttemptForApi,
};
