import mongoose from 'mongoose';
import { zonedParts } from '../platform/zone.js';
import { TracerSurvey, type TracerSurveyDoc, type Wave } from './model.js';
import { type Answers, type IncomeBand, incomeBands, type Situation, situations } from './schemas.js';

/**
 * Per-cohort summaries of the surveys, so the report reads one small document per cohort instead
 * of every survey of the year (FerretDB decodes each document it reads: 6,000 surveys took 2-3.5 s
 * on the test machine, their 30 summaries milliseconds). A summary counts the surveys by wave and
 * due day, so it does not change as time passes (the report decides which days have come); it
 * changes only when surveys are made, stopped or answered. Those events mark the cohort dirty
 * (an upsert of one marker document, a write that cannot be lost in a way that matters: any
 * version of it says "dirty"), and the next report rebuilds the dirty cohorts from their surveys.
 * A rebuild removes the marker only if nothing marked it after the rebuild began.
 */

export type Bucket = {
  wave: Wave;
  /** The due date's day (WIB): the surveys count as invited from that day on. */
  dueDay: string;
  total: number;
  answered: number;
  outcomes: Record<Situation, number>;
  wageBands: Record<IncomeBand, number>;
  incomeBands: Record<IncomeBand, number>;
};

const summarySchema = new mongoose.Schema(
  {
    /** "<cohort>:<completion year>": a cohort's graduates may complete in two years. */
    _id: { type: String, required: true },
    cohort: { type: mongoose.Schema.Types.ObjectId, required: true },
    institution: { type: mongoose.Schema.Types.ObjectId, required: true },
    year: { type: Number, required: true },
    program: { type: mongoose.Schema.Types.ObjectId, required: true },
    cohortName: { type: String, default: '' },
    programTitle: { type: String, default: '' },
    trainingStartedOn: { type: Date, required: true },
    /** Stopped surveys (revoked records) are left out. */
    buckets: { type: mongoose.Schema.Types.Mixed, default: [] },
    computedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
summarySchema.index({ institution: 1, year: 1 });
summarySchema.index({ cohort: 1 });
export type SummaryDoc = {
  _id: string;
  cohort: mongoose.Types.ObjectId;
  institution: mongoose.Types.ObjectId;
  year: number;
  program: mongoose.Types.ObjectId;
  cohortName: string;
  programTitle: string;
  trainingStartedOn: Date;
  buckets: Bucket[];
  computedAt: Date;
};
export const TracerSummary = mongoose.model('TracerSummary', summarySchema);

/** A cohort whose surveys changed since its summary was built: `at` on the wall clock. */
const dirtySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    institution: { type: mongoose.Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
dirtySchema.index({ institution: 1 });
export const TracerDirty = mongoose.model('TracerDirty', dirtySchema);

const counts = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

/** Notes that the surveys of these cohorts changed (made, stopped, resumed, answered). */
export async function markChanged(cohorts: { cohort: unknown; institution: unknown }[]): Promise<void> {
  const unique = new Map(cohorts.map((entry) => [String(entry.cohort), String(entry.institution)]));
  const at = new Date();
  await Promise.all(
    [...unique].map(([cohort, institution]) =>
      TracerDirty.updateOne({ _id: cohort }, { $set: { institution, at } }, { upsert: true }),
    ),
  );
}

/** The summaries (one per completion year) of a cohort's surveys. */
function summarise(surveys: TracerSurveyDoc[], computedAt: Date): SummaryDoc[] {
  const byYear = new Map<number, SummaryDoc>();
  for (const survey of surveys) {
    let summary = byYear.get(survey.completionYear);
    if (!summary) {
      summary = {
        _id: `${String(survey.cohort)}:${survey.completionYear}`,
        cohort: survey.cohort,
        institution: survey.institution,
        year: survey.completionYear,
        program: survey.program,
        cohortName: survey.cohortName,
        programTitle: survey.programTitle,
        trainingStartedOn: survey.trainingStartedOn,
        buckets: [],
        computedAt,
      };
      byYear.set(survey.completionYear, summary);
    }
    if (survey.stoppedAt) continue;
    const dueDay = zonedParts(survey.dueAt).day;
    let bucket = summary.buckets.find((candidate) => candidate.wave === survey.wave && candidate.dueDay === dueDay);
    if (!bucket) {
      bucket = {
        wave: survey.wave,
        dueDay,
        total: 0,
        answered: 0,
        outcomes: counts(situations),
        wageBands: counts(incomeBands),
        incomeBands: counts(incomeBands),
      };
      summary.buckets.push(bucket);
    }
    bucket.total += 1;
    const answers = survey.answers as Answers | null;
    if (!survey.answeredAt || !answers) continue;
    bucket.answered += 1;
    bucket.outcomes[answers.situation] += 1;
    if (answers.situation === 'employed') bucket.wageBands[answers.wageBand] += 1;
    if (answers.situation === 'selfEmployed') bucket.incomeBands[answers.incomeBand] += 1;
  }
  return [...byYear.values()];
}

/** A cohort's surveys read and its summaries written again; its dirty mark removed unless marked since `started`. */
export async function rebuildSummary(cohort: string): Promise<void> {
  const started = new Date();
  const surveys = await TracerSurvey.find({ cohort }).limit(10_000).lean<TracerSurveyDoc[]>();
  const summaries = summarise(surveys, started);
  const years = new Set(summaries.map((summary) => summary.year));
  const stale = await TracerSummary.find({ cohort }, { year: 1 }).lean();
  await Promise.all([
    ...summaries.map(({ _id, ...summary }) => TracerSummary.replaceOne({ _id }, summary, { upsert: true })),
    ...stale.filter((summary) => !years.has(summary.year)).map((summary) => TracerSummary.deleteOne({ _id: summary._id })),
  ]);
  await TracerDirty.deleteOne({ _id: cohort, at: { $lte: started } });
}

/** Most dirty cohorts one report rebuilds; more wait for the next (a report after a burst of answers). */
const maxRebuilds = 100;

/** Rebuilds the institution's dirty cohorts' summaries. */
export async function refreshSummaries(institution: string): Promise<number> {
  const dirty = await TracerDirty.find({ institution }, { _id: 1 }).limit(maxRebuilds).lean();
  for (const mark of dirty) await rebuildSummary(mark._id);
  return dirty.length;
}

/** The summaries of an institution's graduates who completed in `year` (`filter`: its scope too). */
export async function summariesOf(filter: { institution: string; year: number }): Promise<SummaryDoc[]> {
  return TracerSummary.find(filter).limit(20_000).lean<SummaryDoc[]>();
}
