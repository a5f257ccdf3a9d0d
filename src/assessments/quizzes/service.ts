import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { type Actor, authorize } from '../../platform/permissions.js';
import { versionSnapshot } from '../../programs/publishing.js';
import { cohortUnits } from '../assignments/service.js';
import { Question, type QuestionDoc } from '../model.js';
import type { QuestionContent } from '../questions.js';
import { Quiz, QuizAttempt, type QuizDoc } from './model.js';
import type { QuizInput } from './schemas.js';

/**
 * Quizzes: staff teaching a cohort set them up on a unit or a module of its program, with questions
 * of the program's bank, fixed or drawn per attempt (`quiz.manage`); the cohort's trainees take
 * them (`quiz.take`, attempts.ts).
 */

export type QuizView = {
  id: string;
  cohort: string;
  program: string;
  title: string;
  instructions: string;
  unit: string;
  module: string;
  units: string[];
  questions: string[];
  draws: { unit: string; tag: string; count: number }[];
  shuffleQuestions: boolean;
  shuffleOptions: boolean;
  timeLimit: number | null;
  attemptsAllowed: number;
  passMark: number;
  opensAt: Date | null;
  closesAt: Date | null;
  navigation: 'free' | 'sequential';
  review: { score: ReviewTiming; answers: ReviewTiming; feedback: ReviewTiming };
  revision: number;
};
type ReviewTiming = 'immediately' | 'afterClose' | 'never';

export const toQuizView = (doc: QuizDoc): QuizView => ({
  id: String(doc._id),
  cohort: String(doc.cohort),
  program: String(doc.program),
  title: doc.title,
  instructions: doc.instructions ?? '',
  unit: doc.unit ?? '',
  module: doc.module ?? '',
  units: [...(doc.units ?? [])],
  questions: [...(doc.questions ?? [])],
  draws: (doc.draws ?? []).map((draw) => ({ unit: draw.unit ?? '', tag: draw.tag ?? '', count: draw.count })),
  shuffleQuestions: doc.shuffleQuestions ?? false,
  shuffleOptions: doc.shuffleOptions ?? true,
  timeLimit: doc.timeLimit ?? null,
  attemptsAllowed: doc.attemptsAllowed ?? 1,
  passMark: doc.passMark,
  opensAt: doc.opensAt ?? null,
  closesAt: doc.closesAt ?? null,
  navigation: doc.navigation ?? 'free',
  review: {
    score: doc.review?.score ?? 'immediately',
    answers: doc.review?.answers ?? 'afterClose',
    feedback: doc.review?.feedback ?? 'immediately',
  },
  revision: doc.revision ?? 1,
});

/** How many questions an attempt gets: the fixed list, or the sum of the draws. */
export const questionCount = (quiz: Pick<QuizView, 'questions' | 'draws'>) =>
  quiz.questions.length || quiz.draws.reduce((sum, draw) => sum + draw.count, 0);

/** Whether the quiz is open for new attempts and answers at `now`. */
export function quizWindow(quiz: Pick<QuizView, 'opensAt' | 'closesAt'>, now = new Date()): 'notYet' | 'open' | 'closed' {
  if (quiz.opensAt && now < quiz.opensAt) return 'notYet';
  if (quiz.closesAt && now >= quiz.closesAt) return 'closed';
  return 'open';
}

export async function findQuiz(id: string): Promise<QuizDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const doc = await Quiz.findById(id).lean<QuizDoc>();
  if (!doc) throw new NotFoundError();
  return doc;
}

/** The cohort, if the actor teaches it. */
export async function quizCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'quiz.manage', cohortRef(cohort));
  return cohort;
}

/** The quiz and its cohort, if the actor teaches the cohort. */
export async function managedQuiz(actor: Actor | null, id: string) {
  const doc = await findQuiz(id);
  const cohort = await quizCohort(actor, String(doc.cohort));
  return { quiz: toQuizView(doc), cohort };
}

/** The actor must be a trainee of the cohort who may take its quizzes (enrolled, or graduated). */
export async function authorizeTaker(actor: Actor | null, cohortId: string): Promise<void> {
  if (!actor) throw new ForbiddenError();
  const enrollment = await enrollmentOf(actor.id, cohortId);
  authorize(actor, 'quiz.take', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
}

/** The quiz, if the actor is a trainee of its cohort who may take it. */
export async function takenQuiz(actor: Actor | null, id: string) {
  const doc = await findQuiz(id);
  await authorizeTaker(actor, String(doc.cohort));
  return toQuizView(doc);
}

/** The program's bank (not archived), for choosing and drawing questions. */
export async function bankOf(programId: string): Promise<QuestionDoc[]> {
  const docs = await Question.find({ program: programId }).limit(10_000).lean<QuestionDoc[]>();
  return docs.filter((doc) => !doc.archived);
}

/** The questions of a bank a draw rule takes from: tagged with its unit and carrying its tag (each if set). */
export function drawPool(bank: readonly QuestionDoc[], draw: { unit: string; tag: string }): QuestionDoc[] {
  return bank.filter((doc) => {
    const content = doc.content as QuestionContent;
    return (!draw.unit || content.units.includes(draw.unit)) && (!draw.tag || content.tags.includes(draw.tag));
  });
}

/** Where the quiz may be placed: the cohort's units and the modules of the version it runs. */
export async function quizTargets(cohort: CohortView) {
  const [units, snapshot] = await Promise.all([cohortUnits(cohort), versionSnapshot(cohort.program, cohort.version)]);
  return {
    units: units.map((unit) => ({ code: unit.code, title: unit.title })),
    modules: snapshot.modules.map((module) => ({ id: module.id, title: module.title, units: module.units })),
  };
}

const invalid = (field: string, key: string, params?: Record<string, unknown>) =>
  new ValidationError([{ field, key, ...(params ? { params } : {}) }]);

/** The input checked against the cohort's program and bank; what the quiz stores. */
async function storedFields(cohort: CohortView, input: QuizInput) {
  const targets = await quizTargets(cohort);
  const [kind, value = ''] = input.target.split(/:(.*)/s);
  let unit = '';
  let module = '';
  let units: string[];
  if (kind === 'unit' && targets.units.some((candidate) => candidate.code === value)) {
    unit = value;
    units = [value];
  } else if (kind === 'module' && targets.modules.some((candidate) => candidate.id === value)) {
    module = value;
    units = targets.modules.find((candidate) => candidate.id === value)!.units;
  } else throw invalid('target', 'assessments.quizzes.errors.target');

  const bank = await bankOf(cohort.program);
  let questions: string[] = [];
  let draws: QuizInput['draws'] = [];
  if (input.mode === 'fixed') {
    const known = new Set(bank.map((doc) => String(doc._id)));
    questions = [...new Set(input.questions)];
    const foreign = questions.filter((id) => !known.has(id));
    if (foreign.length) throw invalid('questions', 'assessments.quizzes.errors.foreignQuestions', { count: foreign.length });
    if (!questions.length) throw invalid('questions', 'assessments.quizzes.errors.noQuestions');
  } else {
    draws = input.draws;
    if (!draws.length) throw invalid('drawCount-0', 'assessments.quizzes.errors.noDraws');
    for (const [index, draw] of draws.entries()) {
      const available = drawPool(bank, draw).length;
      if (available < draw.count)
        throw invalid(`drawCount-${index}`, 'assessments.quizzes.errors.poolTooSmall', {
          wanted: draw.count,
          available,
          pool: [draw.unit, draw.tag].filter(Boolean).join(' · ') || '—',
        });
    }
  }
  if (input.opensAt && input.closesAt && input.closesAt <= input.opensAt)
    throw invalid('closesDay', 'assessments.quizzes.errors.closesBeforeOpens');
  return {
    program: cohort.program,
    title: input.title,
    instructions: input.instructions,
    unit,
    module,
    units,
    questions,
    draws,
    shuffleQuestions: input.shuffleQuestions,
    shuffleOptions: input.shuffleOptions,
    timeLimit: input.timeLimit,
    attemptsAllowed: input.attemptsAllowed,
    passMark: input.passMark,
    opensAt: input.opensAt,
    closesAt: input.closesAt,
    navigation: input.navigation,
    review: input.review,
  };
}

export async function createQuiz(actor: Actor | null, cohortId: string, input: QuizInput): Promise<QuizView> {
  const cohort = await quizCohort(actor, cohortId);
  const created = await Quiz.create({ cohort: cohort.id, ...(await storedFields(cohort, input)), createdBy: actor!.id });
  return toQuizView(created.toObject() as QuizDoc);
}

/**
 * Changes a quiz; an edit from a form opened before another's save is refused (409). Attempts
 * already started keep the questions, limit and pass mark they started with.
 */
export async function updateQuiz(actor: Actor | null, id: string, input: QuizInput): Promise<QuizView> {
  const { quiz, cohort } = await managedQuiz(actor, id);
  const fields = await storedFields(cohort, input);
  const result = await Quiz.updateOne(
    { _id: id, revision: input.revision ?? quiz.revision },
    { $set: fields, $inc: { revision: 1 } },
  );
  if (result.matchedCount === 0) throw new ConflictError('assessments.quizzes.errors.changedMeanwhile');
  return toQuizView(await findQuiz(id));
}

/** Deletes a quiz nobody has started (results are not thrown away by a click). */
export async function deleteQuiz(actor: Actor | null, id: string): Promise<string> {
  const { quiz } = await managedQuiz(actor, id);
  const started = await QuizAttempt.countDocuments({ quiz: id });
  if (started) throw new AppError(409, 'assessments.quizzes.errors.hasAttempts', { count: started });
  await Quiz.deleteOne({ _id: id });
  return quiz.cohort;
}
