import { z } from 'zod';
import { checkboxField } from '../../platform/validation.js';
import { list, wibDateTime, wibDay, wibTime } from '../assignments/schemas.js';
import { navigationModes, reviewTimings } from './model.js';

/** Quiz limits: what a form and the API take. */
export const quizLimits = {
  title: 200,
  instructions: 20_000,
  questions: 200,
  draws: 10,
  drawCount: 100,
  timeLimit: 24 * 60,
  attempts: 20,
  /** Answers one request may carry (a submit flushing the offline queue). */
  answersPerRequest: 200,
  comment: 2_000,
} as const;

const blankToNull = (value: unknown) => (value === undefined || value === null || value === '' ? null : value);

const drawRule = z.object({
  unit: z.string().trim().max(40).default(''),
  tag: z.string().trim().max(60).default(''),
  count: z.coerce.number().int().min(1, 'assessments.quizzes.errors.drawCount').max(quizLimits.drawCount),
});

const settings = {
  title: z.string().trim().min(1, 'validation.required').max(quizLimits.title),
  instructions: z.string().max(quizLimits.instructions).default(''),
  /** `unit:<code>` or `module:<id>`. */
  target: z.string().trim().min(1, 'validation.required'),
  mode: z.enum(['fixed', 'draw']),
  shuffleQuestions: z.boolean().default(false),
  shuffleOptions: z.boolean().default(true),
  timeLimit: z.preprocess(blankToNull, z.coerce.number().int().min(1).max(quizLimits.timeLimit).nullable()),
  attemptsAllowed: z.coerce.number().int().min(0).max(quizLimits.attempts),
  passMark: z.coerce.number().min(0).max(100),
  navigation: z.enum(navigationModes),
  review: z.object({
    score: z.enum(reviewTimings),
    answers: z.enum(reviewTimings),
    feedback: z.enum(reviewTimings),
  }),
};

/** The API's quiz body: times as ISO 8601 with their offset (or null). */
export const quizBody = z.object({
  ...settings,
  questions: z.array(z.string()).max(quizLimits.questions).default([]),
  draws: z.array(drawRule).max(quizLimits.draws).default([]),
  opensAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .transform((value) => (value ? new Date(value) : null)),
  closesAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .transform((value) => (value ? new Date(value) : null)),
});
export const quizUpdateBody = quizBody.extend({ revision: z.number().int().min(1) });
export type QuizInput = z.output<typeof quizBody> & { revision?: number };

/** Rows of draw rules a form offers. */
export const drawRows = 5;

const optionalMoment = (day: unknown, time: unknown): Date | null =>
  typeof day === 'string' && day ? wibDateTime(day, typeof time === 'string' && time ? time : '00:00') : null;

/**
 * The quiz form: checkboxes, draw rows `drawUnit-i`/`drawTag-i`/`drawCount-i` (blank rows skipped),
 * and opening and closing times as WIB date and time fields.
 */
export const quizForm = z
  .object({
    ...settings,
    // An unticked box is not sent at all.
    shuffleQuestions: checkboxField(false),
    shuffleOptions: checkboxField(false),
    questions: list(z.string()).pipe(z.array(z.string()).max(quizLimits.questions)),
    reviewScore: z.enum(reviewTimings),
    reviewAnswers: z.enum(reviewTimings),
    reviewFeedback: z.enum(reviewTimings),
    review: z.unknown().optional(),
    opensDay: z.union([z.literal(''), wibDay]).default(''),
    opensTime: z.union([z.literal(''), wibTime]).default(''),
    closesDay: z.union([z.literal(''), wibDay]).default(''),
    closesTime: z.union([z.literal(''), wibTime]).default(''),
    revision: z.coerce.number().int().min(1).optional(),
  })
  .passthrough()
  .transform((form, context) => {
    const draws: z.output<typeof drawRule>[] = [];
    for (let row = 0; row < drawRows; row += 1) {
      const count = form[`drawCount-${row}`];
      if (count === undefined || count === '') continue;
      const parsed = drawRule.safeParse({ unit: form[`drawUnit-${row}`], tag: form[`drawTag-${row}`], count });
      if (parsed.success) draws.push(parsed.data);
      else context.addIssue({ code: 'custom', message: 'assessments.quizzes.errors.drawCount', path: [`drawCount-${row}`] });
    }
    return {
      title: form.title,
      instructions: form.instructions,
      target: form.target,
      mode: form.mode,
      shuffleQuestions: form.shuffleQuestions,
      shuffleOptions: form.shuffleOptions,
      timeLimit: form.timeLimit,
      attemptsAllowed: form.attemptsAllowed,
      passMark: form.passMark,
      navigation: form.navigation,
      review: { score: form.reviewScore, answers: form.reviewAnswers, feedback: form.reviewFeedback },
      questions: form.questions,
      draws,
      opensAt: optionalMoment(form.opensDay, form.opensTime),
      closesAt: optionalMoment(form.closesDay, form.closesTime || '23:59'),
      revision: form.revision,
    } satisfies QuizInput;
  });

// --- answers and submissions -------------------------------------------------------------------

/**
 * One answer as a client sends it. `answeredAt` and `sentAt` are the device's clock: the server
 * trusts only their difference (how long the answer waited on the device), never the clock itself.
 */
export const answerBody = z.object({
  question: z.string().min(1).max(40),
  response: z.unknown().optional(),
  answeredAt: z.iso.datetime({ offset: true }).optional(),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  /** Sequential navigation: moving on to the next question after this one. */
  advance: z.boolean().default(false),
});
export type AnswerInput = z.output<typeof answerBody>;

export const answersBody = z.object({
  answers: z.array(answerBody).max(quizLimits.answersPerRequest),
});

/** A submit may carry the answers still waiting on the device. */
export const submitBody = z.object({
  answers: z.array(answerBody).max(quizLimits.answersPerRequest).default([]),
});

export const essayMarkBody = z.object({
  points: z.coerce.number().min(0),
  comment: z.string().max(quizLimits.comment).default(''),
});
