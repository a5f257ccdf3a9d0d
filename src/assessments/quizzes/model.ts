import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId, Mixed } = mongoose.Schema.Types;

export const navigationModes = ['free', 'sequential'] as const;
export type NavigationMode = (typeof navigationModes)[number];
/** When a trainee may see something after submitting: at once, once the quiz has closed, or never. */
export const reviewTimings = ['immediately', 'afterClose', 'never'] as const;
export type ReviewTiming = (typeof reviewTimings)[number];

const drawSchema = new mongoose.Schema(
  {
    /** Draw from the questions tagged with this unit code, or (with `tag`) carrying this tag; both narrow. */
    unit: { type: String, default: '' },
    tag: { type: String, default: '' },
    count: { type: Number, required: true, min: 1 },
  },
  { _id: false },
);

/**
 * A quiz of a cohort: on one competency unit of the cohort's program, or on one module of the
 * version the cohort runs (then on the module's units). Its questions come from the program's
 * bank, fixed or drawn at random per attempt. Found by its cohort (indexed equality). Settings
 * that shape an attempt are copied into the attempt when it starts, so an edit never changes an
 * attempt under way.
 */
const quizSchema = new mongoose.Schema(
  {
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    program: { type: ObjectId, ref: 'Program', required: true },
    title: { type: String, required: true },
    instructions: { type: String, default: '' },
    /** A unit code, or '' when the quiz is on a module. */
    unit: { type: String, default: '' },
    /** A module id of the cohort's program version, or '' when the quiz is on a unit. */
    module: { type: String, default: '' },
    /** The units the quiz assesses: `[unit]`, or the module's units (kept for the gradebook). */
    units: { type: [String], default: [] },
    /** Question ids, in order, when the questions are fixed; empty when drawn. */
    questions: { type: [String], default: [] },
    draws: { type: [drawSchema], default: [] },
    shuffleQuestions: { type: Boolean, default: false },
    shuffleOptions: { type: Boolean, default: true },
    /** Minutes from start; null for no limit. */
    timeLimit: { type: Number, default: null },
    /** Attempts each trainee may make; 0 for unlimited. */
    attemptsAllowed: { type: Number, default: 1 },
    /** Percent of the points needed to pass. */
    passMark: { type: Number, required: true, min: 0, max: 100 },
    opensAt: { type: Date, default: null },
    closesAt: { type: Date, default: null },
    navigation: { type: String, enum: navigationModes, default: 'free' },
    review: {
      score: { type: String, enum: reviewTimings, default: 'immediately' },
      answers: { type: String, enum: reviewTimings, default: 'afterClose' },
      feedback: { type: String, enum: reviewTimings, default: 'immediately' },
    },
    createdBy: { type: ObjectId, ref: 'User', required: true },
    revision: { type: Number, default: 1 },
  },
  { timestamps: true, minimize: false },
);
quizSchema.index({ cohort: 1 });
export type QuizDoc = InferSchemaType<typeof quizSchema> & { _id: mongoose.Types.ObjectId };
export const Quiz = mongoose.model('Quiz', quizSchema);

export const attemptStatuses = ['open', 'submitting', 'needsGrading', 'graded'] as const;
export type AttemptStatus = (typeof attemptStatuses)[number];

const attemptQuestionSchema = new mongoose.Schema(
  {
    id: { type: String, required: true },
    revision: { type: Number, required: true },
    /** The question's content as the attempt was given it (QuestionContent). */
    content: { type: Mixed, required: true },
    /** Option or match-choice ids in the order this attempt shows them. */
    order: { type: [String], default: [] },
    points: { type: Number, required: true },
  },
  // Empty objects of the content (a question without feedback) are part of it: kept as they are.
  { _id: false, minimize: false },
);

/**
 * One attempt of one trainee at one quiz. `_id` is `<quiz>.<trainee>.<n>`: starting twice (a double
 * click, two tabs, a retry) meets the same document, and attempts are found by `_id`, by `quiz`
 * or by `trainee` (indexed equality), or by `status` for the deadline closer. The deadline is
 * the server's: the start plus the time limit, or the quiz's closing time if sooner.
 */
const attemptSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    quiz: { type: ObjectId, ref: 'Quiz', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    number: { type: Number, required: true },
    status: { type: String, enum: attemptStatuses, default: 'open' },
    startedAt: { type: Date, required: true },
    deadline: { type: Date, default: null },
    questions: { type: [attemptQuestionSchema], default: [] },
    navigation: { type: String, enum: navigationModes, default: 'free' },
    /** Sequential navigation: the index of the question the trainee is on; earlier ones are locked. */
    position: { type: Number, default: 0 },
    submittedAt: { type: Date, default: null },
    /** Who ended the attempt: the trainee, or the deadline (closed by the server). */
    closedBy: { type: String, enum: ['trainee', 'deadline', null], default: null },
    /** The Idempotency-Key of the submission and a hash of its body, to answer retries alike. */
    submission: {
      type: new mongoose.Schema({ key: String, bodyHash: String, at: Date }, { _id: false }),
      default: null,
    },
    score: { type: Number, default: null },
    maxScore: { type: Number, default: 0 },
    percent: { type: Number, default: null },
    passed: { type: Boolean, default: null },
    passMark: { type: Number, required: true },
    /** Per question id: points given and, for essays, the grader's comment. */
    marks: { type: Mixed, default: {} },
    /** When the trainee was first shown the correct answers; no late answer is taken after it. */
    answersShownAt: { type: Date, default: null },
  },
  { timestamps: true, minimize: false },
);
attemptSchema.index({ quiz: 1 });
attemptSchema.index({ trainee: 1 });
attemptSchema.index({ status: 1 });
export type AttemptDoc = InferSchemaType<typeof attemptSchema> & { _id: string };
export const QuizAttempt = mongoose.model('QuizAttempt', attemptSchema);

export const attemptId = (quiz: string, trainee: string, number: number) => `${quiz}.${trainee}.${number}`;

/**
 * One answer: `_id` is `<attempt>:<question>`, so saving an answer again (a retry, a change of
 * mind, the offline queue sending twice) meets the same small document. Found by `attempt`.
 */
const answerSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    attempt: { type: String, required: true },
    question: { type: String, required: true },
    response: { type: Mixed, default: null },
    /** When the trainee gave it, on the server's clock (their device's time, corrected for its offset). */
    answeredAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    /** Taken after the deadline because it was given before it (sent late by the offline queue). */
    late: { type: Boolean, default: false },
  },
  { minimize: false },
);
answerSchema.index({ attempt: 1 });
export type AnswerDoc = InferSchemaType<typeof answerSchema> & { _id: string };
export const QuizAnswer = mongoose.model('QuizAnswer', answerSchema);

export const answerId = (attempt: string, question: string) => `${attempt}:${question}`;
