import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

const checkSchema = new mongoose.Schema(
  {
    /** A criterion of the unit as a qualified reference ('J.620100.004.02#1.1'). */
    ref: { type: String, required: true },
    met: { type: Boolean, required: true },
    comment: { type: String, default: '' },
  },
  { _id: false },
);

/**
 * A practical observation (observasi praktik): one instructor watched one trainee of a cohort do
 * practical work on one competency unit and ticked, per performance criterion observed, met or not
 * yet met. The cohort, trainee and unit are fixed once recorded (they say whose evidence it is and
 * for which unit; another trainee or unit is another observation). Found by cohort, or by cohort
 * and trainee (indexed equality).
 */
const observationSchema = new mongoose.Schema(
  {
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    unit: { type: String, required: true },
    observedAt: { type: Date, required: true },
    /** Where and what: "Bengkel 2, merakit PC". */
    activity: { type: String, required: true },
    /** The criteria observed, in the unit's order; those not observed this time are absent. */
    criteria: { type: [checkSchema], default: [] },
    note: { type: String, default: '' },
    observer: { type: ObjectId, ref: 'User', required: true },
    observerName: { type: String, default: '' },
    /** Grows by one on each edit, so a save from a stale form is told so instead of overwriting. */
    revision: { type: Number, default: 1 },
  },
  { timestamps: true },
);
observationSchema.index({ cohort: 1 });
observationSchema.index({ trainee: 1 });
export type ObservationDoc = InferSchemaType<typeof observationSchema> & {
  _id: mongoose.Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export const Observation = mongoose.model('Observation', observationSchema);
