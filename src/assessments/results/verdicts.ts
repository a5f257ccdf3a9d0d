import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import { AppError, isDuplicateKeyError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { publish } from '../../platform/events.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { wibText } from '../assignments/schemas.js';
import {
  UnitResult,
  type UnitResultDoc,
  unitResultId,
  type VerdictChange,
  type VerdictChangeKind,
  type VerdictStatus,
} from './model.js';
import { cohortAssessments, type UnitResultView, unitResultView } from './summaries.js';
import { VerdictEvent, type VerdictEventDoc, verdictEventId } from './verdictModel.js';

/**
 * Competency verdicts: the cohort's own instructors confirm what a unit's evidence proposes (K or
 * BK) or decide otherwise with a reason; from a BK they may open a re-assessment. Every change is
 * one conditional update of the unit result on `verdictRevision` (a page opened before a
 * colleague's save is told, 409, and overwrites nothing) carrying the change itself
 * (`verdictChange`), from which the insert-only audit event of that revision is written.
 */

export const verdictLimits = { reason: 2_000, note: 2_000 };

export type Target = { cohortId: string; traineeId: string; unit: string };
export type VerdictInput = { status: VerdictStatus; reason: string; revision: number };
export type ReassessmentInput = { note: string; revision: number };

type State = { status: VerdictStatus; proposed: VerdictStatus | null; reason: string };
/** A change as this service makes it (ids as strings; stored as `verdictChange`). */
type NewChange = {
  revision: number;
  kind: VerdictChangeKind;
  before: State | null;
  after: State | null;
  note: string;
  by: string;
  byName: string;
  at: Date;
};

export type HistoryEntry = Pick<VerdictEventDoc, 'revision' | 'kind' | 'note' | 'byName' | 'at'> & {
  by: string;
  before: { status: VerdictStatus; proposed: VerdictStatus | null; reason: string } | null;
  after: { status: VerdictStatus; proposed: VerdictStatus | null; reason: string } | null;
};

/** Where a piece of evidence can be read: an assignment submission's grading page. */
export function evidenceLink(source: string, id: string): string | null {
  if (source !== 'assignment') return null;
  const [assignment, trainee] = id.split(':');
  return assignment && trainee ? `/assignments/${assignment}/submissions/${trainee}` : null;
}

/** The cohort, if the actor may decide its verdicts (checked before a form's input is judged). */
export async function decidingCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'verdict.decide', cohortRef(cohort));
  return cohort;
}

/** The cohort, the trainee (one of its enrolments), the unit (one of its program's) and the stored result. */
async function locate(actor: Actor | null, target: Target, action: 'gradebook.view' | 'verdict.decide' | 'verdict.reopen') {
  const cohort: CohortView = await findCohort(target.cohortId);
  authorize(actor, action, cohortRef(cohort));
  const enrollment = mongoose.isValidObjectId(target.traineeId) ? await enrollmentOf(target.traineeId, cohort.id) : null;
  if (!enrollment) throw new NotFoundError();
  // Verdicts are for the cohort's trainees; one who left keeps what was decided, readable.
  if (action !== 'gradebook.view' && enrollment.status !== 'enrolled' && enrollment.status !== 'completed')
    throw new AppError(409, 'assessments.verdicts.errors.notTrainee');
  const assessments = await cohortAssessments(cohort);
  const unit = assessments.units.find((candidate) => candidate.code === target.unit);
  if (!unit) throw new NotFoundError();
  const id = unitResultId(cohort.id, target.traineeId, unit.code);
  const result = await UnitResult.findById(id).lean<UnitResultDoc>();
  return { cohort, enrollment, assessments, unit, id, result };
}

const eventOf = (id: string, result: Pick<UnitResultDoc, 'cohort' | 'trainee' | 'unit'>, change: VerdictChange | NewChange) => ({
  _id: verdictEventId(id, change.revision),
  unitResult: id,
  cohort: result.cohort,
  trainee: result.trainee,
  unit: result.unit,
  ...change,
});

/**
 * Writes the audit event of the result's latest change unless it is there: right after the
 * change, and again before the next one and on every read of the history, so a restart between
 * the change and its event leaves no gap. The event's `_id` makes the insert happen once.
 */
async function recordLatestChange(id: string, result: UnitResultDoc | null, known?: Set<number>): Promise<void> {
  const change = result?.verdictChange;
  if (!result || !change) return;
  if (known ? known.has(change.revision) : await VerdictEvent.exists({ _id: verdictEventId(id, change.revision) })) return;
  try {
    await VerdictEvent.create(eventOf(id, result, change));
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // written by a concurrent request: the same event
  }
}

async function historyOf(id: string, result: UnitResultDoc | null): Promise<HistoryEntry[]> {
  const read = () => VerdictEvent.find({ unitResult: id }).limit(1000).lean<VerdictEventDoc[]>();
  let events = await read();
  const change = result?.verdictChange;
  if (change && !events.some((event) => event.revision === change.revision)) {
    await recordLatestChange(id, result, new Set(events.map((event) => event.revision)));
    events = await read();
  }
  return events
    .sort((a, b) => b.revision - a.revision)
    .map((event) => ({
      revision: event.revision,
      kind: event.kind,
      before: (event.before as HistoryEntry['before']) ?? null,
      after: (event.after as HistoryEntry['after']) ?? null,
      note: event.note ?? '',
      by: String(event.by),
      byName: event.byName ?? '',
      at: event.at,
    }));
}

export type UnitDrillDown = {
  cohort: CohortView;
  trainee: { id: string; name: string; status: string };
  result: UnitResultView;
  history: HistoryEntry[];
  /** Whether the actor may confirm or change the verdict (the cohort's own instructors). */
  canDecide: boolean;
};

/** One trainee's result on one unit for the cohort's staff: evidence, criteria, proposal, verdict and its history. */
export async function unitDrillDown(actor: Actor | null, target: Target): Promise<UnitDrillDown> {
  const found = await locate(actor, target, 'gradebook.view');
  const [history, names] = await Promise.all([historyOf(found.id, found.result), namesOfUsers([target.traineeId])]);
  return {
    cohort: found.cohort,
    trainee: { id: target.traineeId, name: names.get(target.traineeId) ?? '', status: found.enrollment.status },
    result: unitResultView(found.assessments, found.unit, found.result),
    history,
    canDecide: can(actor, 'verdict.decide', cohortRef(found.cohort)) && found.enrollment.status !== 'withdrawn',
  };
}

/** The 409 for a page older than the result: who changed it last, and when. */
async function staleError(id: string): Promise<AppError> {
  const current = await UnitResult.findById(id, { verdictChange: 1 }).lean<UnitResultDoc>();
  const change = current?.verdictChange;
  return change
    ? new AppError(409, 'assessments.verdicts.errors.stale', { name: change.byName || '?', at: wibText(change.at) })
    : new AppError(409, 'assessments.verdicts.errors.staleUnknown');
}

/** The result document exists before its conditional update (a verdict may come before any evidence). */
async function ensureResult(id: string, target: Target, cohort: string): Promise<void> {
  try {
    await UnitResult.updateOne(
      { _id: id },
      { $setOnInsert: { cohort, trainee: target.traineeId, unit: target.unit } },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // inserted by a concurrent request
  }
}

/**
 * Applies one verdict change if the result is still at `revision`; the loser of two saves at once
 * gets the 409 (the update is conditional, so the first save stands whole).
 */
async function applyChange(
  found: Awaited<ReturnType<typeof locate>>,
  target: Target,
  revision: number,
  set: Record<string, unknown>,
  change: NewChange,
): Promise<void> {
  await recordLatestChange(found.id, found.result);
  if (!found.result) await ensureResult(found.id, target, found.cohort.id);
  const outcome = await UnitResult.updateOne(
    { _id: found.id, verdictRevision: revision },
    { $set: { ...set, verdictChange: change }, $inc: { verdictRevision: 1 } },
  );
  if (outcome.matchedCount === 0) throw await staleError(found.id);
  const stored = await UnitResult.findById(found.id).lean<UnitResultDoc>();
  await recordLatestChange(found.id, stored);
}

const sameChange = (change: VerdictChange | null | undefined, actor: Actor, revision: number, kind: 'verdict' | 'reassess') =>
  Boolean(
    change &&
      change.revision === revision + 1 &&
      String(change.by) === actor.id &&
      (kind === 'reassess') === (change.kind === 'reassess'),
  );

/**
 * Confirms or gives the verdict: K or BK. A decision other than the proposal (or with no proposal,
 * the evidence being incomplete) needs a reason. The verdict names the evidence it rests on (every
 * quiz result and piece of evidence recorded now) and closes an open re-assessment.
 */
export async function decideVerdict(actor: Actor | null, target: Target, input: VerdictInput, now = new Date()) {
  const found = await locate(actor, target, 'verdict.decide');
  const reason = input.reason.trim();
  const current = found.result;
  // The same save sent again (a double click, a retry after a lost answer) is the change already made.
  if (
    current &&
    sameChange(current.verdictChange, actor!, input.revision, 'verdict') &&
    current.verdict?.status === input.status &&
    (current.verdict?.reason ?? '') === reason
  )
    return unitDrillDown(actor, target);
  if ((current?.verdictRevision ?? 0) !== input.revision) throw await staleError(found.id);
  const proposed = unitResultView(found.assessments, found.unit, current).proposal.proposed;
  if (input.status !== proposed && !reason)
    throw new ValidationError([
      {
        field: 'reason',
        key: proposed ? 'assessments.verdicts.errors.reasonOverride' : 'assessments.verdicts.errors.reasonIncomplete',
        params: { proposed: proposed ?? '' },
      },
    ]);
  const byName = (await namesOfUsers([actor!.id])).get(actor!.id) ?? '';
  const before = current?.verdict
    ? { status: current.verdict.status, proposed: current.verdict.proposed ?? null, reason: current.verdict.reason ?? '' }
    : null;
  const after = { status: input.status, proposed, reason };
  const kind: VerdictChangeKind =
    before && before.status !== input.status ? 'change' : input.status === proposed ? 'confirm' : 'override';
  const evidence = [
    ...Object.keys(current?.quizzes ?? {}).map((key) => `quizzes.${key}`),
    ...Object.keys(current?.evidence ?? {}).map((key) => `evidence.${key}`),
  ];
  const verdict = { ...after, evidence, by: actor!.id, byName, at: now };
  const change: NewChange = { revision: input.revision + 1, kind, before, after, note: '', by: actor!.id, byName, at: now };
  await applyChange(found, target, input.revision, { verdict, reassessment: null }, change);
  await publish('verdict.given', {
    actor: actor!.id,
    trainee: target.traineeId,
    cohort: found.cohort.id,
    institution: found.cohort.institution,
    unit: found.unit.code,
    unitTitle: found.unit.title,
    verdict: input.status,
    previous: (before?.status as 'K' | 'BK' | undefined) ?? null,
    at: now,
  });
  return unitDrillDown(actor, target);
}

/**
 * Opens a re-assessment after a BK verdict: a note tells the trainee what to show again; the BK
 * stands until new evidence leads to the next verdict, which closes it.
 */
export async function openReassessment(actor: Actor | null, target: Target, input: ReassessmentInput, now = new Date()) {
  const found = await locate(actor, target, 'verdict.decide');
  const note = input.note.trim();
  const current = found.result;
  if (current?.reassessment && sameChange(current.verdictChange, actor!, input.revision, 'reassess'))
    return unitDrillDown(actor, target);
  if ((current?.verdictRevision ?? 0) !== input.revision) throw await staleError(found.id);
  if (current?.verdict?.status !== 'BK' || current.reassessment)
    throw new AppError(409, 'assessments.verdicts.errors.reassessOnlyBk');
  if (!note) throw new ValidationError([{ field: 'note', key: 'assessments.verdicts.errors.noteRequired' }]);
  await reassess(actor!, found, target, input.revision, note, now);
  return unitDrillDown(actor, target);
}

/**
 * Opens the re-assessment: the verdict stays as it is (before and after alike in the trail), the
 * note tells the trainee what to show again; one conditional write on the revision read.
 */
async function reassess(
  actor: Actor,
  found: Awaited<ReturnType<typeof locate>>,
  target: Target,
  revision: number,
  note: string,
  now: Date,
) {
  const byName = (await namesOfUsers([actor.id])).get(actor.id) ?? '';
  const verdict = found.result?.verdict;
  const state: State | null = verdict
    ? { status: verdict.status, proposed: verdict.proposed ?? null, reason: verdict.reason ?? '' }
    : null;
  const change: NewChange = {
    revision: revision + 1,
    kind: 'reassess',
    before: state,
    after: state,
    note,
    by: actor.id,
    byName,
    at: now,
  };
  await applyChange(found, target, revision, { reassessment: { note, by: actor.id, byName, at: now } }, change);
}

/**
 * Routes a trainee back for a unit an outside assessment (the certification body) found not yet
 * competent: opens a re-assessment with `note` whatever the verdict (a K stands until the next
 * verdict, which closes it, as after a BK). An open re-assessment is left as it is. The cohort's
 * managers do this (they route trainees back); its instructors then assess again.
 */
export async function reopenForReassessment(actor: Actor | null, target: Target, note: string, now = new Date()) {
  const found = await locate(actor, target, 'verdict.reopen');
  const current = found.result;
  if (current?.reassessment) return unitDrillDown(actor, target);
  await reassess(actor!, found, target, current?.verdictRevision ?? 0, note, now);
  return unitDrillDown(actor, target);
}
