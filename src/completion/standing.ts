import { UnitResult, type UnitResultDoc } from '../assessments/results/model.js';
import type { CohortView } from '../cohorts/service.js';
import { Enrollment, type EnrollmentDoc, type EnrollmentStatus, enrollmentId } from '../enrolment/model.js';
import { cohortSnapshot } from '../learning/service.js';
import { cohortAttendance } from '../live/reports/service.js';
import { type CompletionRules, rulesOf } from '../programs/completionRules.js';
import type { Snapshot } from '../programs/publishing.js';
import { contactsOf } from '../users/directory.js';

export const ruleNames = ['units', 'attendance', 'modules'] as const;
export type RuleName = (typeof ruleNames)[number];
/** One rule for one trainee: whether the version has it on, and whether the trainee meets it. */
export type Check = { rule: RuleName; on: boolean; met: boolean };

export type UnitStanding = {
  code: string;
  title: { id: string; en: string };
  verdict: 'K' | 'BK' | null;
  at: Date | null;
  assessor: string;
};
export type Attendance = {
  minutes: number;
  /** Minutes of the live classes held so far (their windows). */
  scheduledMinutes: number;
  /** Whole percent attended, null when no class has been held. */
  percent: number | null;
  sessionsHeld: number;
  sessionsAttended: number;
};
export type ModuleStanding = { id: string; title: string; lessons: number; done: number; required: boolean };

/** Where one trainee of a cohort stands against the completion rules of the cohort's version. */
export type Standing = {
  enrollment: string;
  trainee: string;
  name: string;
  email: string;
  status: EnrollmentStatus;
  units: UnitStanding[];
  attendance: Attendance;
  modules: ModuleStanding[];
  checks: Check[];
  /** Every rule that is on is met: a completion record is proposed. */
  eligible: boolean;
};

/** Trainees who can complete: those studying, and those completed before records existed (a record can be issued for them). */
const standingStatuses: readonly EnrollmentStatus[] = ['enrolled', 'completed'];

function unitStandings(snapshot: Snapshot, results: Map<string, UnitResultDoc>, cohort: string, trainee: string): UnitStanding[] {
  return snapshot.units.map((unit) => {
    const verdict = results.get(`${cohort}:${trainee}:${unit.code}`)?.verdict ?? null;
    return {
      code: unit.code,
      title: unit.title,
      verdict: (verdict?.status as 'K' | 'BK' | undefined) ?? null,
      at: verdict?.at ?? null,
      assessor: verdict?.byName ?? '',
    };
  });
}

/**
 * Whether each rule holds. Minutes are compared exactly (minutes × 100 ≥ percent × held), so 79.9%
 * never rounds up into 80%. A cohort that has held no live class meets the attendance rule: there
 * was nothing to attend.
 */
export function checksOf(rules: CompletionRules, standing: Pick<Standing, 'units' | 'attendance' | 'modules'>): Check[] {
  const { minutes, scheduledMinutes } = standing.attendance;
  return [
    {
      rule: 'units',
      on: rules.allUnitsCompetent,
      met: standing.units.every((unit) => unit.verdict === 'K'),
    },
    {
      rule: 'attendance',
      on: rules.minAttendancePercent > 0,
      met: scheduledMinutes === 0 || minutes * 100 >= rules.minAttendancePercent * scheduledMinutes,
    },
    {
      rule: 'modules',
      on: rules.requiredModules.length > 0,
      met: standing.modules.every((module) => !module.required || module.done >= module.lessons),
    },
  ];
}

/**
 * Where the cohort's trainees stand (or one trainee, `only`), from what each feature keeps: unit
 * verdicts (assessments/results), live-class minutes (live/reports) and lessons completed (the
 * enrolment's progress), against the rules of the version the cohort runs. Each source is read by
 * indexed equality on the cohort (or the trainee), once for the whole cohort.
 */
export async function cohortStandings(
  cohort: CohortView,
  options: { only?: string; now?: Date } = {},
): Promise<{ rules: CompletionRules; snapshot: Snapshot; standings: Standing[] }> {
  const now = options.now ?? new Date();
  const snapshot = await cohortSnapshot(cohort);
  const rules = rulesOf(snapshot);
  const [enrollments, results, attendance] = await Promise.all([
    options.only
      ? Enrollment.find({ _id: enrollmentId(cohort.id, options.only) }, { history: 0 }).lean<EnrollmentDoc[]>()
      : Enrollment.find({ cohort: cohort.id }, { history: 0 }).limit(5_000).lean<EnrollmentDoc[]>(),
    options.only
      ? UnitResult.find({ trainee: options.only }).limit(2_000).lean<UnitResultDoc[]>()
      : UnitResult.find({ cohort: cohort.id }).limit(50_000).lean<UnitResultDoc[]>(),
    cohortAttendance(cohort, now),
  ]);
  const studying = enrollments.filter((enrollment) => standingStatuses.includes(enrollment.status as EnrollmentStatus));
  const contacts = await contactsOf(studying.map((enrollment) => enrollment.trainee));
  const resultById = new Map(results.map((result) => [result._id, result]));
  const required = new Set(rules.requiredModules);
  const standings = studying.map((enrollment) => {
    const trainee = String(enrollment.trainee);
    const rows = attendance.rows.filter((row) => String(row.user) === trainee);
    const minutes = rows.reduce((sum, row) => sum + row.minutes, 0);
    const done = new Set(enrollment.progress?.completed ?? []);
    const base = {
      units: unitStandings(snapshot, resultById, cohort.id, trainee),
      attendance: {
        minutes,
        scheduledMinutes: attendance.duration,
        percent: attendance.duration ? Math.floor((minutes * 100) / attendance.duration) : null,
        sessionsHeld: attendance.sessions.length,
        sessionsAttended: rows.filter((row) => row.present).length,
      },
      modules: snapshot.modules.map((module) => ({
        id: module.id,
        title: module.title,
        lessons: module.lessons.length,
        done: module.lessons.filter((lesson) => done.has(lesson.id)).length,
        required: required.has(module.id),
      })),
    };
    const checks = checksOf(rules, base);
    const contact = contacts.get(trainee);
    return {
      enrollment: String(enrollment._id),
      trainee,
      name: contact?.name ?? '',
      email: contact?.email ?? '',
      status: enrollment.status as EnrollmentStatus,
      ...base,
      checks,
      eligible: checks.every((check) => !check.on || check.met),
    };
  });
  standings.sort((a, b) => a.name.localeCompare(b.name, 'id'));
  return { rules, snapshot, standings };
}
