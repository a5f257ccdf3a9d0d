import { type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { cohortSnapshot } from '../learning/service.js';
import { summariseHeldSessions } from '../live/reports/service.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { rulesOf } from '../programs/completionRules.js';
import { contactsOf } from '../users/directory.js';
import { summaryOf } from './cohortDashboard.js';
import { type SummaryState, type TraineeFigures, unitKey } from './summaries/figures.js';

/** Days without lesson activity after which a studying trainee is at risk. */
export const inactiveAfterDays = 7;
/** How far (percentage points) lessons done may trail the share of the cohort's run elapsed. */
export const scheduleTolerancePoints = 20;

const day = 24 * 3600_000;

/** Why a trainee is at risk: one rule each, with the figures the page puts into words. */
export type RiskReason =
  | { rule: 'inactive'; days: number }
  | { rule: 'behind'; done: number; total: number; elapsedPercent: number }
  | { rule: 'failed'; units: string[]; quizzes: { title: string; percent: number | null }[] }
  | { rule: 'attendance'; percent: number; minimum: number };
export type RiskRule = RiskReason['rule'];

export type TraineeRisk = {
  enrollment: string;
  trainee: string;
  name: string;
  email: string;
  phone: string;
  lastActivityAt: Date | null;
  lessonsDone: number;
  lessonsTotal: number;
  reasons: RiskReason[];
};

export type CohortRisk = {
  cohort: CohortView;
  now: Date;
  /** Share of the cohort's run elapsed (whole percent), null before it starts. */
  elapsedPercent: number | null;
  /** Trainees with at least one reason, those with most reasons first. */
  atRisk: TraineeRisk[];
  /** Studying trainees with no reason. */
  onTrack: TraineeRisk[];
};

/** Whole percent of the run from the first day's start to the last day's end; null before the start. */
function elapsedPercentOf(cohort: CohortView, now: Date): number | null {
  const start = cohort.startsOn.getTime();
  if (now.getTime() < start) return null;
  const length = cohort.endsOn.getTime() - start;
  if (length <= 0) return 100;
  return Math.min(100, Math.floor(((now.getTime() - start) * 100) / length));
}

/**
 * Days since the trainee last did something in a lesson (or since they were enrolled, when they never
 * did), counted from the cohort's start at the earliest: nobody is idle before there is anything to do.
 */
function inactiveReason(figures: TraineeFigures, cohort: CohortView, now: Date): RiskReason | null {
  if (now < cohort.startsOn) return null;
  const last = figures.lastActivityAt ?? figures.enrolledAt ?? null;
  if (!last) return null;
  const since = Math.max(new Date(last).getTime(), cohort.startsOn.getTime());
  const days = Math.floor((now.getTime() - since) / day);
  return days >= inactiveAfterDays ? { rule: 'inactive', days } : null;
}

function behindReason(done: number, total: number, elapsedPercent: number | null): RiskReason | null {
  if (elapsedPercent === null || total === 0) return null;
  // done/total < (elapsed - tolerance)/100, compared in integers.
  return done * 100 < (elapsedPercent - scheduleTolerancePoints) * total ? { rule: 'behind', done, total, elapsedPercent } : null;
}

/** Units with a BK verdict, and quizzes whose result that counts did not pass. */
function failedReason(figures: TraineeFigures, state: SummaryState, units: readonly string[]): RiskReason | null {
  const failedUnits = units.filter((code) => figures.verdicts[unitKey(code)] === 'BK');
  const quizzes = Object.entries(figures.results)
    .filter(([key, result]) => state.assessments[key]?.kind === 'quiz' && result.passed === false)
    .map(([key, result]) => ({ title: state.assessments[key]!.title, percent: result.percent }));
  return failedUnits.length || quizzes.length ? { rule: 'failed', units: failedUnits, quizzes } : null;
}

/**
 * Below the version's attendance threshold: only when the rule is on and a class was held. Minutes
 * compare exactly, as the completion rules do (completion/standing.ts checksOf).
 */
function attendanceReason(figures: TraineeFigures, state: SummaryState, minimum: number): RiskReason | null {
  const held = Object.values(state.sessions).reduce((sum, session) => sum + session.heldMinutes, 0);
  if (minimum <= 0 || held === 0) return null;
  const minutes = Object.entries(figures.attended)
    .filter(([session]) => state.sessions[session])
    .reduce((sum, [, attended]) => sum + attended, 0);
  if (minutes * 100 >= minimum * held) return null;
  return { rule: 'attendance', percent: Math.floor((minutes * 100) / held), minimum };
}

/**
 * The cohort's studying trainees (enrolment 'enrolled') and why each is at risk, from the cohort's
 * monitoring summary (summaries/: one document, kept up to date as things happen) and the rules of
 * the version the cohort runs. Classes that ended unsummarised are summarised first, as on the
 * dashboard, so their attendance counts.
 */
export async function atRiskTrainees(actor: Actor | null, cohortId: string, now = new Date()): Promise<CohortRisk> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'completion.view', cohortRef(cohort));
  await summariseHeldSessions(cohort, now);
  const [state, snapshot] = await Promise.all([summaryOf(cohort.id), cohortSnapshot(cohort)]);
  const rules = rulesOf(snapshot);
  const units = snapshot.units.map((unit) => unit.code);
  const studying = Object.entries(state.trainees).filter(([, figures]) => figures.status === 'enrolled');
  const contacts = await contactsOf(studying.map(([trainee]) => trainee));
  const elapsedPercent = elapsedPercentOf(cohort, now);
  const trainees = studying
    .map(([trainee, figures]): TraineeRisk => {
      const reasons = [
        inactiveReason(figures, cohort, now),
        behindReason(figures.done, state.lessonsTotal, elapsedPercent),
        failedReason(figures, state, units),
        attendanceReason(figures, state, rules.minAttendancePercent),
      ].filter((reason): reason is RiskReason => reason !== null);
      const contact = contacts.get(trainee);
      return {
        enrollment: figures.enrollment,
        trainee,
        name: contact?.name ?? '',
        email: contact?.email ?? '',
        phone: contact?.phone ?? '',
        lastActivityAt: figures.lastActivityAt ? new Date(figures.lastActivityAt) : null,
        lessonsDone: figures.done,
        lessonsTotal: state.lessonsTotal,
        reasons,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    cohort,
    now,
    elapsedPercent,
    // Sorted by name first; a stable sort keeps that order among equals.
    atRisk: trainees.filter((trainee) => trainee.reasons.length).sort((a, b) => b.reasons.length - a.reasons.length),
    onTrack: trainees.filter((trainee) => !trainee.reasons.length),
  };
}
