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
/** States in which a trainee holds a place (an entry in the cohort's `seats`, see seats.ts). */
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

export const decisionActions = ['complete', 'reject', 'withdraw'] as const;
export type DecisionAction = (typeof decisionActions)[number];

const decisionSchema = new mongoose.Schema(
  {
    id: { type: String, required: true },
    action: { type: String, enum: decisionActions, required: true },
    from: { type: String, enum: enrollmentStatuses, required: true },
    to: { type: String, enum: enrollmentStatuses, required: true },
    at: { type: Date, required: true },
    by: { type: ObjectId, ref: 'User', default: null },
    /** The fields the decision overwrote, as they were: an undo writes them back. */
    before: {
      enrolledAt: { type: Date, default: null },
      reason: { type: String, default: '' },
      decidedBy: { type: ObjectId, ref: 'User', default: null },
    },
    undoneAt: { type: Date, default: null },
    undoneBy: { type: ObjectId, ref: 'User', default: null },
  },
  { _id: false },
);

const historySchema = new mongoose.Schema(
  {
    action: { type: String, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    at: { type: Date, required: true },
    by: { type: ObjectId, ref: 'User', default: null },
  },
  { _id: false },
);

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
     * The last decision (complete, reject, withdraw) and what it changed, so that it can be undone
     * (service.ts, undoDecision): its `id` is what an Undo button sends, and an undo is one update
     * conditional on that id, on the status the decision left and on not being undone yet. Any later
     * decision writes a new one, so an undo can never reverse something it did not see.
     */
    lastChange: { type: decisionSchema, default: null },
    /** Who decided what and when, undos included: the enrolment's audit trail (a few entries per trainee). */
    history: { type: [historySchema], default: [] },
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
      /**
       * When the newest position was taken, on the server's clock (a device's time is corrected by
       * its `sentAt`); an older one (a late offline replay) is ignored.
       */
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
 * A change of places under way: written before a cohort's `seats` (cohorts/model.ts) change and
 * deleted once the enrolments' statuses agree with them (see seats.ts). What a crash or a failed
 * write leaves between the two (a place taken for an application not yet enrolled, a place still
 * held by a trainee who left) is found here by the periodic clean-up however long ago it happened.
 * Only changes in flight and interrupted ones are kept, so the collection stays a handful of
 * documents and the clean-up reads it whole.
 */
const seatChangeSchema = new mongoose.Schema({
  cohort: { type: ObjectId, ref: 'Cohort', required: true },
  /** The enrolments whose places change. */
  enrollments: { type: [String], default: [] },
  startedAt: { type: Date, default: () => new Date() },
});
export const SeatChange = mongoose.model('SeatChange', seatChangeSchema);

/**
 * How places were kept before: one document per taken place, `_id` "<cohort>:<n>" for n up to the
 * capacity. Numbers and capacity could disagree after the capacity was lowered (places 16-30 held,
 * capacity 20: places 1-15 could be taken again). Read once per cohort to carry its places over
 * into the cohort's `seats` (seats.ts), then deleted.
 */
const legacySeatSchema = new mongoose.Schema({
  _id: { type: String, required: true },
  cohort: { type: ObjectId, ref: 'Cohort', required: true },
  enrollment: { type: String, ref: 'Enrollment', required: true },
  takenAt: { type: Date, default: () => new Date() },
});
legacySeatSchema.index({ enrollment: 1 }, { unique: true });
legacySeatSchema.index({ cohort: 1 });
export const LegacySeat = mongoose.model('Seat', legacySeatSchema);
