import { z } from 'zod';
import { fileKinds } from '../../files/kinds.js';
import { type FieldIssue, ValidationError } from '../../platform/errors.js';
import { institutionZone, zonedDateTime, zonedParts } from '../../platform/zone.js';

/** Assignment limits: what a form and the API take. */
export const assignmentLimits = { title: 200, instructions: 20_000, text: 20_000, maxFiles: 10, comment: 2_000, reason: 500 };

/** A form sends one value or several under one name; JSON sends an array. */
export const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined || value === '' ? [] : ([] as unknown[]).concat(value)), z.array(item));

// Refinements, not `regex`: a failed pattern reads as a generic 'invalid', a refinement's key as itself.
export const wibDay = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value), 'assessments.assignments.errors.date');
export const wibTime = z
  .string()
  .refine((value) => /^([01]\d|2[0-3]):[0-5]\d$/.test(value), 'assessments.assignments.errors.time');

/** A date and a time typed in WIB, the zone Kompeten shows every time in (platform/zone.ts); stored as UTC. */
export const wibDateTime = zonedDateTime;

/** A stored time back as the form's date and time fields (WIB). */
export const wibParts = zonedParts;

/** A time as text in messages, the same in both languages: "2025-03-01 17:00 WIB". */
export function wibText(date: Date): string {
  const { day, time } = wibParts(date);
  return `${day} ${time} ${institutionZone.label}`;
}

const assignmentFields = {
  title: z.string().trim().min(1, 'validation.required').max(assignmentLimits.title),
  instructions: z.string().max(assignmentLimits.instructions).default(''),
  unit: z.string().trim().min(1, 'validation.required'),
  criteria: list(z.string().trim().min(1)).refine((refs) => refs.length > 0, 'assessments.assignments.errors.noCriteria'),
  kinds: list(z.enum(fileKinds)),
  maxFiles: z.coerce.number().int().min(0).max(assignmentLimits.maxFiles),
};

/** The assignment form: the due date and time as two WIB fields. */
export const assignmentForm = z
  .object({ ...assignmentFields, dueDay: wibDay, dueTime: wibTime, revision: z.coerce.number().int().min(1).optional() })
  .transform(({ dueDay, dueTime, ...rest }) => ({ ...rest, dueAt: wibDateTime(dueDay, dueTime) }));

/** The API's assignment body: the due time as an ISO 8601 date-time with its offset. */
export const assignmentBody = z.object({
  ...assignmentFields,
  kinds: z.array(z.enum(fileKinds)).default([]),
  criteria: z.array(z.string().trim().min(1)).refine((refs) => refs.length > 0, 'assessments.assignments.errors.noCriteria'),
  dueAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
  maxFiles: z.number().int().min(0).max(assignmentLimits.maxFiles),
});
export const assignmentUpdateBody = assignmentBody.extend({ revision: z.number().int().min(1) });
export type AssignmentInput = z.output<typeof assignmentBody> & { revision?: number };

export const submissionForm = z.object({ text: z.string().max(assignmentLimits.text).default('') });
export const submissionBody = submissionForm;

export const extensionForm = z
  .object({
    trainee: z.string().regex(/^[0-9a-f]{24}$/i, 'validation.invalid'),
    dueDay: wibDay,
    dueTime: wibTime,
    reason: z.string().trim().min(1, 'validation.required').max(assignmentLimits.reason),
  })
  .transform(({ dueDay, dueTime, ...rest }) => ({ ...rest, dueAt: wibDateTime(dueDay, dueTime) }));
export const extensionBody = z.object({
  dueAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
  reason: z.string().trim().min(1, 'validation.required').max(assignmentLimits.reason),
});
export type ExtensionInput = { dueAt: Date; reason: string };

const decision = z.enum(['accepted', 'resubmit'], { message: 'assessments.assignments.errors.decision' });
export const gradeBody = z.object({
  revision: z.number().int().min(0),
  criteria: z.array(
    z.object({
      ref: z.string(),
      met: z.boolean(),
      comment: z.string().trim().max(assignmentLimits.comment).default(''),
    }),
  ),
  comment: z.string().trim().max(assignmentLimits.comment).default(''),
  decision,
  resubmitDueAt: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
});
export type GradeInput = z.output<typeof gradeBody>;

/**
 * The rubric form: `met-<n>` ("yes"/"no") and `comment-<n>` for the assignment's n-th criterion,
 * the overall comment, the decision, and the resubmission's due date when one is asked.
 */
export function parseGradeForm(body: Record<string, unknown>, criteria: readonly string[]): GradeInput {
  const issues: FieldIssue[] = [];
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const results = criteria.map((ref, index) => {
    const met = text(`met-${index}`);
    if (met !== 'yes' && met !== 'no') issues.push({ field: `met-${index}`, key: 'assessments.assignments.errors.metRequired' });
    const comment = text(`comment-${index}`);
    if (comment.length > assignmentLimits.comment)
      issues.push({ field: `comment-${index}`, key: 'validation.tooLong', params: { max: assignmentLimits.comment } });
    return { ref, met: met === 'yes', comment };
  });
  const chosen = decision.safeParse(text('decision'));
  if (!chosen.success) issues.push({ field: 'decision', key: 'assessments.assignments.errors.decision' });
  let resubmitDueAt: Date | undefined;
  if (chosen.success && chosen.data === 'resubmit') {
    const day = wibDay.safeParse(text('resubmitDay'));
    const time = wibTime.safeParse(text('resubmitTime'));
    if (!day.success || !time.success) issues.push({ field: 'resubmitDay', key: 'assessments.assignments.errors.resubmitDue' });
    else resubmitDueAt = wibDateTime(day.data, time.data);
  }
  const comment = text('comment');
  if (comment.length > assignmentLimits.comment)
    issues.push({ field: 'comment', key: 'validation.tooLong', params: { max: assignmentLimits.comment } });
  if (issues.length) throw new ValidationError(issues);
  return {
    revision: Number(text('revision')) || 0,
    criteria: results,
    comment,
    decision: chosen.data!,
    resubmitDueAt,
  };
}

// --- API answers ------------------------------------------------------------------------------------
const fileRef = z.object({ id: z.string(), name: z.string(), size: z.number(), mimeType: z.string() });
const gradeView = z.object({
  criteria: z.array(z.object({ ref: z.string(), met: z.boolean(), comment: z.string() })),
  comment: z.string(),
  decision: z.enum(['accepted', 'resubmit']),
  by: z.string(),
  at: z.string(),
});
export const assignmentView = z.object({
  id: z.string(),
  cohort: z.string(),
  unit: z.string(),
  criteria: z.array(z.string()),
  title: z.string(),
  instructions: z.string(),
  dueAt: z.string(),
  kinds: z.array(z.enum(fileKinds)),
  maxFiles: z.number(),
  revision: z.number(),
});
export const submissionView = z.object({
  assignment: z.string(),
  trainee: z.string(),
  status: z.enum(['none', 'submitted', 'resubmit', 'accepted']),
  round: z.number(),
  text: z.string(),
  files: z.array(fileRef),
  submittedAt: z.string().nullable(),
  late: z.boolean(),
  dueAt: z.string(),
  grade: gradeView.nullable(),
  revision: z.number(),
});
export const cohortAssignmentList = z.object({
  items: z.array(
    assignmentView.extend({
      /** For a trainee: their own state and due date. */
      state: z.enum(['none', 'submitted', 'resubmit', 'accepted']).optional(),
      ownDueAt: z.string().optional(),
      /** For staff: how many trainees are in each state. */
      counts: z.record(z.string(), z.number()).optional(),
    }),
  ),
});
