import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

export const educationLevels = ['none', 'sd', 'smp', 'sma', 'smk', 'diploma', 'bachelor', 'postgraduate'] as const;
export const schedulePreferences = ['weekdayMorning', 'weekdayAfternoon', 'weekdayEvening', 'weekend', 'flexible'] as const;
export const counsellingOutcomes = ['placement', 'training', 'certification', 'entrepreneurship'] as const;
export type CounsellingOutcome = (typeof counsellingOutcomes)[number];
/** Outcomes that send the applicant to a cohort: they open an enrolment application. */
export const trainingOutcomes: readonly CounsellingOutcome[] = ['training', 'entrepreneurship'];

/**
 * What an applicant tells the job counsellor before training: one per person (`_id` is the
 * user's id), updated when they change it, read at every counselling session.
 */
const intakeSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'User', required: true },
    /** The training centre the applicant asks for counselling at. */
    institution: { type: ObjectId, ref: 'Institution', required: true },
    education: { type: String, enum: educationLevels, required: true },
    /** Free text: jobs held, years, what was done. */
    experience: { type: String, default: '' },
    skills: { type: String, default: '' },
    /** Sector codes the applicant would like to work in. */
    sectors: { type: [String], default: [] },
    certificates: { type: String, default: '' },
    schedule: { type: [String], default: [] },
    /** Disability or other accommodation the applicant needs, in their words. */
    accommodation: { type: String, default: '' },
    status: { type: String, enum: ['waiting', 'counselled'], default: 'waiting' },
    lastOutcome: { type: String, enum: [...counsellingOutcomes, null], default: null },
    submittedAt: { type: Date, default: () => new Date() },
  },
  { timestamps: true },
);
intakeSchema.index({ institution: 1, status: 1, submittedAt: 1 });
export type IntakeDoc = InferSchemaType<typeof intakeSchema>;
export const Intake = mongoose.model('Intake', intakeSchema);

const sessionSchema = new mongoose.Schema(
  {
    applicant: { type: ObjectId, ref: 'User', required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    counsellor: { type: ObjectId, ref: 'User', required: true },
    notes: { type: String, default: '' },
    outcome: { type: String, enum: counsellingOutcomes, required: true },
    /** For a training outcome: the cohort recommended, whose application this session opened. */
    cohort: { type: ObjectId, ref: 'Cohort', default: null },
    enrollment: { type: String, ref: 'Enrollment', default: null },
    /**
     * The recording form's one-time nonce (or the API client's idempotency key; the service makes
     * one up when none is given, so every session has one): a form sent twice records one session.
     */
    requestId: { type: String },
  },
  { timestamps: true },
);
sessionSchema.index({ applicant: 1, createdAt: -1 });
sessionSchema.index({ institution: 1, createdAt: -1 });
sessionSchema.index({ requestId: 1 }, { unique: true, sparse: true });
export type CounsellingSessionDoc = InferSchemaType<typeof sessionSchema> & { _id: mongoose.Types.ObjectId };
export const CounsellingSession = mongoose.model('CounsellingSession', sessionSchema);
