import mongoose, { type InferSchemaType } from 'mongoose';

const { Mixed } = mongoose.Schema.Types;

/**
 * What the dashboards read instead of scanning the records on every request (FerretDB has no
 * $lookup or $facet and counts in its own process): kept up to date by following the domain
 * events (follow.ts), and always rebuildable from the records (rebuild.ts).
 *
 * CohortSummary: one per cohort, a row per trainee (figures.ts: TraineeFigures) and the cohort's
 * assessments and held classes. Read whole by the cohort dashboard: one document by _id.
 */
const cohortSummarySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    /** Trainee id → TraineeFigures. */
    trainees: { type: Mixed, default: {} },
    /** Assessment key (`quiz-<id>`, `assignment-<id>`) → { kind, title }. */
    assessments: { type: Mixed, default: {} },
    /** Live session id → { title, heldMinutes, at }. */
    sessions: { type: Mixed, default: {} },
    /** What the cohort is: its name, institution, program, sector, province and month (figures.ts: SummaryMeta). */
    meta: { type: Mixed, default: null },
    lessonsTotal: { type: Number, default: 0 },
    /** Every write is conditional on the revision read, so two followers at once cannot lose a change. */
    revision: { type: Number, default: 0 },
    rebuiltAt: { type: Date, default: null },
  },
  { minimize: false, versionKey: false },
);
export type CohortSummaryDoc = InferSchemaType<typeof cohortSummarySchema>;
export const CohortSummary = mongoose.model('CohortSummary', cohortSummarySchema);

/** Funnel stages kept per cohort (counselling is kept per institution and month: CounsellingTally). */
export const cohortStages = ['applied', 'enrolled', 'active', 'completed', 'certified', 'employed', 'withdrawn'] as const;
export type CohortStage = (typeof cohortStages)[number];
export type StageCounts = Record<CohortStage, number>;

/**
 * CohortTally: a cohort's funnel counts with what the national dashboards filter by, small so
 * that reading every cohort of the country stays cheap. Written from the summary's counts (absolute,
 * never incremented) with the summary's revision, so an older write never replaces a newer one.
 */
const cohortTallySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, default: '' },
    institution: { type: String, required: true },
    institutionName: { type: String, default: '' },
    province: { type: String, default: '' },
    program: { type: String, required: true },
    programTitle: { type: String, default: '' },
    sector: { type: String, default: '' },
    /** The cohort's first day's month in WIB, `YYYY-MM`: what date ranges and trends group by. */
    month: { type: String, required: true },
    counts: { type: Mixed, default: {} },
    revision: { type: Number, default: 0 },
  },
  { minimize: false, versionKey: false },
);
cohortTallySchema.index({ institution: 1 });
cohortTallySchema.index({ program: 1 });
cohortTallySchema.index({ province: 1 });
cohortTallySchema.index({ sector: 1 });
export type CohortTallyDoc = InferSchemaType<typeof cohortTallySchema>;
export const CohortTally = mongoose.model('CohortTally', cohortTallySchema);

/**
 * Applicants counselled for the first time, per institution, program of the recommended cohort
 * ('' when none) and month. One insert-only mark per applicant (CounsellingMark, unique) decides
 * who counts, so a retried or doubled event counts once.
 */
const counsellingTallySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    institution: { type: String, required: true },
    province: { type: String, default: '' },
    program: { type: String, default: '' },
    sector: { type: String, default: '' },
    month: { type: String, required: true },
    counselled: { type: Number, default: 0 },
  },
  { versionKey: false },
);
counsellingTallySchema.index({ institution: 1 });
counsellingTallySchema.index({ province: 1 });
export type CounsellingTallyDoc = InferSchemaType<typeof counsellingTallySchema>;
export const CounsellingTally = mongoose.model('CounsellingTally', counsellingTallySchema);

const counsellingMarkSchema = new mongoose.Schema(
  { _id: { type: String, required: true }, tally: String },
  { versionKey: false },
);
export const CounsellingMark = mongoose.model('CounsellingMark', counsellingMarkSchema);
