import { z } from 'zod';
import { objectIdField } from '../platform/validation.js';
import { activityKinds, auditActions } from './model.js';

/** A filter left blank in the form sends ''; that is "not given". */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** A calendar day (YYYY-MM-DD, WIB) as a date input sends it. */
const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'validation.date');

/** Where an older page starts: the last key of the page before (time in ms, then the entry's id). */
const before = z
  .string()
  .max(500)
  .regex(/^\d{13}(:.+)?$/, 'validation.invalid')
  .describe('the `older` key of the previous page: the next page lists what came before it');

const range = {
  from: optional(day.describe('first day (YYYY-MM-DD, WIB)')),
  to: optional(day.describe('last day (YYYY-MM-DD, WIB), included')),
  before: optional(before),
};

export const activityQuery = z.object({ kind: optional(z.enum(activityKinds)), ...range });
export const auditQuery = z.object({
  action: optional(z.enum(auditActions)),
  actor: optional(objectIdField.describe("the actor's id (a user, or a certification body)")),
  institution: optional(objectIdField.describe('admins: one institution only')),
  ...range,
});

export const activityEntryOut = z.object({
  id: z.string(),
  kind: z.enum(activityKinds),
  subject: z.string().describe('what it was about: a lesson, assessment, unit code, live class, enrolment or record id'),
  title: z.string(),
  cohort: z.string(),
  detail: z.record(z.string(), z.unknown()).describe('score, minutes, verdict, status: as the kind has them'),
  text: z.string().describe("the entry in the request's language"),
  at: z.string(),
});

export const auditEntryOut = z.object({
  id: z.string(),
  action: z.enum(auditActions),
  actor: z.object({ id: z.string(), kind: z.enum(['user', 'lsp']), name: z.string().describe('the name at the time') }),
  subject: z.object({ kind: z.string(), id: z.string(), label: z.string() }),
  trainee: z.object({ id: z.string(), name: z.string() }).nullable(),
  cohort: z.object({ id: z.string(), name: z.string() }).nullable(),
  institution: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  text: z.string().describe("the entry in the request's language"),
  at: z.string(),
});
