import mongoose from 'mongoose';
import { type CohortView, findCohort } from '../../cohorts/service.js';
import { type CohortUnit, cohortUnits } from '../assignments/service.js';
import { quizzesByUnit } from '../quizzes/catalogue.js';
import {
  type QuizResult,
  type Reassessment,
  type UnitEvidence,
  UnitResult,
  type UnitResultDoc,
  unitResultId,
  type Verdict,
  type VerdictStatus,
} from './model.js';
import { type Proposal, proposeVerdict, type UnitQuiz } from './proposal.js';
import { entryKey } from './record.js';

/**
 * Read models of the unit results for pages (the gradebook, the trainee's results, the
 * drill-down). They do not check permissions: the caller has (`gradebook.view` for staff, the
 * trainee's own enrolment for a trainee). Results are read by indexed equality (`cohort`, `_id`);
 * proposals are computed from the stored summaries, never from attempts or submissions.
 */

/** A cohort's results per trainee and unit stay bounded (trainees x units); more is a bug, not a page. */
const cohortResultLimit = 20_000;

/** What every result of a cohort is judged against: its units' criteria and the quizzes on each unit. */
export type CohortAssessments = { cohort: CohortView; units: CohortUnit[]; quizzes: Map<string, UnitQuiz[]> };

export async function cohortAssessments(cohortOrId: string | CohortView): Promise<CohortAssessments> {
  const cohort = typeof cohortOrId === 'string' ? await findCohort(cohortOrId) : cohortOrId;
  const [units, quizzes] = await Promise.all([cohortUnits(cohort), quizzesByUnit(cohort.id)]);
  return { cohort, units, quizzes };
}

/** The proposal for one unit of the cohort from its stored result (null: nothing shown yet). */
export function proposalFor(assessments: CohortAssessments, unit: string, result: UnitResultDoc | null): Proposal {
  const criteria = assessments.units.find((candidate) => candidate.code === unit)?.criteria.map((item) => item.ref) ?? [];
  return proposeVerdict(criteria, assessments.quizzes.get(unit) ?? [], result);
}

export type VerdictSummary = {
  trainee: string;
  unit: string;
  /** The confirmed verdict, null until an instructor gives one. */
  verdict: VerdictStatus | null;
  /** What the evidence proposes now (null: incomplete). */
  proposed: VerdictStatus | null;
  /** A re-assessment is open after a BK verdict. */
  reassessment: boolean;
  verdictRevision: number;
  updatedAt: Date;
};

/**
 * For every unit result of the cohort (a trainee with anything recorded on a unit): the verdict
 * and the current proposal. A trainee x unit without a result has neither (no entry).
 */
export async function verdictSummaries(cohortId: string): Promise<VerdictSummary[]> {
  if (!mongoose.isValidObjectId(cohortId)) return [];
  const [assessments, results] = await Promise.all([
    cohortAssessments(cohortId),
    UnitResult.find({ cohort: cohortId }).limit(cohortResultLimit).lean<UnitResultDoc[]>(),
  ]);
  return results.map((result) => ({
    trainee: String(result.trainee),
    unit: result.unit,
    verdict: (result.verdict?.status as VerdictStatus | undefined) ?? null,
    proposed: proposalFor(assessments, result.unit, result).proposed,
    reassessment: Boolean(result.reassessment),
    verdictRevision: result.verdictRevision ?? 0,
    updatedAt: result.updatedAt,
  }));
}

export type CriterionState = 'met' | 'notYetMet' | 'unassessed';

export type UnitResultView = {
  unit: string;
  title: { id: string; en: string };
  /** The unit's criteria in the standard's order, each with what the evidence showed. */
  criteria: { ref: string; no: string; text: string; state: CriterionState }[];
  /** Each quiz on the unit with its counting result (null: not taken yet). */
  quizzes: (UnitQuiz & { result: QuizResult | null })[];
  /** Each piece of evidence, newest first, with its key (what a verdict names). */
  evidence: (UnitEvidence & { key: string })[];
  proposal: Proposal;
  verdict: Verdict | null;
  reassessment: Reassessment | null;
  verdictRevision: number;
};

/** One unit's result as pages show it (`result` null: nothing recorded yet). */
export function unitResultView(assessments: CohortAssessments, unit: CohortUnit, result: UnitResultDoc | null): UnitResultView {
  const proposal = proposalFor(assessments, unit.code, result);
  const state = (ref: string): CriterionState =>
    proposal.met.includes(ref) ? 'met' : proposal.notYetMet.includes(ref) ? 'notYetMet' : 'unassessed';
  return {
    unit: unit.code,
    title: unit.title,
    criteria: unit.criteria.map((criterion) => ({ ...criterion, state: state(criterion.ref) })),
    quizzes: (assessments.quizzes.get(unit.code) ?? []).map((quiz) => ({
      ...quiz,
      result: result?.quizzes?.[entryKey(quiz.id)] ?? null,
    })),
    evidence: Object.entries(result?.evidence ?? {})
      .map(([key, item]) => ({ ...item, key }))
      .sort((a, b) => new Date(b.at).getTime() - new Date(a.at).getTime()),
    proposal,
    verdict: result?.verdict ?? null,
    reassessment: result?.reassessment ?? null,
    verdictRevision: result?.verdictRevision ?? 0,
  };
}

/**
 * One trainee's results in a cohort, a view per unit of the cohort's program (in the program's
 * order, units with nothing recorded included): criteria, quizzes, evidence, proposal, verdict and
 * an open re-assessment's note.
 */
export async function traineeUnitResults(cohortId: string, traineeId: string): Promise<UnitResultView[]> {
  if (!mongoose.isValidObjectId(cohortId) || !mongoose.isValidObjectId(traineeId)) return [];
  const assessments = await cohortAssessments(cohortId);
  const ids = assessments.units.map((unit) => unitResultId(assessments.cohort.id, traineeId, unit.code));
  const results = ids.length ? await UnitResult.find({ _id: { $in: ids } }).lean<UnitResultDoc[]>() : [];
  const byUnit = new Map(results.map((result) => [result.unit, result]));
  return assessments.units.map((unit) => unitResultView(assessments, unit, byUnit.get(unit.code) ?? null));
}
