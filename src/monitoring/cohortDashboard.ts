import { type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { cohortSnapshot } from '../learning/service.js';
import { summariseHeldSessions } from '../live/reports/service.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { contactsOf } from '../users/directory.js';
import { countsOf, type SummaryState, unitKey } from './summaries/figures.js';
import { rebuildCohortSummary } from './summaries/rebuild.js';
import { readSummary, stateOf } from './summaries/store.js';

/** Lesson progress bands of the distribution chart, as [lowest, highest] whole percents. */
export const progressBands = [
  [0, 0],
  [1, 24],
  [25, 49],
  [50, 74],
  [75, 99],
  [100, 100],
] as const;

const percent = (part: number, whole: number) => (whole ? Math.floor((part * 100) / whole) : 0);

/** The stored summary, or one rebuilt from the records when the cohort has none yet. */
export async function summaryOf(cohortId: string): Promise<SummaryState> {
  const stored = await readSummary(cohortId);
  return stored?.meta ? stateOf(stored) : rebuildCohortSummary(cohortId);
}

/**
 * The cohort dashboard: per trainee (given a place) their lessons, unit verdicts, assessment results,
 * attendance and last activity; the distribution of lesson progress; each assessment's results; each
 * class held. Everything from the cohort's summary (one document) and the version's units.
 */
export async function cohortDashboard(actor: Actor | null, cohortId: string) {
  return cohortFigures(await watchedCohort(actor, cohortId));
}

/** The cohort, if the actor may read its dashboard (its staff). */
export async function watchedCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'monitoring.cohort', cohortRef(cohort));
  return cohort;
}

/** The dashboard's figures, for whoever was let in (cohortDashboard, the exports). */
export async function cohortFigures(cohort: CohortView) {
  const cohortId = cohort.id;
  // A class whose end passed unsummarised (nobody ended the room) is summarised now: its attendance
  // reaches the summary through live.attended before it is read.
  await summariseHeldSessions(cohort);
  const [state, snapshot] = await Promise.all([summaryOf(cohortId), cohortSnapshot(cohort)]);
  const units = snapshot.units.map((unit) => ({ code: unit.code, title: unit.title }));
  const placed = Object.entries(state.trainees).filter(([, figures]) => figures.placed);
  const contacts = await contactsOf(placed.map(([trainee]) => trainee));
  const sessions = Object.entries(state.sessions)
    .map(([id, session]) => ({ id, ...session }))
    .sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  const heldMinutes = sessions.reduce((sum, session) => sum + session.heldMinutes, 0);
  const total = state.lessonsTotal;

  const trainees = placed
    .map(([trainee, figures]) => {
      const results = Object.values(figures.results);
      const attendedMinutes = Object.entries(figures.attended)
        .filter(([session]) => state.sessions[session])
        .reduce((sum, [, minutes]) => sum + minutes, 0);
      return {
        trainee,
        enrollment: figures.enrollment,
        name: contacts.get(trainee)?.name ?? '',
        status: figures.status,
        done: figures.done,
        total,
        percent: percent(figures.done, total),
        lastActivityAt: figures.lastActivityAt ? new Date(figures.lastActivityAt) : null,
        verdicts: units.map((unit) => figures.verdicts[unitKey(unit.code)] ?? null),
        competent: units.filter((unit) => figures.verdicts[unitKey(unit.code)] === 'K').length,
        passed: results.filter((result) => result.passed === true).length,
        failed: results.filter((result) => result.passed === false).length,
        attendedMinutes,
        attendancePercent: heldMinutes ? percent(attendedMinutes, heldMinutes) : null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const distribution = progressBands.map(([low, high]) => ({
    low,
    high,
    trainees: trainees.filter((row) => row.percent >= low && row.percent <= high).length,
  }));
  const assessments = Object.entries(state.assessments)
    .map(([key, info]) => {
      const results = placed.map(([, figures]) => figures.results[key]).filter((result) => result !== undefined);
      return {
        key,
        ...info,
        graded: results.length,
        passed: results.filter((result) => result.passed === true).length,
        failed: results.filter((result) => result.passed === false).length,
        averagePercent: results.length
          ? Math.round(results.reduce((sum, result) => sum + result.percent, 0) / results.length)
          : null,
      };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
  const classes = sessions.map((session) => {
    const attendances = placed.map(([, figures]) => figures.attended[session.id] ?? 0);
    return {
      id: session.id,
      title: session.title,
      at: new Date(session.at),
      heldMinutes: session.heldMinutes,
      present: attendances.filter((minutes) => minutes >= 1).length,
      averageMinutes: attendances.length
        ? Math.round(attendances.reduce((sum, minutes) => sum + minutes, 0) / attendances.length)
        : 0,
    };
  });
  const unitTotals = units.map((unit, index) => ({
    ...unit,
    competent: trainees.filter((row) => row.verdicts[index] === 'K').length,
    notYet: trainees.filter((row) => row.verdicts[index] === 'BK').length,
  }));
  return {
    cohort,
    counts: countsOf(state.trainees),
    units: unitTotals,
    trainees,
    distribution,
    assessments,
    classes,
    heldMinutes,
    averagePercent: trainees.length ? Math.round(trainees.reduce((sum, row) => sum + row.percent, 0) / trainees.length) : 0,
  };
}
export type CohortDashboard = Awaited<ReturnType<typeof cohortFigures>>;
