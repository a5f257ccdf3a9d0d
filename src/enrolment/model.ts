import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * applied ──approve──▶ enrolled ──complete──▶ completed
 *    │   └─(no seat)─▶ waitlisted ──(a seat frees)──▶ enrolled
 *    └──reject──▶ rejected            any open state ──withdraw──▶ withdrawn
 * A withdrawn or rejected trainee may apply again; the same record is reopened.
 */
export const enrollmentStatuses = ['applied', 'waitlisted', 'enrolled', 'completed', 'withdrawn', 'rejected'] as const;
export type EnrollmentStatus = (typeof enrollmentStatuses)[number];
/** States in which a trainee holds a place (a Seat). */
export const seatedStatuses: readonly EnrollmentStatus[] = ['enrolled', 'completed'];
/** States from which a trainee can still study or become able to. */
export const openStatuses: readonly EnrollmentStatus[] = ['applied', 'waitlisted', 'enrolled'];
export const enrollmentSources = ['application', 'counselling', 'import', 'staff'] as const;

/**
 * An enrolment's `_id` is "<cohort>:<trainee>": its natural key, so the trainee's enrolment in a
 * cohort (read on every lesson page and progress write) is found by `_id`. That is the primary
 * index on MongoDB, and the one lookup FerretDB's SQLite backend filters without decoding every
 * document (50,000 enrolments: 0.2 s against 3–6 s for a cohort-and-trainee filter).
 */
export const enrollmentId = (cohort: unknown, trainee: unknown) => `${String(cohort)}:${String(trainee)}`;
export const enrollmentIdPattern = /^[0-9a-f]{24}:[0-9a-f]{24}$/;

const enrollmentSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    /** The cohort's institution, so staff lists are filtered without reading cohorts. */
    institution: { type: ObjectId, ref: 'Institution', required: true },
    status: { type: String, enum: enrollmentStatuses, default: 'applied' },
    source: { type: String, enum: enrollmentSources, default: 'application' },
    counselling: { type: ObjectId, ref: 'CounsellingSession', default: null },
    appliedAt: { type: Date, default: () => new Date() },
    /** Order of the waiting list: who waited first moves up first. */
    waitlistedAt: { type: Date, default: null },
    enrolledAt: { type: Date, default: null },
    completedAt: { type: Date, default: null },
    withdrawnAt: { type: Date, default: null },
    reason: { type: String, default: '' },
    decidedBy: { type: ObjectId, ref: 'User', default: null },
    /**
     * The trainee's progress, kept in the enrolment so "My learning" is one read and a completion
     * one idempotent `$addToSet`. Lesson ids are those of the cohort's program version.
     */
    progress: {
      completed: { type: [String], default: [] },
      /** Files downloaded, for lessons that complete when their files are. */
      files: { type: [String], default: [] },
      lastLesson: { type: String, default: '' },
      /** Where the trainee was in the last lesson: seconds of video or a fraction of the text. */
      position: { type: Number, default: 0 },
      /** The device clock of the newest position; an older one (a late offline replay) is ignored. */
      positionAt: { type: Date, default: null },
      lastActivityAt: { type: Date, default: null },
    },
  },
  { timestamps: true },
);
// One enrolment per trainee and cohort, whoever clicks twice or races: the index decides.
enrollmentSchema.index({ cohort: 1, trainee: 1 }, { unique: true });
enrollmentSchema.index({ trainee: 1 });
enrollmentSchema.index({ cohort: 1, status: 1, waitlistedAt: 1 });
enrollmentSchema.index({ institution: 1, status: 1 });
export type EnrollmentDoc = InferSchemaType<typeof enrollmentSchema>;
export const Enrollment = mongoose.model('Enrollment', enrollmentSchema);

/**
 * One document per taken place in a cohort: `_id` is "<cohort>:<n>" for n in 1..capacity, and an
 * enrolment holds at most one (unique index). Inserting is the only way to take a place, so with
 * capacity C at most C inserts can succeed however many requests race — on MongoDB and on
 * FerretDB, which has no transactions and does not apply concurrent updates to one document
 * atomically, but does enforce unique indexes.
 */
const seatSchema = new mongoose.Schema({
  _id: { type: String, required: true },
  cohort: { type: ObjectId, ref: 'Cohort', required: true },
  enrollment: { type: String, ref: 'Enrollment', required: true },
  takenAt: { type: Date, default: () => new Date() },
});
seatSchema.index({ enrollment: 1 }, { unique: true });
seatSchema.index({ cohort: 1 });
export const Seat = mongoose.model('Seat', seatSchema);
export const seatId = (cohort: unknown, number: number) => `${String(cohort)}:${number}`;
