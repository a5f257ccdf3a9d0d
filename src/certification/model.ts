import mongoose, { type InferSchemaType } from 'mongoose';
import { declareSmallCollection } from '../platform/db/queryGuard.js';

const { ObjectId } = mongoose.Schema.Types;

/**
 * Certification hand-off (issue 12): the certification bodies (LSP, Lembaga Sertifikasi Profesi,
 * licensed by BNSP) a training centre hands its graduates to, the personal data a trainee gives
 * for that, and the batches of completion records handed over. Delivery state (webhook pushes,
 * API tokens, results) lives in certification/delivery/ and certification/results/, keyed by the
 * ids defined here.
 */

/** A certification scheme (skema sertifikasi) an LSP certifies: the SKKNI units it covers. */
export type LspScheme = { code: string; name: string; units: string[] };

const schemeSchema = new mongoose.Schema(
  {
    code: { type: String, required: true, trim: true },
    name: { type: String, required: true, trim: true },
    /** Approved competency unit codes (units/), in the order the scheme lists them. */
    units: { type: [String], default: [] },
  },
  { _id: false },
);

/**
 * A certification body. National bodies: admins manage them ('lsp.manage'); coordinators pick
 * one when they hand off ('lsp.list').
 */
const lspSchema = new mongoose.Schema(
  {
    name: { type: String, required: true, trim: true },
    /** The BNSP licence number (nomor lisensi), unique. */
    licenceNumber: { type: String, required: true, trim: true },
    contact: {
      name: { type: String, trim: true, default: '' },
      email: { type: String, trim: true, lowercase: true, default: '' },
      phone: { type: String, trim: true, default: '' },
    },
    schemes: { type: [schemeSchema], default: [] },
    /** Where batches are pushed (https; http only to localhost, for tests); '' when none. */
    webhookUrl: { type: String, trim: true, default: '' },
    /**
     * The per-LSP HMAC key that signs webhook pushes; '' until certification/delivery issues one.
     * Kept as is, not hashed: signing needs the key itself, and encrypting it with a key the same
     * process holds would protect nothing a database reader could not also undo. Instead it is
     * `select: false`, so no ordinary read (lists, pages, exports, logs of a document) carries it:
     * the signer asks for it with `.select('+webhookSecret')`.
     */
    webhookSecret: { type: String, default: '', select: false },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
lspSchema.index({ licenceNumber: 1 }, { unique: true });
export type LspDoc = InferSchemaType<typeof lspSchema> & { _id: mongoose.Types.ObjectId; createdAt: Date; updatedAt: Date };
export const Lsp = mongoose.model('Lsp', lspSchema);
// Some hundreds of licensed LSPs nationally, of which a centre works with a few: listed whole.
declareSmallCollection(Lsp, 'some hundred certification bodies, listed whole on forms');

/**
 * The consent a trainee gives when asking for certification: when, to which version of the text
 * (locales certification.consent.v<N>), and from where.
 */
export type Consent = { at: Date; textVersion: string; ip: string };

/**
 * The personal data the hand-off needs and the LMS did not: one per trainee, `_id` = the trainee's
 * user id. Given with explicit consent; withdrawing it deletes this document and its photo
 * (except what handed batches already froze in their items). Shown in full only to the trainee and
 * the coordinators of the institutions of their records; masked everywhere else; never logged
 * (platform/http/requestLog.ts redacts `nik`).
 */
const certificationProfileSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'User', required: true },
    /** Nomor Induk Kependudukan: 16 digits, checked by certification/nik.ts. */
    nik: { type: String, required: true },
    placeOfBirth: { type: String, required: true, trim: true },
    /** YYYY-MM-DD: a calendar date, not an instant (no time zone can shift it). */
    dateOfBirth: { type: String, required: true },
    /** A StoredFile (an image re-encoded by files/, size-limited). */
    photo: { type: ObjectId, ref: 'StoredFile', required: true },
    consent: {
      type: new mongoose.Schema(
        { at: { type: Date, required: true }, textVersion: { type: String, required: true }, ip: { type: String, default: '' } },
        { _id: false },
      ),
      required: true,
    },
  },
  { timestamps: true },
);
export type CertificationProfileDoc = InferSchemaType<typeof certificationProfileSchema> & {
  _id: mongoose.Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export const CertificationProfile = mongoose.model('CertificationProfile', certificationProfileSchema);

/** One unit of a handed record, as the batch item freezes it. */
export type HandoffUnit = {
  code: string;
  title: { id: string; en: string };
  verdict: 'K' | 'BK' | null;
  at: string | null;
  assessor: string;
};

/**
 * What was handed over for one record: a frozen copy, so the batch keeps it when the record is
 * revoked later or the trainee withdraws consent. Dates are ISO strings (YYYY-MM-DD for a birth date).
 */
export type HandoffItem = {
  record: string;
  recordCode: string;
  recordHash: string;
  trainee: { id: string; name: string; email: string };
  nik: string;
  placeOfBirth: string;
  dateOfBirth: string;
  /**
   * The photo as handed over: its phone-sized copy (480 px wide, a few tens of KB), in base64, so
   * the batch keeps it when the trainee withdraws consent and the profile's file is deleted.
   */
  photo: { mimeType: string; sha256: string; data: string } | null;
  consent: { at: string; textVersion: string };
  program: { id: string; code: string; title: string; version: number };
  cohort: { id: string; name: string; startsOn: string; endsOn: string };
  /** The scheme's units, in the scheme's order, with the record's verdicts. */
  units: HandoffUnit[];
  approvedAt: string;
};

/**
 * `draft`: being put together, items computed from the live records and profiles; `handed`:
 * frozen (`items` set) and exportable or deliverable; `cancelled`: a draft dropped.
 */
export const batchStatuses = ['draft', 'handed', 'cancelled'] as const;
export type BatchStatus = (typeof batchStatuses)[number];

/** A batch is one assessment group at the LSP; its frozen items (photos included) stay well inside a document. */
export const maxBatchRecords = 100;

/** The version of the hand-off JSON schema (handoffJson.ts) a batch was frozen for. */
export const handoffSchemaVersion = 1;

const handoffBatchSchema = new mongoose.Schema(
  {
    institution: { type: ObjectId, ref: 'Institution', required: true },
    lsp: { type: ObjectId, ref: 'Lsp', required: true },
    /** The scheme's code in the LSP's list, and its name and units as they stood when the batch was made. */
    scheme: { type: String, required: true },
    schemeName: { type: String, default: '' },
    schemeUnits: { type: [String], default: [] },
    records: [{ type: ObjectId, ref: 'CompletionRecord' }],
    /** Empty while a draft; the frozen copies from hand-over on. */
    items: { type: [mongoose.Schema.Types.Mixed], default: [] },
    status: { type: String, enum: batchStatuses, default: 'draft' },
    createdBy: { type: ObjectId, ref: 'User', required: true },
    createdByName: { type: String, default: '' },
    handedAt: { type: Date, default: null },
    handedBy: { type: ObjectId, ref: 'User', default: null },
    /** Names as they stood at hand-over, so the payload of a handed batch never changes. */
    institutionName: { type: String, default: '' },
    lspName: { type: String, default: '' },
    lspLicenceNumber: { type: String, default: '' },
    version: { type: Number, default: handoffSchemaVersion },
    /** The form's one-time key, so a retried submission finds the batch it made instead of making two. */
    requestKey: { type: String, required: true },
  },
  { timestamps: true, minimize: false },
);
handoffBatchSchema.index({ requestKey: 1 }, { unique: true });
handoffBatchSchema.index({ institution: 1 });
handoffBatchSchema.index({ lsp: 1 });
// Which batches hold a record (one standing batch per record, LSP and scheme): indexed array equality.
handoffBatchSchema.index({ records: 1 });
export type HandoffBatchDoc = Omit<InferSchemaType<typeof handoffBatchSchema>, 'items'> & {
  _id: mongoose.Types.ObjectId;
  items: HandoffItem[];
  createdAt: Date;
  updatedAt: Date;
};
export const HandoffBatch = mongoose.model('HandoffBatch', handoffBatchSchema);
