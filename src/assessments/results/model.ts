import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

export const evidenceSources = ['assignment', 'observation'] as const;
export type EvidenceSource = (typeof evidenceSources)[number];

const quizResultSchema = new mongoose.Schema(
  {
    title: { type: String, default: '' },
    /** The attempt that counts (the best graded one). */
    attempt: { type: String, required: true },
    /** Percent of the quiz's points, null while an essay waits for its grade. */
    percent: { type: Number, default: null },
    passed: { type: Boolean, default: null },
    attempts: { type: Number, default: 1 },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const evidenceSchema = new mongoose.Schema(
  {
    source: { type: String, enum: evidenceSources, required: true },
    /** The id of the assessment record (an assignment submission, an observation). */
    id: { type: String, required: true },
    title: { type: String, default: '' },
    /** Each assessed criterion (qualified reference 'UNIT#1.1') and whether it was met. */
    criteria: {
      type: [new mongoose.Schema({ ref: String, met: Boolean }, { _id: false })],
      default: [],
    },
    by: { type: ObjectId, ref: 'User', default: null },
    at: { type: Date, required: true },
  },
  { _id: false },
);

export const verdictStatuses = ['K', 'BK'] as const;
/** Kompeten (competent) or Belum Kompeten (not yet competent). */
export type VerdictStatus = (typeof verdictStatuses)[number];

const verdictSchema = new mongoose.Schema(
  {
    status: { type: String, enum: verdictStatuses, required: true },
    /** What the evidence proposed when the verdict was given (null: incomplete). */
    proposed: { type: String, enum: [...verdictStatuses, null], default: null },
    /** Why the instructor decided otherwise than proposed (required then), or any note. */
    reason: { type: String, default: '' },
    /** The evidence the verdict rests on: keys of `quizzes` and `evidence`. */
    evidence: { type: [String], default: [] },
    by: { type: ObjectId, ref: 'User', required: true },
    byName: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/** A verdict as the audit trail keeps it, before and after a change. */
export const verdictStateSchema = new mongoose.Schema(
  {
    status: { type: String, enum: verdictStatuses, required: true },
    proposed: { type: String, enum: [...verdictStatuses, null], default: null },
    reason: { type: String, default: '' },
  },
  { _id: false },
);

export const verdictChangeKinds = ['confirm', 'override', 'change', 'reassess'] as const;
export type VerdictChangeKind = (typeof verdictChangeKinds)[number];

/**
 * The latest verdict change, written in the same update as the change itself: the audit event of
 * that revision is inserted from it afterwards (verdicts.ts), and again if a restart came between,
 * so the trail never misses a change even without multi-document transactions.
 */
const verdictChangeSchema = new mongoose.Schema(
  {
    revision: { type: Number, required: true },
    kind: { type: String, enum: verdictChangeKinds, required: true },
    before: { type: verdictStateSchema, default: null },
    after: { type: verdictStateSchema, default: null },
    /** The re-assessment's note for the trainee (kind 'reassess'). */
    note: { type: String, default: '' },
    by: { type: ObjectId, ref: 'User', required: true },
    byName: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/** A re-assessment opened after a BK verdict: what the trainee is to show again; closed by the next verdict. */
const reassessmentSchema = new mongoose.Schema(
  {
    note: { type: String, default: '' },
    by: { type: ObjectId, ref: 'User', required: true },
    byName: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { _id: false },
);

/**
 * What one trainee has shown for one competency unit in one cohort: the result that counts of
 * each quiz on the unit and the criteria each piece of evidence assessed. `_id` is
 * `<cohort>:<trainee>:<unit code>`; the gradebook reads a cohort's results by `cohort` (indexed
 * equality) instead of scanning attempts and submissions. Kept up to date by record.ts as results
 * arrive, one atomic `$set` of one map entry each (`quizzes.<quiz id>`, `evidence.<source>-<id>`), so
 * results of different assessments arriving at once never overwrite one another.
 */
const unitResultSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    unit: { type: String, required: true },
    quizzes: { type: Map, of: quizResultSchema, default: {} },
    evidence: { type: Map, of: evidenceSchema, default: {} },
    /** The instructor's confirmed verdict, null until given. */
    verdict: { type: verdictSchema, default: null },
    /**
     * Grows by one with each verdict change, so an instructor saving from a stale page is told
     * (409) instead of overwriting a colleague's verdict. Evidence arriving does not change it.
     */
    verdictRevision: { type: Number, default: 0 },
    /** The open re-assessment after a BK verdict, null when none (changes with `verdictRevision`). */
    reassessment: { type: reassessmentSchema, default: null },
    /** The latest verdict change (see verdictChangeSchema), the source of its audit event. */
    verdictChange: { type: verdictChangeSchema, default: null },
  },
  { timestamps: true, minimize: false },
);
unitResultSchema.index({ cohort: 1 });
unitResultSchema.index({ trainee: 1 });

export type QuizResult = InferSchemaType<typeof quizResultSchema>;
export type UnitEvidence = InferSchemaType<typeof evidenceSchema>;
/** As read with `lean()`: maps are plain objects. */
export type Verdict = InferSchemaType<typeof verdictSchema>;
export type VerdictState = InferSchemaType<typeof verdictStateSchema>;
export type VerdictChange = InferSchemaType<typeof verdictChangeSchema>;
export type Reassessment = InferSchemaType<typeof reassessmentSchema>;
export type UnitResultDoc = Omit<
  InferSchemaType<typeof unitResultSchema>,
  'quizzes' | 'evidence' | 'verdict' | 'reassessment' | 'verdictChange'
> & {
  verdict: Verdict | null;
  reassessment?: Reassessment | null;
  verdictChange?: VerdictChange | null;
  _id: string;
  quizzes: Record<string, QuizResult>;
  evidence: Record<string, UnitEvidence>;
  createdAt: Date;
  updatedAt: Date;
};
export const UnitResult = mongoose.model('UnitResult', unitResultSchema);

export const unitResultId = (cohort: string, trainee: string, unit: string) => `${cohort}:${trainee}:${unit}`;
