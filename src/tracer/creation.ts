import { Cohort } from '../cohorts/model.js';
import { type RecordView, recordById, recordsOfCohort, recordsOfTrainee } from '../completion/records.js';
import { Institution } from '../institutions/model.js';
import { duplicatePositions, isDuplicateKeyError } from '../platform/errors.js';
import { surveyId, TracerCohortSync, TracerSurvey, type TracerSurveyDoc, type Wave, waves } from './model.js';
import { addMonths, monthOf, waveDates, yearOf } from './schedule.js';
import { markChanged, rebuildSummary } from './summary.js';

/**
 * Making each graduate's surveys from their completion records, and stopping them when the record
 * is revoked. Surveys are derived state: whatever reads them first (the trainee's dashboard, the
 * coordinator's report, the survey link, the periodic step) brings them up to date for the
 * records it read, with idempotent writes, so nobody waits for the periodic step and two of them
 * at once make each survey once (its `_id` is the enrolment and wave).
 */

/** Most surveys one trainee or one cohort has: 2 per enrolment; a cohort has up to a thousand trainees. */
const maxSurveys = 5_000;
/** Most links followed back to the first record of a corrected one. */
const maxCorrections = 20;

/**
 * The approval the surveys count from: the first record of the enrolment's chain of corrections,
 * so a reissued record keeps the clock its first one started.
 */
async function firstApproval(record: RecordView, known: Map<string, RecordView>): Promise<RecordView> {
  let first = record;
  for (let hop = 0; first.replaces && hop < maxCorrections; hop += 1) {
    const previous = known.get(first.replaces) ?? (await recordById(first.replaces));
    if (!previous) break;
    first = previous;
  }
  return first;
}

function newSurveys(record: RecordView, first: RecordView, missing: Wave[], now: Date) {
  const completedAt = first.approvedAt;
  return missing
    .map((wave) => ({ wave, ...waveDates(completedAt, wave) }))
    .filter(({ editableUntil }) => editableUntil > now) // a window already over could never be answered
    .map(({ wave, dueAt, editableUntil }) => ({
      _id: surveyId(record.enrollment, wave),
      enrollment: record.enrollment,
      wave,
      cohort: record.cohort,
      trainee: record.trainee,
      institution: record.institution,
      program: record.program,
      cohortName: record.content.cohort.name,
      programTitle: record.content.program.title,
      trainingStartedOn: new Date(record.content.cohort.startsOn),
      completedAt,
      completionYear: yearOf(completedAt),
      dueAt,
      dueMonth: monthOf(dueAt),
      editableUntil,
    }));
}

/** Inserts surveys, those another creator inserted first left as they are. */
async function insertOnce(documents: object[]): Promise<number> {
  if (!documents.length) return 0;
  try {
    const inserted = await TracerSurvey.insertMany(documents, { ordered: false });
    return inserted.length;
  } catch (error) {
    const duplicates = duplicatePositions(error);
    if (duplicates) return documents.length - duplicates.length;
    if (isDuplicateKeyError(error)) return 0;
    throw error;
  }
}

export type SyncResult = { created: number; stopped: number; resumed: number };

/**
 * Brings the surveys of some enrolments in line with their records: `records` are every record
 * (standing and revoked) of those enrolments, `surveys` every survey they have. A standing record
 * without surveys gets them; surveys whose enrolment has no standing record stop; stopped surveys
 * whose enrolment has one again (approved anew) go on, with their first dates.
 */
export async function syncSurveys(records: RecordView[], surveys: TracerSurveyDoc[], now: Date): Promise<SyncResult> {
  const known = new Map(records.map((record) => [record.id, record]));
  const standing = new Map(records.filter((record) => record.status === 'approved').map((r) => [r.enrollment, r]));
  const existing = new Set(surveys.map((survey) => survey._id));
  const toCreate: ReturnType<typeof newSurveys> = [];
  for (const record of standing.values()) {
    const missing = waves.filter((wave) => !existing.has(surveyId(record.enrollment, wave)));
    // Both waves of an enrolment are made together; one missing means a creator stopped half-way.
    if (missing.length) toCreate.push(...newSurveys(record, await firstApproval(record, known), missing, now));
  }
  const toStop = surveys.filter((survey) => !survey.stoppedAt && !standing.has(survey.enrollment));
  const toResume = surveys.filter((survey) => survey.stoppedAt && standing.has(survey.enrollment));
  const [created] = await Promise.all([
    insertOnce(toCreate),
    ...toStop.map((survey) => TracerSurvey.updateOne({ _id: survey._id }, { $set: { stoppedAt: now, awaiting: false } })),
    ...toResume.map((survey) =>
      TracerSurvey.updateOne(
        { _id: survey._id },
        { $set: { stoppedAt: null, awaiting: !survey.answeredAt && survey.editableUntil > now } },
      ),
    ),
  ]);
  if (created || toStop.length || toResume.length) {
    await markChanged([
      ...toCreate,
      ...toStop.map((survey) => ({ cohort: survey.cohort, institution: survey.institution })),
      ...toResume.map((survey) => ({ cohort: survey.cohort, institution: survey.institution })),
    ]);
  }
  return { created, stopped: toStop.length, resumed: toResume.length };
}

/** A trainee's surveys brought up to date (their dashboard, their survey page, their link). */
export async function syncTrainee(traineeId: string, now: Date): Promise<TracerSurveyDoc[]> {
  const [records, surveys] = await Promise.all([
    recordsOfTrainee(traineeId),
    TracerSurvey.find({ trainee: traineeId }).limit(maxSurveys).lean<TracerSurveyDoc[]>(),
  ]);
  const result = await syncSurveys(records, surveys, now);
  if (!result.created && !result.stopped && !result.resumed) return surveys;
  return TracerSurvey.find({ trainee: traineeId }).limit(maxSurveys).lean<TracerSurveyDoc[]>();
}

/** A cohort's surveys brought up to date (its report, the periodic step), and the time noted. */
export async function syncCohort(cohortId: string, institution: string, now: Date): Promise<SyncResult> {
  const [records, surveys] = await Promise.all([
    recordsOfCohort(cohortId),
    TracerSurvey.find({ cohort: cohortId }).limit(maxSurveys).lean<TracerSurveyDoc[]>(),
  ]);
  const result = await syncSurveys(records, surveys, now);
  // Rebuilt here too, not only when marked: a mark lost to a race lasts at most until the next round.
  await rebuildSummary(cohortId);
  await TracerCohortSync.updateOne({ _id: cohortId }, { $set: { institution, syncedAt: now } }, { upsert: true });
  return result;
}

/**
 * How far back a cohort's end may lie for its records to still need surveys: a record approved
 * at the cohort's end has its last survey open for twelve months; two more allow for approvals
 * that come late. Older cohorts are brought up to date when someone opens them (the trainee's
 * dashboard, the survey link).
 */
const recentMonths = 14;
/** A cohort looked at within this long is not looked at again by the periodic step. */
export const resyncAfterMs = 60 * 60 * 1000;

/** The cohorts of an institution that have begun and ended no more than `recentMonths` ago. */
export async function recentCohortsOf(institution: string, now: Date): Promise<string[]> {
  const since = addMonths(now, -recentMonths);
  const cohorts = await Cohort.find({ institution }, { startsOn: 1, endsOn: 1 }).limit(10_000).lean();
  return cohorts.filter((cohort) => cohort.startsOn <= now && cohort.endsOn >= since).map((cohort) => String(cohort._id));
}

/**
 * Brings up to `budget` of an institution's recent cohorts up to date: those never looked at
 * first, then those looked at longest ago (not within `resyncAfterMs`). Reading a cohort's
 * records is what costs (FerretDB decodes each: some 1-2 ms a record), so each call does a
 * bounded share and the periodic step comes round to every cohort within hours; surveys fall
 * due months after the records that make them.
 */
export async function catchUp(institution: string, now: Date, budget: number): Promise<SyncResult & { cohorts: number }> {
  const [recent, synced] = await Promise.all([
    recentCohortsOf(institution, now),
    TracerCohortSync.find({ institution }, { syncedAt: 1 }).limit(20_000).lean(),
  ]);
  const syncedAt = new Map(synced.map((mark) => [mark._id, mark.syncedAt.getTime()]));
  const due = recent
    .filter((cohort) => (syncedAt.get(cohort) ?? 0) <= now.getTime() - resyncAfterMs)
    .sort((a, b) => (syncedAt.get(a) ?? 0) - (syncedAt.get(b) ?? 0))
    .slice(0, budget);
  const total: SyncResult = { created: 0, stopped: 0, resumed: 0 };
  for (const cohort of due) {
    const result = await syncCohort(cohort, institution, now);
    total.created += result.created;
    total.stopped += result.stopped;
    total.resumed += result.resumed;
  }
  return { ...total, cohorts: due.length };
}

/** Cohorts each institution has brought up to date per run of the periodic step (every 10 minutes). */
const cohortsPerRun = 3;

/**
 * The periodic step (cleanup.ts): a share of every institution's recent cohorts, so surveys fall
 * due, and reminders come up, for graduates who never log in again and whose coordinator has not
 * looked.
 */
export async function createTracerSurveys(now = new Date()): Promise<SyncResult & { cohorts: number }> {
  const institutions = await Institution.find({}, { _id: 1 }).lean();
  const total = { created: 0, stopped: 0, resumed: 0, cohorts: 0 };
  for (const institution of institutions) {
    const result = await catchUp(String(institution._id), now, cohortsPerRun);
    total.created += result.created;
    total.stopped += result.stopped;
    total.resumed += result.resumed;
    total.cohorts += result.cohorts;
  }
  return total;
}
