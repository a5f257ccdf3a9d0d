import { z } from 'zod';
import { objectIdField, pageOf } from '../platform/validation.js';
import { counsellingOutcomes, educationLevels, schedulePreferences } from './model.js';

/** A list from a form (one checkbox ticked sends a string, several an array, none nothing) or JSON. */
const listOf = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
    z.array(item).max(max),
  );
const text = (max: number) => z.string().trim().max(max).default('');

/** What the applicant tells the counsellor. The form's hidden `cohort` and `_csrf` are not part of it. */
export const intakeSchema = z.object({
  /** A select left on "Choose…" sends '': that is a missing answer, not a malformed one. */
  institution: z.preprocess((value) => (value === '' ? undefined : value), objectIdField),
  education: z.enum(educationLevels),
  experience: text(3000),
  skills: text(3000),
  /** Sector codes (see listSectors). */
  sectors: listOf(z.string().trim().toLowerCase().max(40), 30).default([]),
  certificates: text(2000),
  /** At least one: the counsellor needs to know when the applicant could train. */
  schedule: listOf(z.enum(schedulePreferences), schedulePreferences.length).refine(
    (chosen) => chosen.length > 0,
    'validation.required',
  ),
  accommodation: text(2000),
});
export type IntakeInput = z.output<typeof intakeSchema>;

/**
 * A counselling session as the counsellor records it. Whether a cohort is needed depends on the
 * outcome; the service says so beside the cohort field. `requestId` is the form's one-time nonce
 * (an idempotency key for API clients): sending it twice records one session.
 */
export const sessionSchema = z.object({
  notes: text(5000),
  outcome: z.enum(counsellingOutcomes),
  cohort: z.preprocess((value) => (value === '' ? null : value), objectIdField.nullable()).default(null),
  requestId: z
    .string()
    .trim()
    .regex(/^[\w-]{8,100}$/, 'validation.invalid')
    .optional(),
});
export type SessionInput = z.output<typeof sessionSchema>;

export const queueQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type QueueQuery = z.output<typeof queueQuery>;

// --- what the API answers (documentation; the services return the same shapes) -------------------

export const intakeView = z.object({
  applicant: z.string(),
  institution: z.string(),
  institutionName: z.string(),
  education: z.enum(educationLevels),
  experience: z.string(),
  skills: z.string(),
  sectors: z.array(z.string()),
  certificates: z.string(),
  schedule: z.array(z.enum(schedulePreferences)),
  accommodation: z.string(),
  status: z.enum(['waiting', 'counselled']),
  lastOutcome: z.enum(counsellingOutcomes).nullable(),
  submittedAt: z.string(),
  updatedAt: z.string(),
});

/** A session as the applicant sees it: what was decided, never the counsellor's notes. */
export const historyItemView = z.object({
  id: z.string(),
  outcome: z.enum(counsellingOutcomes),
  cohort: z.object({ id: z.string(), name: z.string() }).nullable(),
  enrollmentStatus: z.string().nullable(),
  recordedAt: z.string(),
});

export const ownIntakeView = intakeView.extend({ history: z.array(historyItemView) });

export const sessionView = historyItemView.extend({
  applicant: z.string(),
  institution: z.string(),
  counsellor: z.string(),
  counsellorName: z.string(),
  notes: z.string(),
  enrollment: z.string().nullable(),
  /** A training outcome whose application is not open yet: POST the same requestId again to finish it. */
  unfinished: z.boolean(),
});

export const enrollmentSummary = z.object({ id: z.string(), cohort: z.string(), status: z.string(), source: z.string() });

export const queueItemView = z.object({
  applicant: z.string(),
  name: z.string(),
  institution: z.string(),
  institutionName: z.string(),
  education: z.enum(educationLevels),
  sectors: z.array(z.string()),
  submittedAt: z.string(),
});
export const queuePage = pageOf(queueItemView);
