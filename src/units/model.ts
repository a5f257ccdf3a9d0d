import mongoose, { type InferSchemaType } from 'mongoose';

export const unitStatuses = ['proposed', 'approved'] as const;
export type UnitStatus = (typeof unitStatuses)[number];

const criterionSchema = new mongoose.Schema(
  { no: { type: String, required: true }, text: { type: String, required: true } },
  { _id: false },
);
const elementSchema = new mongoose.Schema(
  {
    no: { type: Number, required: true },
    title: { type: String, required: true },
    criteria: { type: [criterionSchema], default: [] },
  },
  { _id: false },
);

/** An SKKNI competency unit. Units are shared nationally: instructors propose, coordinators approve. */
const unitSchema = new mongoose.Schema(
  {
    code: { type: String, required: true, unique: true },
    title: { id: { type: String, required: true }, en: { type: String, default: '' } },
    description: { type: String, default: '' },
    standard: { decree: { type: String, default: '' }, year: { type: Number, default: null } },
    /** A sector code (see institutions/model.ts), so units can be imported before sectors exist. */
    sector: { type: String, default: '' },
    hours: { type: Number, default: null },
    elements: { type: [elementSchema], default: [] },
    variableContext: { type: String, default: '' },
    assessmentGuidance: {
      prerequisites: { type: [String], default: [] },
      knowledge: { type: [String], default: [] },
      skills: { type: [String], default: [] },
      attitudes: { type: [String], default: [] },
      criticalAspects: { type: [String], default: [] },
    },
    status: { type: String, enum: unitStatuses, required: true },
    proposedBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', default: null },
    approvedBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', default: null },
    approvedAt: { type: Date, default: null },
    /** Stamped by every write (writeUnits), so each process's search index reads just what changed. */
    revision: { type: Number, default: 0 },
  },
  { timestamps: true },
);
unitSchema.index({ status: 1, code: 1 });
unitSchema.index({ revision: 1 });

export type UnitDoc = InferSchemaType<typeof unitSchema> & { _id: mongoose.Types.ObjectId };
export const CompetencyUnit = mongoose.model('CompetencyUnit', unitSchema);
