import { z } from 'zod';
import { wibDateTime, wibDay, wibTime } from '../assessments/assignments/schemas.js';

export const liveLimits = { title: 200, url: 2_000, minMinutes: 15, maxMinutes: 480, generateDays: 366 };

const title = z.string().trim().min(1, 'validation.required').max(liveLimits.title);
const duration = z.coerce
  .number()
  .int()
  .refine((value) => value >= liveLimits.minMinutes && value <= liveLimits.maxMinutes, 'live.errors.duration');
/** A module id of the cohort's version, or none; the service checks it belongs to the version. */
const module = z.string().trim().max(100).default('');
/**
 * An external meeting link: http or https only. A `javascript:` or `data:` address shown as a
 * link would run in the page of whoever clicks it.
 */
const meetingUrl = z
  .string()
  .trim()
  .max(liveLimits.url)
  .default('')
  .refine((value) => {
    if (value === '') return true;
    if (/\s/.test(value) || !URL.canParse(value)) return false;
    const { protocol, hostname } = new URL(value);
    return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
  }, 'live.errors.url');

/** The session form: its start as a WIB date and time. */
export const sessionForm = z
  .object({
    title,
    day: wibDay,
    time: wibTime,
    durationMinutes: duration,
    module,
    meetingUrl,
    revision: z.coerce.number().int().min(1).optional(),
  })
  .transform(({ day, time, ...rest }) => ({ ...rest, startsAt: wibDateTime(day, time) }));

/** The API's session: the start as ISO 8601 with its offset. */
export const sessionBody = z.object({
  title,
  startsAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
  durationMinutes: z
    .number()
    .int()
    .refine((value) => value >= 15 && value <= 480, 'live.errors.duration'),
  module,
  meetingUrl,
});
export const sessionUpdateBody = sessionBody.extend({ revision: z.number().int().min(1) });
export type SessionInput = z.output<typeof sessionBody> & { revision?: number };

const generateFields = { title, module, meetingUrl };
/** Sessions from the cohort's weekly slot, for the days from `from` to `to` (WIB calendar days). */
export const generateForm = z.object({ ...generateFields, from: wibDay, to: wibDay });
export const generateBody = generateForm;
/**
 * The web page's generate form, beside the one-session form on the same page: its own field names,
 * so an error in one is not shown in the other.
 */
export const generateWebForm = z
  .object({ slotTitle: title, slotModule: module, slotMeetingUrl: meetingUrl, from: wibDay, to: wibDay })
  .transform(({ slotTitle, slotModule, slotMeetingUrl, ...rest }) => ({
    ...rest,
    title: slotTitle,
    module: slotModule,
    meetingUrl: slotMeetingUrl,
  }));
export type GenerateInput = z.output<typeof generateForm>;

export const cancelForm = z.object({ revision: z.coerce.number().int().min(1) });
export const cancelQuery = cancelForm;

export const sessionView = z.object({
  id: z.string(),
  cohort: z.string(),
  title: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number(),
  module: z.string(),
  meetingUrl: z.string(),
  status: z.enum(['scheduled', 'cancelled']),
  revision: z.number(),
});
export const sessionList = z.object({ upcoming: z.array(sessionView), past: z.array(sessionView) });
export const generateResult = z.object({ created: z.number(), existing: z.number(), items: z.array(sessionView) });
