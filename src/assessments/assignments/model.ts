import mongoose, { type InferSchemaType } from 'mongoose';
import { fileKinds } from '../../files/kinds.js';

const { ObjectId } = mongoose.Schema.Types;

/**
 * An assignment (tugas): portfolio evidence a cohort's trainees submit for chosen performance
 * criteria of one competency unit of the cohort's program, by a due date of the cohort. Found by
 * its cohort (indexed equality).
 */
const assignmentSchema = new mongoose.Schema(
  {
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    /** The unit's code; `criteria` are its criteria as qualified references ('J.620100.004.02#1.1'). */
    unit: { type: String, required: true },
    criteria: { type: [String], default: [] },
    title: { type: String, required: true },
    /** Markdown, rendered with platform/markdown.ts. */
    instructions: { type: String, default: '' },
    dueAt: { type: Date, required: true },
    kinds: { type: [String], enum: fileKinds, default: [] },
    maxFiles: { type: Number, required: true, min: 0 },
    createdBy: { type: ObjectId, ref: 'User', required: true },
    /** Grows by one on each edit, so an edit from a stale form is told so instead of overwriting. */
    revision: { type: Number, default: 1 },
  },
  { timestamps: true },
);
assignmentSchema.index({ cohort: 1 });
export type AssignmentDoc = InferSchemaType<typeof assignmentSchema> & { _id: mongoose.Types.ObjectId };
export const Assignment = mongoose.model('Assignment', assignmentSchema);

export const submissionStatuses = ['none', 'submitted', 'resubmit', 'accepted'] as const;
export type SubmissionStatus = (typeof submissionStatuses)[number];

const fileRefSchema = new mongoose.Schema(
  {
    id: { type: String, required: true },
    name: { type: String, required: true },
    size: { type: Number, required: true },
    mimeType: { type: String, required: true },
    sha256: { type: String, required: true },
  },
  { _id: false },
);
const criterionResultSchema = new mongoose.Schema(
  { ref: { type: String, required: true }, met: { type: Boolean, required: true }, comment: { type: String, default: '' } },
  { _id: false },
);
const gradeSchema = new mongoose.Schema(
  {
    criteria: { type: [criterionResultSchema], default: [] },
    comment: { type: String, default: '' },
    decision: { type: String, enum: ['accepted', 'resubmit'], required: true },
    by: { type: ObjectId, ref: 'User', required: true },
    byName: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { _id: false },
);
const roundSchema = new mongoose.Schema(
  {
    round: { type: Number, required: true },
    text: { type: String, default: '' },
    files: { type: [fileRefSchema], default: [] },
    submittedAt: { type: Date, default: null },
    grade: { type: gradeSchema, default: null },
  },
  { _id: false },
);

/**
 * One trainee's submission to one assignment: `_id` is `<assignment>:<trainee>`, so a double
 * submit, a retry or two tabs meet the same document, and every change is one conditional update
 * on `revision` (a lost race is retried or told, never silently overwritten). It exists before a
 * first submission when staff gave the trainee an extension (status `none`). Earlier rounds (a
 * resubmission asked) are kept in `history` with their grades.
 */
const submissionSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    assignment: { type: ObjectId, ref: 'Assignment', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    status: { type: String, enum: submissionStatuses, default: 'none' },
    round: { type: Number, default: 1 },
    text: { type: String, default: '' },
    files: { type: [fileRefSchema], default: [] },
    submittedAt: { type: Date, default: null },
    /** Submitted after the cohort's due date, within the trainee's own (an extension). */
    late: { type: Boolean, default: false },
    grade: { type: gradeSchema, default: null },
    history: { type: [roundSchema], default: [] },
    /** A later due date for this trainee alone. */
    extension: {
      type: new mongoose.Schema(
        {
          dueAt: { type: Date, required: true },
          reason: { type: String, required: true },
          by: { type: ObjectId, ref: 'User', required: true },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
    /** The due date of a resubmission staff asked for (round 2 on). */
    resubmitDueAt: { type: Date, default: null },
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false },
);
submissionSchema.index({ assignment: 1 });
submissionSchema.index({ cohort: 1 });
export type SubmissionDoc = InferSchemaType<typeof submissionSchema> & { _id: string; createdAt: Date; updatedAt: Date };
export const Submission = mongoose.model('AssignmentSubmission', submissionSchema);

export const submissionId = (assignment: string, trainee: string) => `${assignment}:${trainee}`;
