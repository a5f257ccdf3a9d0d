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
    /** Normalised words of the code, titles and description, for search without `$text`. */
    words: { type: [String], default: [] },
  },
  { timestamps: true },
);
unitSchema.index({ words: 1 });
unitSchema.index({ sector: 1, code: 1 });
unitSchema.index({ status: 1, code: 1 });

export type UnitDoc = InferSchemaType<typeof unitSchema> & { _id: mongoose.Types.ObjectId };
export const CompetencyUnit = mongoose.model('CompetencyUnit', unitSchema);

/**
 * What unit search reads: one small document per unit, keyed by its code. Search sorts and pages
 * by code; FerretDB does both by reading every matching document, so keeping the elements and
 * criteria out of it makes that read ten times lighter (and on MongoDB the `_id` index serves it).
 * Written beside the unit by saveUnits and approveUnit; rebuilt by ensureUnitEntries.
 */
const unitEntrySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    title: { id: { type: String, default: '' }, en: { type: String, default: '' } },
    sector: { type: String, default: '' },
    status: { type: String, enum: unitStatuses, required: true },
    words: { type: [String], default: [] },
  },
  { versionKey: false },
);
unitEntrySchema.index({ words: 1 });
unitEntrySchema.index({ sector: 1, _id: 1 });
export type UnitEntryDoc = InferSchemaType<typeof unitEntrySchema>;
export const UnitEntry = mongoose.model('UnitEntry', unitEntrySchema);
