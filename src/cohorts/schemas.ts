import { z } from 'zod';
import { enrollmentStatuses } from '../enrolment/model.js';
import { checkboxField, objectIdField } from '../platform/validation.js';
import { cohortModes, cohortStatuses } from './model.js';

/** A list from a form (one value or several) or JSON. */
const listOf = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
    z.array(item).max(max),
  );

/** A calendar day as a date input sends it. */
const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'validation.date');
const time = z.union([z.literal(''), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'validation.time')]);

export const cohortSchema = z
  .object({
    name: z.string().trim().min(3).max(120),
    program: objectIdField,
    /** The published version to run; none means the newest. */
    version: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(1).optional()),
    startsOn: day,
    endsOn: day,
    enrolmentOpens: day,
    enrolmentCloses: day,
    capacity: z.coerce.number().int().min(1).max(1000),
    mode: z.enum(cohortModes).default('online'),
    instructors: listOf(objectIdField, 20).default([]),
    scheduleDays: listOf(z.coerce.number().int().min(1).max(7), 7).default([]),
    scheduleStart: time.default(''),
    scheduleEnd: time.default(''),
    status: z.enum(cohortStatuses).default('planned'),
    autoApprove: checkboxField(false),
    institution: objectIdField.optional(),
  })
  // Checked even when another field is wrong, so the form names every mistake at once; the
  // values compared may then be unparsed input, hence the type guards.
  .check(
    z.superRefine(
      (input: Record<string, unknown>, context) => {
        const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message, input });
        const text = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : '');
        const [startsOn, endsOn, opens, closes] = ['startsOn', 'endsOn', 'enrolmentOpens', 'enrolmentCloses'].map(text);
        if (startsOn && endsOn && endsOn < startsOn) issue('endsOn', 'validation.endsBeforeStart');
        if (opens && closes && closes < opens) issue('enrolmentCloses', 'validation.endsBeforeStart');
        else if (closes && endsOn && closes > endsOn) issue('enrolmentCloses', 'cohorts.errors.enrolmentAfterEnd');
        const [start, end] = [text('scheduleStart'), text('scheduleEnd')];
        const days = Array.isArray(input.scheduleDays) ? input.scheduleDays : [];
        if (days.length && (!start || !end)) issue('scheduleStart', 'cohorts.errors.scheduleTimes');
        if (start && end && end <= start) issue('scheduleEnd', 'validation.endsBeforeStart');
      },
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    ),
  );
export type CohortInput = z.output<typeof cohortSchema>;

export const cohortListQuery = z.object({
  status: z.union([z.literal(''), z.enum(cohortStatuses)]).default(''),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type CohortListQuery = z.output<typeof cohortListQuery>;

export const enrolmentListQuery = z.object({ status: z.enum(enrollmentStatuses).default('applied') });
