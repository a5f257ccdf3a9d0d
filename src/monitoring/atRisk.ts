import { UnitResult, type UnitResultDoc } from '../assessments/results/model.js';
import { type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { cohortStandings, type Standing } from '../completion/standing.js';
import { Enrollment, type EnrollmentDoc } from '../enrolment/model.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { contactsOf } from '../users/directory.js';

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
function inactiveReason(enrollment: EnrollmentDoc, cohort: CohortView, now: Date): RiskReason | null {
  if (now < cohort.startsOn) return null;
  const last = enrollment.progress?.lastActivityAt ?? enrollment.enrolledAt ?? null;
  if (!last) return null;
  const since = Math.max(last.getTime(), cohort.startsOn.getTime());
  const days = Math.floor((now.getTime() - since) / day);
  return days >= inactiveAfterDays ? { rule: 'inactive', days } : null;
}

function behindReason(done: number, total: number, elapsedPercent: number | null): RiskReason | null {
  if (elapsedPercent === null || total === 0) return null;
  // done/total < (elapsed - tolerance)/100, compared in integers.
  return done * 100 < (elapsedPercent - scheduleTolerancePoints) * total ? { rule: 'behind', done, total, elapsedPercent } : null;
}

/** Units with a BK verdict, and quizzes whose result that counts did not pass (a quiz on several units once). */
function failedReason(standing: Standing, results: UnitResultDoc[]): RiskReason | null {
  const units = standing.units.filter((unit) => unit.verdict === 'BK').map((unit) => unit.code);
  const quizzes = new Map<string, { title: string; percent: number | null }>();
  for (const result of results) {
    for (const [id, quiz] of Object.entries(result.quizzes ?? {})) {
      if (quiz.passed === false) quizzes.set(id, { title: quiz.title ?? '', percent: quiz.percent ?? null });
    }
  }
  return units.length || quizzes.size ? { rule: 'failed', units, quizzes: [...quizzes.values()] } : null;
}

/** Below the version's attendance threshold: only when the rule is on and a class was held. */
function attendanceReason(standing: Standing, minimum: number): RiskReason | null {
  const check = standing.checks.find((each) => each.rule === 'attendance');
  if (!check?.on || check.met || standing.attendance.sessionsHeld === 0) return null;
  return { rule: 'attendance', percent: standing.attendance.percent ?? 0, minimum };
}

/**
 * The cohort's studying trainees (enrolment 'enrolled') and why each is at risk. The completion
 * standings (completion/standing.ts) give verdicts, attendance against the rules and lessons done;
 * the enrolments give last activity and the unit results the quiz results. Every source is read by
 * indexed equality on the cohort, once, bounded.
 */
export async function atRiskTrainees(actor: Actor | null, cohortId: string, now = new Date()): Promise<CohortRisk> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'completion.view', cohortRef(cohort));
  const [{ rules, standings }, enrollments, results] = await Promise.all([
    cohortStandings(cohort, { now }),
    Enrollment.find({ cohort: cohort.id, status: 'enrolled' }, { history: 0, lastChange: 0 })
      .limit(5_000)
      .lean<EnrollmentDoc[]>(),
    UnitResult.find({ cohort: cohort.id }).limit(50_000).lean<UnitResultDoc[]>(),
  ]);
  const enrollmentOf = new Map(enrollments.map((enrollment) => [String(enrollment._id), enrollment]));
  const resultsOf = new Map<string, UnitResultDoc[]>();
  for (const result of results) {
    const trainee = String(result.trainee);
    resultsOf.set(trainee, [...(resultsOf.get(trainee) ?? []), result]);
  }
  const studying = standings.filter((standing) => standing.status === 'enrolled' && enrollmentOf.has(standing.enrollment));
  const contacts = await contactsOf(studying.map((standing) => standing.trainee));
  const elapsedPercent = elapsedPercentOf(cohort, now);
  const trainees = studying.map((standing): TraineeRisk => {
    const enrollment = enrollmentOf.get(standing.enrollment)!;
    const lessonsDone = standing.modules.reduce((sum, module) => sum + module.done, 0);
    const lessonsTotal = standing.modules.reduce((sum, module) => sum + module.lessons, 0);
    const reasons = [
      inactiveReason(enrollment, cohort, now),
      behindReason(lessonsDone, lessonsTotal, elapsedPercent),
      failedReason(standing, resultsOf.get(standing.trainee) ?? []),
      attendanceReason(standing, rules.minAttendancePercent),
    ].filter((reason): reason is RiskReason => reason !== null);
    return {
      enrollment: standing.enrollment,
      trainee: standing.trainee,
      name: standing.name,
      email: standing.email,
      phone: contacts.get(standing.trainee)?.phone ?? '',
      lastActivityAt: enrollment.progress?.lastActivityAt ?? null,
      lessonsDone,
      lessonsTotal,
      reasons,
    };
  });
  return {
    cohort,
    now,
    elapsedPercent,
    // Standings come sorted by name; a stable sort keeps that order among equals.
    atRisk: trainees.filter((trainee) => trainee.reasons.length).sort((a, b) => b.reasons.length - a.reasons.length),
    onTrack: trainees.filter((trainee) => !trainee.reasons.length),
  };
}
