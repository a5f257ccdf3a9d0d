import { institutionZone, zonedParts } from '../platform/zone.js';
import type { Wave } from './model.js';

/**
 * When each survey is due and until when it may be answered, and what state a survey is in at a
 * given moment. Every function takes `now`, so tests move time instead of waiting for it.
 */

/** An unanswered survey is reminded this many days after it fell due. */
export const reminderAfterDays = 14;
const dayMs = 86_400_000;
/** The last wave's answers stay open this many months after it fell due (no later wave closes them). */
const lastWaveOpenMonths = 6;

/**
 * `months` calendar months after `date`, on the institution's calendar (WIB), at the same time of
 * day; a day the month lacks becomes its last day (31 August + 3 months: 30 November).
 */
export function addMonths(date: Date, months: number): Date {
  const local = new Date(date.getTime() + institutionZone.offsetMs);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  local.setUTCFullYear(year, month, Math.min(local.getUTCDate(), lastDay));
  return new Date(local.getTime() - institutionZone.offsetMs);
}

/** A wave's due date and the end of its answering, counted from the completion. */
export function waveDates(completedAt: Date, wave: Wave): { dueAt: Date; editableUntil: Date } {
  const dueAt = addMonths(completedAt, wave);
  const editableUntil = wave === 3 ? addMonths(completedAt, 6) : addMonths(completedAt, 6 + lastWaveOpenMonths);
  return { dueAt, editableUntil };
}

/** A date's year and month on the institution's calendar: "2025-06". */
export const monthOf = (date: Date) => zonedParts(date).day.slice(0, 7);
export const yearOf = (date: Date) => Number(zonedParts(date).day.slice(0, 4));

export const reminderDueAt = (survey: { dueAt: Date }) => new Date(survey.dueAt.getTime() + reminderAfterDays * dayMs);

/**
 * - `upcoming`: not due yet (nobody sees it);
 * - `open`: due, unanswered; `overdue`: unanswered past the reminder day;
 * - `answered`: answered, still editable;
 * - `closed`: past its editing window, answered or not (read-only);
 * - `stopped`: the completion record was revoked: nothing more is asked.
 */
export type SurveyState = 'upcoming' | 'open' | 'overdue' | 'answered' | 'closed' | 'stopped';

export type Timed = {
  dueAt: Date;
  editableUntil: Date;
  answeredAt?: Date | null;
  stoppedAt?: Date | null;
};

export function stateOf(survey: Timed, now: Date): SurveyState {
  if (survey.stoppedAt) return 'stopped';
  if (now < survey.dueAt) return 'upcoming';
  if (now >= survey.editableUntil) return 'closed';
  if (survey.answeredAt) return 'answered';
  return now >= reminderDueAt(survey) ? 'overdue' : 'open';
}

/** Whether answers may be given or changed now. */
export const acceptsAnswers = (state: SurveyState) => state === 'open' || state === 'overdue' || state === 'answered';
