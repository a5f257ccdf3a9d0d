import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

export const cohortStatuses = ['planned', 'open', 'running', 'finished'] as const;
export type CohortStatus = (typeof cohortStatuses)[number];
export const cohortModes = ['online', 'blended'] as const;
/** ISO weekdays: 1 is Monday, 7 is Sunday. */
export const weekdays = [1, 2, 3, 4, 5, 6, 7] as const;

/**
 * A cohort (angkatan) runs one published version of a program at one institution. Its program
 * version never changes once trainees study in it, so what they read cannot move under them.
 * Capacity is enforced here, with the places taken (`seats`), so that one document holds both.
 */
const cohortSchema = new mongoose.Schema(
  {
    institution: { type: ObjectId, ref: 'Institution', required: true },
    program: { type: ObjectId, ref: 'Program', required: true },
    version: { type: Number, required: true, min: 1 },
    /** Denormalised from the version, for lists that should not read snapshots. */
    programCode: { type: String, default: '' },
    programTitle: { type: String, default: '' },
    name: { type: String, required: true, trim: true },
    startsOn: { type: Date, required: true },
    endsOn: { type: Date, required: true },
    enrolmentOpens: { type: Date, required: true },
    enrolmentCloses: { type: Date, required: true },
    capacity: { type: Number, required: true, min: 1 },
    /**
     * The places taken: one entry per enrolment holding one, "<enrolment>@<its application time>"
     * (enrolment/seats.ts). Kept beside `capacity` so that taking a place, handing one back and
     * changing the capacity are each one conditional update of this document, and the places
     * taken can never outnumber the capacity. Missing on cohorts made before it, whose places are
     * carried over from the old Seat documents on first use.
     */
    seats: { type: [String], default: [] },
    mode: { type: String, enum: cohortModes, default: 'online' },
    instructors: [{ type: ObjectId, ref: 'User' }],
    /** The weekly live-class slot: on these weekdays, from `start` to `end` (HH:MM, the institution's time). */
    schedule: {
      days: { type: [Number], default: [] },
      start: { type: String, default: '' },
      end: { type: String, default: '' },
    },
    status: { type: String, enum: cohortStatuses, default: 'planned' },
    /** Applications are enrolled at once while places are free (first come, first served). */
    autoApprove: { type: Boolean, default: false },
    createdBy: { type: ObjectId, ref: 'User', required: true },
  },
  { timestamps: true },
);
cohortSchema.index({ institution: 1, status: 1, startsOn: -1 });
cohortSchema.index({ program: 1 });
cohortSchema.index({ instructors: 1 });
export type CohortDoc = InferSchemaType<typeof cohortSchema> & { _id: mongoose.Types.ObjectId };
export const Cohort = mongoose.model('Cohort', cohortSchema);
