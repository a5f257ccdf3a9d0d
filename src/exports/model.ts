import mongoose, { type InferSchemaType } from 'mongoose';
import { exportFormats } from '../platform/exports/index.js';
import { languages } from '../platform/i18n.js';
import { roles } from '../platform/permissions.js';

const { ObjectId } = mongoose.Schema.Types;

/**
 * A background export of a long table: asked for by one person, written to a file by the export
 * worker of whichever process claims it (worker.ts), downloadable by that person (and admins) for
 * 24 hours, then removed by the clean-up with its record.
 *
 * `queued` -> `running` (claimed by one process until `leaseUntil`, renewed as it writes) ->
 * `done` (with `file`) | `failed` (with `error`, an i18n key). A lease that runs out (its process
 * died) makes the job claimable again; the next claim writes the file from the start.
 */
export const jobStatuses = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];

const fileSchema = new mongoose.Schema(
  {
    key: { type: String, required: true },
    name: { type: String, required: true },
    mimeType: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
  },
  { _id: false },
);

const exportJobSchema = new mongoose.Schema(
  {
    /** Who asked, as they were then: the table is authorised again as them when the job starts. */
    requester: { type: ObjectId, ref: 'User', required: true },
    requesterRole: { type: String, enum: roles, required: true },
    requesterInstitution: { type: ObjectId, ref: 'Institution', default: null },
    /** The scope the table's authorize gave: whose data the file holds (null: every institution's). */
    institution: { type: ObjectId, ref: 'Institution', default: null },
    /** The registered table (platform/exports) and its query string as given (strings). */
    name: { type: String, required: true },
    params: { type: mongoose.Schema.Types.Mixed, default: {} },
    format: { type: String, enum: exportFormats, required: true },
    /** The requester's language: headings, title and file name are written in it. */
    language: { type: String, enum: languages, required: true },
    /** What the job page calls it (the table's title when asked). */
    title: { type: String, default: '' },
    status: { type: String, enum: jobStatuses, default: 'queued' },
    rowsDone: { type: Number, default: 0 },
    /** The table's count when asked (an estimate: the progress bar's end). */
    rowsTotal: { type: Number, default: 0 },
    file: { type: fileSchema, default: null },
    /** Why it failed, as an i18n key. */
    error: { type: String, default: '' },
    /** Claims so far, a process that died included. */
    attempts: { type: Number, default: 0 },
    leaseUntil: { type: Date, default: null },
    leaseOwner: { type: String, default: '' },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, minimize: false },
);
// The worker and the clean-up read jobs by status (few wait or run at any time); a person's by requester.
exportJobSchema.index({ status: 1 });
exportJobSchema.index({ requester: 1 });

export type ExportJobDoc = Omit<InferSchemaType<typeof exportJobSchema>, 'status' | 'params'> & {
  _id: mongoose.Types.ObjectId;
  status: JobStatus;
  params: Record<string, string | string[]>;
  createdAt: Date;
  updatedAt: Date;
};
export const ExportJob = mongoose.model('ExportJob', exportJobSchema);
