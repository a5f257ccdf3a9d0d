import mongoose, { type InferSchemaType } from 'mongoose';
import type { CompletionRules } from '../programs/completionRules.js';

const { ObjectId } = mongoose.Schema.Types;

/** One unit as the record freezes it: the verdict that stood at approval, when and by whom. */
export type RecordedUnit = {
  code: string;
  title: { id: string; en: string };
  /** K, BK, or null: no verdict (possible only in a record completed by hand). */
  verdict: 'K' | 'BK' | null;
  at: string | null;
  assessor: string;
};

/**
 * What a completion record says, frozen at approval and hashed (`hash`, SHA-256 of its RFC 8785
 * canonical JSON). Dates are ISO strings so the hash is the same on every backend and after any
 * read-back. `schema` grows when the shape changes; records keep the shape they were made with.
 */
export type RecordContent = {
  schema: 1;
  trainee: { id: string; name: string; email: string };
  program: { id: string; code: string; title: string; version: number; level: number; sector: string };
  cohort: { id: string; name: string; startsOn: string; endsOn: string };
  institution: { id: string; name: string; province: string };
  units: RecordedUnit[];
  /** Planned learning hours of the version (jam pelajaran). */
  hours: number;
  attendance: {
    minutes: number;
    scheduledMinutes: number;
    percent: number | null;
    sessionsHeld: number;
    sessionsAttended: number;
  };
  modules: { id: string; title: string; lessons: number; done: number; required: boolean }[];
  rules: CompletionRules;
  /** `rules`: every rule met; `manual`: recorded by hand, with `reason`. */
  basis: 'rules' | 'manual';
  reason: string;
  approvedBy: { id: string; name: string };
  approvedAt: string;
};

export const recordStatuses = ['approved', 'revoked'] as const;
export type RecordStatus = (typeof recordStatuses)[number];

const completionRecordSchema = new mongoose.Schema(
  {
    enrollment: { type: String, ref: 'Enrollment', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    program: { type: ObjectId, ref: 'Program', required: true },
    status: { type: String, enum: recordStatuses, default: 'approved' },
    /**
     * The enrolment while the record stands, `revoked:<record id>` after: the unique index makes
     * one standing record per enrolment, however many coordinators click at once.
     */
    activeKey: { type: String, required: true },
    /**
     * The public short code of its certificate and verification page (certificates/): random,
     * 60 bits, so codes cannot be guessed or counted through.
     */
    code: { type: String, required: true },
    /** Its place in the institution's revocation status list (Open Badges): random, unique per institution. */
    statusIndex: { type: Number, required: true },
    content: { type: mongoose.Schema.Types.Mixed, required: true },
    hash: { type: String, required: true },
    approvedAt: { type: Date, required: true },
    approvedBy: { type: ObjectId, ref: 'User', required: true },
    /**
     * False from the insert until the enrolment says "completed" (or, revoked, no longer does):
     * what a crash leaves between the two writes is found by indexed equality and finished by the
     * clean-up (service.ts, settleRecords).
     */
    settled: { type: Boolean, default: false },
    revocation: {
      type: new mongoose.Schema(
        { at: Date, by: { type: ObjectId, ref: 'User' }, byName: String, reason: String },
        { _id: false },
      ),
      default: null,
    },
    /** The record this one corrects, and the one that corrected it. */
    replaces: { type: ObjectId, ref: 'CompletionRecord', default: null },
    replacedBy: { type: ObjectId, ref: 'CompletionRecord', default: null },
  },
  { timestamps: true, minimize: false },
);
completionRecordSchema.index({ activeKey: 1 }, { unique: true });
completionRecordSchema.index({ code: 1 }, { unique: true });
completionRecordSchema.index({ institution: 1, statusIndex: 1 }, { unique: true });
completionRecordSchema.index({ cohort: 1 });
completionRecordSchema.index({ trainee: 1 });
completionRecordSchema.index({ settled: 1 });
export type CompletionRecordDoc = Omit<InferSchemaType<typeof completionRecordSchema>, 'content'> & {
  _id: mongoose.Types.ObjectId;
  content: RecordContent;
  createdAt: Date;
  updatedAt: Date;
};
export const CompletionRecord = mongoose.model('CompletionRecord', completionRecordSchema);
