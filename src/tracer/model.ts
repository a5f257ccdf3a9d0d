import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/** The survey waves: months after completion. */
export const waves = [3, 6] as const;
export type Wave = (typeof waves)[number];

/** A survey's natural key: one per enrolment and wave, whichever record (first or reissued) made it. */
export const surveyId = (enrollment: string, wave: Wave) => `${enrollment}:${wave}`;
export const surveyIdPattern = /^([0-9a-f]{24}):([0-9a-f]{24}):(3|6)$/;

/**
 * One employment survey (survei kebekerjaan) of one graduate: asked `wave` months after the
 * completion the enrolment's first approved record states. Keyed by enrolment and wave, so
 * creating it twice (two processes, a dashboard and the periodic step at once, a reissued record)
 * is one insert that wins and one duplicate key that is ignored. Cohort, institution and program
 * are copied in, so reports and reminder lists read surveys alone, by indexed equality.
 */
const tracerSurveySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    enrollment: { type: String, required: true },
    wave: { type: Number, enum: waves, required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    program: { type: ObjectId, ref: 'Program', required: true },
    /** For reports without reading cohorts or programs: as the record froze them. */
    cohortName: { type: String, default: '' },
    programTitle: { type: String, default: '' },
    /** When the training began: no job or business in the answers starts before it. */
    trainingStartedOn: { type: Date, required: true },
    /** The approval of the enrolment's first record: the surveys' clock. */
    completedAt: { type: Date, required: true },
    /** The completion's year (WIB): reports are per year, read by `{ institution, completionYear }`. */
    completionYear: { type: Number, required: true },
    dueAt: { type: Date, required: true },
    /** The due date's month (WIB, YYYY-MM): the reminder list reads the last months' by index. */
    dueMonth: { type: String, required: true },
    /** Answers may be given or changed until then: the next wave's due date (the last wave: six months on). */
    editableUntil: { type: Date, required: true },
    remindedAt: { type: Date, default: null },
    remindedBy: { type: ObjectId, ref: 'User', default: null },
    answeredAt: { type: Date, default: null },
    changedAt: { type: Date, default: null },
    /** How the last answer came: in the app (logged in) or through the survey link. */
    answeredVia: { type: String, enum: ['app', 'link'], default: null },
    answers: { type: mongoose.Schema.Types.Mixed, default: null },
    /**
     * True while nobody answered and the record stands (set false on answering and on stopping):
     * what a coordinator may still have to remind, read with the due month by index.
     */
    awaiting: { type: Boolean, default: true },
    /** When the enrolment's record was found revoked with no record standing in its place: the survey stops. */
    stoppedAt: { type: Date, default: null },
    /**
     * SHA-256 (hex) of the survey link's token (links.ts), set when a link is first made: the link
     * is found by this indexed equality, and the token itself is stored nowhere.
     */
    linkKey: { type: String, default: null },
  },
  { timestamps: true, minimize: false },
);
tracerSurveySchema.index({ trainee: 1 });
tracerSurveySchema.index({ cohort: 1 });
tracerSurveySchema.index({ institution: 1, completionYear: 1 });
tracerSurveySchema.index({ institution: 1, dueMonth: 1, awaiting: 1 });
tracerSurveySchema.index({ linkKey: 1 });
export type TracerSurveyDoc = InferSchemaType<typeof tracerSurveySchema> & { _id: string; wave: Wave };
export const TracerSurvey = mongoose.model('TracerSurvey', tracerSurveySchema);

/**
 * When each cohort's surveys were last brought up to date from its records: the periodic step
 * takes the cohorts never or longest not looked at first, a few at a time (creation.ts).
 */
const tracerCohortSyncSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    syncedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
tracerCohortSyncSchema.index({ institution: 1 });
export const TracerCohortSync = mongoose.model('TracerCohortSync', tracerCohortSyncSchema);
