import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../../platform/errors.js';
import { objectIdField } from '../../platform/validation.js';
import { wibDateTime, wibDay, wibTime } from '../assignments/schemas.js';

/** Observation limits: what a form and the API take. */
export const observationLimits = { activity: 200, comment: 2_000, note: 4_000, criteria: 200 };

const check = z.object({
  ref: z.string().trim().min(1, 'validation.required'),
  met: z.boolean(),
  comment: z.string().trim().max(observationLimits.comment).default(''),
});
export type ObservationCheck = z.output<typeof check>;

const fields = {
  activity: z.string().trim().min(1, 'validation.required').max(observationLimits.activity),
  note: z.string().trim().max(observationLimits.note).default(''),
};
const observedAt = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const checks = z.array(check).max(observationLimits.criteria);

/**
 * The API's new observation. `id` (an ObjectId the client picks) makes a retried create
 * idempotent: the same observation sent twice is stored once.
 */
export const observationBody = z.object({
  id: objectIdField.optional(),
  trainee: objectIdField,
  unit: z.string().trim().min(1, 'validation.required'),
  observedAt,
  ...fields,
  criteria: checks,
});
export const observationUpdateBody = z.object({
  observedAt,
  ...fields,
  criteria: checks,
  revision: z.number().int().min(1),
});
export type ObservationInput = z.output<typeof observationBody>;
export type ObservationChange = z.output<typeof observationUpdateBody>;

/** The chooser of the new-observation form (step 1, a GET form): whom and which unit. */
export const observationPick = z.object({
  trainee: z.string().optional(),
  unit: z.string().optional(),
});

/** The list's filters. */
export const observationFilter = z.object({
  trainee: z.union([objectIdField, z.literal('')]).optional(),
  unit: z.string().trim().max(40).optional(),
});

/**
 * The checklist form: `ref-<n>` names the n-th criterion shown (so a unit changed meanwhile cannot
 * shift answers onto other criteria), `met-<n>` is "yes", "no" or "" (not observed this time) and
 * `comment-<n>` its comment; then the date and time (WIB), the activity and the overall note. A new
 * observation also carries its trainee, unit and `id`; an edit its `revision`.
 */
export function parseObservationForm(body: Record<string, unknown>) {
  const issues: FieldIssue[] = [];
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
  const criteria: ObservationCheck[] = [];
  for (let index = 0; index < observationLimits.criteria && text(`ref-${index}`); index += 1) {
    const met = text(`met-${index}`);
    const comment = text(`comment-${index}`);
    if (comment.length > observationLimits.comment)
      issues.push({ field: `comment-${index}`, key: 'validation.tooLong', params: { max: observationLimits.comment } });
    if (met !== 'yes' && met !== 'no') {
      // A comment on a criterion left "not observed" would be silently lost: ask instead.
      if (comment) issues.push({ field: `met-${index}`, key: 'assessments.observations.errors.commentUnjudged' });
      continue;
    }
    criteria.push({ ref: text(`ref-${index}`), met: met === 'yes', comment });
  }
  const day = wibDay.safeParse(text('observedDay'));
  const time = wibTime.safeParse(text('observedTime'));
  let at: Date | undefined;
  if (!day.success) issues.push({ field: 'observedDay', key: 'assessments.assignments.errors.date' });
  if (!time.success) issues.push({ field: 'observedTime', key: 'assessments.assignments.errors.time' });
  if (day.success && time.success) {
    at = wibDateTime(day.data, time.data);
    if (Number.isNaN(at.getTime())) issues.push({ field: 'observedDay', key: 'assessments.assignments.errors.date' });
  }
  const rest = z.object(fields).safeParse({ activity: text('activity'), note: text('note') });
  if (!rest.success) {
    for (const issue of rest.error.issues) {
      const field = String(issue.path[0]);
      issues.push(
        issue.code === 'too_big'
          ? { field, key: 'validation.tooLong', params: { max: observationLimits[field as 'activity' | 'note'] } }
          : { field, key: 'validation.required' },
      );
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return {
    observedAt: at!,
    activity: rest.data!.activity,
    note: rest.data!.note,
    criteria,
    id: objectIdField.safeParse(text('id')).data,
    trainee: text('trainee'),
    unit: text('unit'),
    revision: Number(text('revision')) || 0,
  };
}

// --- API answers ------------------------------------------------------------------------------------
export const observationView = z.object({
  id: z.string(),
  cohort: z.string(),
  trainee: z.string(),
  traineeName: z.string(),
  unit: z.string(),
  observedAt: z.string(),
  activity: z.string(),
  criteria: z.array(z.object({ ref: z.string(), met: z.boolean(), comment: z.string() })),
  note: z.string(),
  observer: z.string(),
  observerName: z.string(),
  revision: z.number(),
  updatedAt: z.string(),
});
export const observationList = z.object({ items: z.array(observationView) });
