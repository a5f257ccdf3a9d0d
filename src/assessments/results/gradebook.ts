import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import { ForbiddenError } from '../../platform/errors.js';
import { type Actor, authorize } from '../../platform/permissions.js';
import { cohortTrainees } from '../assignments/listing.js';
import { quizzesOfCohort } from '../quizzes/catalogue.js';
import type { QuizDoc } from '../quizzes/model.js';
import { reviewOf } from '../quizzes/presentation.js';
import { toQuizView } from '../quizzes/service.js';
import { type EvidenceSource, type QuizResult, UnitResult, type UnitResultDoc, type VerdictStatus } from './model.js';
import { cohortAssessments, traineeUnitResults, type UnitResultView, unitResultView } from './summaries.js';

/**
 * The cohort's gradebook (trainees x units) and a trainee's own results. Both read the unit
 * summaries (UnitResult, kept up to date by record.ts as results arrive) by indexed equality on
 * `cohort` (or their ids), never the attempts or submissions behind them, through the same read
 * model as the verdict pages (summaries.ts), so a cell and its drill-down cannot disagree.
 */

/** A gradebook cell: the confirmed verdict, else what the evidence proposes, else incomplete. */
export const cellStates = ['K', 'BK', 'proposedK', 'proposedBK', 'incomplete'] as const;
export type CellState = (typeof cellStates)[number];

/**
 * A cohort is bounded (capacity 1,000) and so are its program's units: every summary of one
 * cohort fits this, read in one batch (FerretDB holds a connection per open cursor).
 */
const maxCohortResults = 50_000;

export type UnitColumn = {
  code: string;
  title: { id: string; en: string };
  criteria: number;
  quizzes: number;
  /** How many of the cohort's trainees are in each state for the unit. */
  counts: Record<CellState, number>;
};

export type GradebookCell = {
  unit: string;
  state: CellState;
  verdict: { status: VerdictStatus; reason: string; byName: string; at: Date } | null;
  proposed: VerdictStatus | null;
  /** A re-assessment is open after a BK verdict. */
  reassessment: boolean;
  criteria: { met: number; total: number };
  quizzes: { passed: number; total: number };
};

export type GradebookRow = { trainee: { id: string; name: string; email: string }; cells: GradebookCell[] };

export type GradebookFilter = { unit?: string; state?: CellState };

const emptyCounts = (): Record<CellState, number> => ({ K: 0, BK: 0, proposedK: 0, proposedBK: 0, incomplete: 0 });

function stateOf(view: UnitResultView): CellState {
  if (view.verdict) return view.verdict.status as VerdictStatus;
  if (view.proposal.proposed === 'K') return 'proposedK';
  if (view.proposal.proposed === 'BK') return 'proposedBK';
  return 'incomplete';
}

function cellOf(view: UnitResultView): GradebookCell {
  const { verdict, proposal } = view;
  return {
    unit: view.unit,
    state: stateOf(view),
    verdict: verdict
      ? { status: verdict.status as VerdictStatus, reason: verdict.reason ?? '', byName: verdict.byName ?? '', at: verdict.at }
      : null,
    proposed: proposal.proposed,
    reassessment: Boolean(view.reassessment),
    criteria: { met: proposal.met.length, total: view.criteria.length },
    quizzes: { passed: proposal.passed.length, total: view.quizzes.length },
  };
}

/** The cohort, if the actor may see its gradebook (its instructors, its institution's coordinators, admins). */
async function gradebookCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'gradebook.view', cohortRef(cohort));
  return cohort;
}

/**
 * The cohort's trainees (enrolled or graduated, by name) with one cell per unit of its program,
 * and per unit how many trainees are in each state. `filter` narrows the columns to one unit and
 * the rows to trainees with a shown cell in one state; the counts stay the whole cohort's.
 */
export async function cohortGradebook(actor: Actor | null, cohortId: string, filter: GradebookFilter = {}) {
  const cohort = await gradebookCohort(actor, cohortId);
  const [assessments, trainees, results] = await Promise.all([
    cohortAssessments(cohort),
    cohortTrainees(actor, cohort.id),
    UnitResult.find({ cohort: cohort.id }).limit(maxCohortResults).lean<UnitResultDoc[]>(),
  ]);
  const { units, quizzes } = assessments;
  const byKey = new Map(results.map((result) => [`${result.trainee}:${result.unit}`, result]));
  const columns: UnitColumn[] = units.map((unit) => ({
    code: unit.code,
    title: unit.title,
    criteria: unit.criteria.length,
    quizzes: (quizzes.get(unit.code) ?? []).length,
    counts: emptyCounts(),
  }));
  const allRows: GradebookRow[] = trainees.map((trainee) => ({
    trainee,
    cells: units.map((unit, index) => {
      const cell = cellOf(unitResultView(assessments, unit, byKey.get(`${trainee.id}:${unit.code}`) ?? null));
      columns[index]!.counts[cell.state] += 1;
      return cell;
    }),
  }));
  // A unit the program no longer has (a stale link) narrows nothing rather than emptying the table.
  const unit = columns.some((column) => column.code === filter.unit) ? filter.unit : undefined;
  const shown = unit ? columns.filter((column) => column.code === unit) : columns;
  const rows = allRows
    .map((row) => ({ ...row, cells: unit ? row.cells.filter((cell) => cell.unit === unit) : row.cells }))
    .filter((row) => !filter.state || row.cells.some((cell) => cell.state === filter.state));
  return { cohort, units: shown, allUnits: columns, rows, total: trainees.length, filter: { unit, state: filter.state } };
}
export type Gradebook = Awaited<ReturnType<typeof cohortGradebook>>;

// --- the trainee's own results --------------------------------------------------------------------

export type QuizLine = {
  id: string;
  title: string;
  /** Whether the trainee has a result that counts (a graded attempt, or one waiting for essay grading). */
  taken: boolean;
  attempts: number;
  at: Date | null;
  /** The score as the quiz's review settings let the trainee see it now; hidden: `shown` false and why. */
  score: { shown: true; percent: number | null; passed: boolean | null } | { shown: false; reason: 'afterClose' | 'never' };
};

/**
 * What the trainee may see of a quiz's counting result now: the quiz's review settings decide
 * whether the score (percent, passed) shows, by the same rule as the attempt's own review page
 * (quizzes/presentation.ts `reviewOf`: at once, once the quiz has closed, or never). Every view of
 * a trainee's own quiz results goes through here, so no page shows more than the review allows.
 * The counting result is a finished attempt's (graded, or waiting for its essays).
 */
export function quizScoreForTrainee(
  quiz: QuizDoc | undefined,
  result: Pick<QuizResult, 'percent' | 'passed'>,
  now: Date,
): QuizLine['score'] {
  // Settings not found (the quiz deleted between two reads): nothing is shown rather than too much.
  if (!quiz) return { shown: false, reason: 'never' };
  const view = toQuizView(quiz);
  if (!reviewOf(view, { status: 'graded' }, now).score)
    return { shown: false, reason: view.review.score === 'never' ? 'never' : 'afterClose' };
  return { shown: true, percent: result.percent ?? null, passed: result.passed ?? null };
}

export type EvidenceLine = {
  source: EvidenceSource;
  id: string;
  title: string;
  at: Date;
  /** Where the trainee reads it with the assessor's comments (their assignment page, the observation). */
  link: string | null;
  criteria: { ref: string; no: string; text: string; met: boolean }[];
};

/**
 * The trainee's own page of a piece of evidence. An assignment's evidence is keyed by its
 * submission (`<assignment>:<trainee>`, assignments/service.ts); an observation's by its id.
 */
export function traineeEvidenceLink(source: string, id: string): string | null {
  if (source === 'observation') return `/observations/${id}`;
  const [assignment] = id.split(':');
  return source === 'assignment' && assignment ? `/assignments/${assignment}` : null;
}

export type MyUnitResult = {
  code: string;
  title: { id: string; en: string };
  /** The confirmed verdict (K or BK, with the reason when BK), else 'none'. */
  state: VerdictStatus | 'none';
  verdict: { status: VerdictStatus; reason: string; at: Date } | null;
  /** An open re-assessment after a BK verdict: what to show again. */
  reassessment: { note: string; at: Date } | null;
  criteria: { met: number; total: number };
  quizzes: QuizLine[];
  evidence: EvidenceLine[];
};

/**
 * The trainee's own results in a cohort they study in: per unit of its program the confirmed
 * verdict, each quiz's counting result (as its review settings allow) and what each piece of
 * evidence showed for each criterion, newest first. Only their own: the trainee is the actor,
 * never a parameter.
 */
export async function myResults(actor: Actor | null, cohortId: string, now = new Date()) {
  if (!actor) throw new ForbiddenError();
  const cohort = await findCohort(cohortId);
  const enrollment = await enrollmentOf(actor.id, cohort.id);
  authorize(actor, 'cohort.study', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
  const [views, settings] = await Promise.all([traineeUnitResults(cohort.id, actor.id), quizzesOfCohort(cohort.id)]);
  const quizById = new Map(settings.map((quiz) => [String(quiz._id), quiz]));
  const units: MyUnitResult[] = views.map((view) => {
    const criteria = new Map(view.criteria.map((criterion) => [criterion.ref, criterion]));
    const { verdict, reassessment } = view;
    return {
      code: view.unit,
      title: view.title,
      state: verdict ? (verdict.status as VerdictStatus) : 'none',
      verdict: verdict ? { status: verdict.status as VerdictStatus, reason: verdict.reason ?? '', at: verdict.at } : null,
      reassessment: reassessment ? { note: reassessment.note ?? '', at: reassessment.at } : null,
      criteria: { met: view.proposal.met.length, total: view.criteria.length },
      quizzes: view.quizzes.map((quiz) => ({
        id: quiz.id,
        title: quiz.title,
        taken: quiz.result !== null,
        attempts: quiz.result?.attempts ?? 0,
        at: quiz.result?.at ?? null,
        score: quiz.result
          ? quizScoreForTrainee(quizById.get(quiz.id), quiz.result, now)
          : { shown: true as const, percent: null, passed: null },
      })),
      evidence: view.evidence.map((evidence) => ({
        source: evidence.source as EvidenceSource,
        id: evidence.id,
        title: evidence.title ?? '',
        at: evidence.at,
        link: traineeEvidenceLink(evidence.source, evidence.id),
        // Criteria the unit no longer has (its standard was revised) are left out, as the proposal does.
        criteria: (evidence.criteria ?? []).flatMap((item) => {
          const criterion = item.ref ? criteria.get(item.ref) : undefined;
          return criterion ? [{ ref: criterion.ref, no: criterion.no, text: criterion.text, met: item.met === true }] : [];
        }),
      })),
    };
  });
  return { cohort, units };
}
export type MyResults = Awaited<ReturnType<typeof myResults>>;
