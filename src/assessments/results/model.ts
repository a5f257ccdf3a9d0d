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
  },
  { timestamps: true, minimize: false },
);
unitResultSchema.index({ cohort: 1 });
unitResultSchema.index({ trainee: 1 });

export type QuizResult = InferSchemaType<typeof quizResultSchema>;
export type UnitEvidence = InferSchemaType<typeof evidenceSchema>;
/** As read with `lean()`: maps are plain objects. */
export type UnitResultDoc = Omit<InferSchemaType<typeof unitResultSchema>, 'quizzes' | 'evidence'> & {
  _id: string;
  quizzes: Record<string, QuizResult>;
  evidence: Record<string, UnitEvidence>;
  createdAt: Date;
  updatedAt: Date;
};
export const UnitResult = mongoose.model('UnitResult', unitResultSchema);

export const unitResultId = (cohort: string, trainee: string, unit: string) => `${cohort}:${trainee}:${unit}`;
