import { institutionZone } from '../platform/zone.js';

/** Cohort times are the institution's (WIB), as cohort dates (see service.ts). */
const { offsetMs } = institutionZone;

/**
 * The next live-class slots of a weekly schedule, from `now`, within the cohort's dates. Times are
 * "HH:MM" at the institution; each slot is returned as its start instant.
 */
export function upcomingSessions(
  cohort: { schedule: { days: number[]; start: string; end: string }; startsOn: Date; endsOn: Date },
  now: Date,
  count = 3,
): { start: Date; end: Date }[] {
  const { days, start, end } = cohort.schedule;
  if (!days.length || !start || !end) return [];
  const sessions: { start: Date; end: Date }[] = [];
  const from = Math.max(now.getTime(), cohort.startsOn.getTime());
  // Midnight (WIB) of the first day to consider, as a UTC instant.
  let midnight = Math.floor((from + offsetMs) / 86_400_000) * 86_400_000 - offsetMs;
  const at = (day: number, time: string) => {
    const [hours, minutes] = time.split(':').map(Number);
    return new Date(day + ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000);
  };
  for (let step = 0; step < 7 * 60 && sessions.length < count && midnight <= cohort.endsOn.getTime(); step += 1) {
    const weekday = ((new Date(midnight + offsetMs).getUTCDay() + 6) % 7) + 1; // ISO: Monday 1 … Sunday 7
    if (days.includes(weekday)) {
      const session = { start: at(midnight, start), end: at(midnight, end) };
      if (session.end.getTime() > now.getTime() && session.start <= cohort.endsOn) sessions.push(session);
    }
    midnight += 86_400_000;
  }
  return sessions;
}
