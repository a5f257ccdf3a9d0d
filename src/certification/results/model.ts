import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * What an LSP reported for one trainee of a handed batch: certified (certificate number, issued
 * on, valid until) or not certified (the units not yet competent). `_id` is `<batch>:<record>`,
 * one current result per handed record; a changed report replaces it and keeps the one before in
 * `history` (bounded), the same report again changes nothing. A coordinator may route a trainee
 * not certified back to training for those units (`routeBack`).
 */
export const outcomes = ['certified', 'notCertified'] as const;
export type Outcome = (typeof outcomes)[number];

const unitSchema = new mongoose.Schema(
  { code: { type: String, required: true }, title: { id: { type: String, default: '' }, en: { type: String, default: '' } } },
  { _id: false },
);

/** One report as the LSP gave it (the current one, or an earlier one in the history). */
const reportFields = {
  outcome: { type: String, enum: outcomes, required: true },
  certificateNumber: { type: String, default: '' },
  /** YYYY-MM-DD, calendar dates as the certificate prints them. */
  issuedOn: { type: String, default: '' },
  validUntil: { type: String, default: '' },
  units: { type: [unitSchema], default: [] },
  at: { type: Date, required: true },
};

const certificationResultSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    batch: { type: ObjectId, ref: 'HandoffBatch', required: true },
    lsp: { type: ObjectId, ref: 'Lsp', required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    record: { type: ObjectId, ref: 'CompletionRecord', required: true },
    recordCode: { type: String, required: true },
    ...reportFields,
    /** Grows with each changed report: a report is applied only on the revision it was read at. */
    revision: { type: Number, default: 1 },
    /** Earlier reports, oldest first, bounded. */
    history: { type: [new mongoose.Schema(reportFields, { _id: false })], default: [] },
    /** The trainee sent back to training for the units the LSP found not yet competent. */
    routeBack: {
      type: new mongoose.Schema(
        {
          units: { type: [unitSchema], default: [] },
          note: { type: String, default: '' },
          by: { type: ObjectId, ref: 'User', required: true },
          byName: { type: String, default: '' },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true, minimize: false },
);
certificationResultSchema.index({ batch: 1 });
certificationResultSchema.index({ trainee: 1 });
// Monitoring rebuilds a cohort's figures from its results.
certificationResultSchema.index({ cohort: 1 });

export type ResultUnit = { code: string; title: { id: string; en: string } };
export type Report = {
  outcome: Outcome;
  certificateNumber: string;
  issuedOn: string;
  validUntil: string;
  units: ResultUnit[];
  at: Date;
};
export type CertificationResultDoc = Omit<InferSchemaType<typeof certificationResultSchema>, 'history' | 'units' | 'routeBack'> &
  Report & {
    _id: string;
    history: Report[];
    routeBack: { units: ResultUnit[]; note: string; by: mongoose.Types.ObjectId; byName: string; at: Date } | null;
    createdAt: Date;
    updatedAt: Date;
  };
export const CertificationResult = mongoose.model('CertificationResult', certificationResultSchema);

export const resultId = (batch: string, record: string) => `${batch}:${record}`;
/** Most earlier reports a result keeps. */
export const maxResultHistory = 20;
