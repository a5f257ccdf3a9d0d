/** How intakes and counselling sessions are shown: plain views with the names they refer to. */

import mongoose from 'mongoose';
import { Cohort } from '../cohorts/model.js';
import { Enrollment } from '../enrolment/model.js';
import type { EnrollmentView } from '../enrolment/service.js';
import { Institution } from '../institutions/model.js';
import { NotFoundError } from '../platform/errors.js';
import { namesOfUsers } from '../users/directory.js';
import {
  type CounsellingOutcome,
  CounsellingSession,
  type CounsellingSessionDoc,
  type educationLevels,
  Intake,
  type IntakeDoc,
  type schedulePreferences,
  trainingOutcomes,
} from './model.js';

export type WithId<T> = T & { _id: mongoose.Types.ObjectId };
export type Named = { id: string; name: string };

export type IntakeView = {
  applicant: string;
  institution: string;
  institutionName: string;
  education: (typeof educationLevels)[number];
  experience: string;
  skills: string;
  sectors: string[];
  certificates: string;
  schedule: (typeof schedulePreferences)[number][];
  accommodation: string;
  status: 'waiting' | 'counselled';
  lastOutcome: CounsellingOutcome | null;
  submittedAt: Date;
  updatedAt: Date;
};

/** A session as the applicant sees it: what was decided and when, not the counsellor's notes. */
export type HistoryItem = {
  id: string;
  outcome: CounsellingOutcome;
  cohort: Named | null;
  /** Where the application the session opened stands now. */
  enrollmentStatus: string | null;
  recordedAt: Date;
};

/** A session as staff see it. */
export type SessionView = HistoryItem & {
  applicant: string;
  institution: string;
  counsellor: string;
  counsellorName: string;
  notes: string;
  enrollment: string | null;
  enrollmentStatus: string | null;
  /** A training outcome whose application was not opened yet (the request stopped half-way). */
  unfinished: boolean;
};

export type QueueItem = {
  applicant: string;
  name: string;
  institution: string;
  institutionName: string;
  education: IntakeView['education'];
  sectors: string[];
  submittedAt: Date;
};

export type RecordResult = { session: SessionView; enrollment: EnrollmentView | null; resumed: boolean };

/** Outcomes that send the applicant to a cohort open an application there. */
export const opensApplication = (outcome: string) => (trainingOutcomes as readonly string[]).includes(outcome);

export function toIntakeView(intake: IntakeDoc, institutionName: string): IntakeView {
  return {
    applicant: String(intake._id),
    institution: String(intake.institution),
    institutionName,
    education: intake.education,
    experience: intake.experience ?? '',
    skills: intake.skills ?? '',
    sectors: intake.sectors ?? [],
    certificates: intake.certificates ?? '',
    schedule: (intake.schedule ?? []) as IntakeView['schedule'],
    accommodation: intake.accommodation ?? '',
    status: intake.status ?? 'waiting',
    lastOutcome: (intake.lastOutcome ?? null) as CounsellingOutcome | null,
    submittedAt: intake.submittedAt ?? intake.createdAt,
    updatedAt: intake.updatedAt,
  };
}

export type NameRow = WithId<{ name: string }>;

/** Names by id, read in one query, for showing references in lists. */
export async function namesOf(find: (ids: string[]) => Promise<NameRow[]>, ids: unknown[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids.filter(Boolean).map(String))];
  if (!unique.length) return new Map();
  return new Map((await find(unique)).map((item) => [String(item._id), item.name]));
}
export const userNames = (ids: unknown[]) => namesOfUsers(ids);
export const cohortNames = (ids: unknown[]) =>
  namesOf((id) => Cohort.find({ _id: { $in: id } }, { name: 1 }).lean<NameRow[]>(), ids);
export const institutionNamesOf = (ids: unknown[]) =>
  namesOf((id) => Institution.find({ _id: { $in: id } }, { name: 1 }).lean<NameRow[]>(), ids);

export async function findIntake(applicantId: string): Promise<IntakeDoc> {
  if (!mongoose.isValidObjectId(applicantId)) throw new NotFoundError();
  const intake = await Intake.findById(applicantId).lean<IntakeDoc>();
  if (!intake) throw new NotFoundError();
  return intake;
}

export async function intakeView(intake: IntakeDoc): Promise<IntakeView> {
  const names = await institutionNamesOf([intake.institution]);
  return toIntakeView(intake, names.get(String(intake.institution)) ?? '');
}

/** Sessions with the names and enrolment states they refer to, in the order given. */
export async function sessionViews(sessions: CounsellingSessionDoc[]): Promise<SessionView[]> {
  const [counsellors, cohorts, enrollments] = await Promise.all([
    userNames(sessions.map((session) => session.counsellor)),
    cohortNames(sessions.map((session) => session.cohort)),
    Enrollment.find(
      { _id: { $in: sessions.map((session) => session.enrollment).filter((id): id is string => Boolean(id)) } },
      { status: 1 },
    ).lean<{ _id: string; status: string }[]>(),
  ]);
  const statuses = new Map(enrollments.map((enrollment) => [String(enrollment._id), enrollment.status]));
  return sessions.map((session) => {
    const cohort = session.cohort ? String(session.cohort) : null;
    const enrollment = session.enrollment ? String(session.enrollment) : null;
    return {
      id: String(session._id),
      outcome: session.outcome,
      cohort: cohort ? { id: cohort, name: cohorts.get(cohort) ?? '' } : null,
      recordedAt: session.createdAt,
      applicant: String(session.applicant),
      institution: String(session.institution),
      counsellor: String(session.counsellor),
      counsellorName: counsellors.get(String(session.counsellor)) ?? '',
      notes: session.notes ?? '',
      enrollment,
      enrollmentStatus: enrollment ? (statuses.get(enrollment) ?? null) : null,
      unfinished: opensApplication(session.outcome) && !enrollment,
    };
  });
}

/** The applicant's sessions, newest first, within `scoped` (the reader's part, from `scope`). */
export async function sessionsOf(applicantId: string, scoped: Record<string, unknown>, limit = 50): Promise<SessionView[]> {
  const sessions = await CounsellingSession.find({ ...scoped, applicant: applicantId })
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit)
    .lean<CounsellingSessionDoc[]>();
  return sessionViews(sessions);
}

// --- the applicant's side ------------------------------------------------------------------------
