import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { recommendableCohorts } from '../cohorts/service.js';
import { Enrollment, type EnrollmentDoc } from '../enrolment/model.js';
import { applyOnBehalf, type EnrollmentView, toEnrollmentView } from '../enrolment/service.js';
import { Institution, Sector } from '../institutions/model.js';
import { nationwideScan } from '../platform/db/queryGuard.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { publish } from '../platform/events.js';
import { type Page, paginate } from '../platform/pagination.js';
import { type Actor, authorize, can, scope } from '../platform/permissions.js';
import { User } from '../users/model.js';
import { CounsellingSession, type CounsellingSessionDoc, Intake, type IntakeDoc } from './model.js';
import type { IntakeInput, QueueQuery, SessionInput } from './schemas.js';

import {
  findIntake,
  type HistoryItem,
  type IntakeView,
  institutionNamesOf,
  intakeView,
  type Named,
  opensApplication,
  type QueueItem,
  type RecordResult,
  type SessionView,
  sessionsOf,
  sessionViews,
  userNames,
  type WithId,
} from './views.js';

export const queuePerPage = 20;

/** Training centres an applicant may ask for counselling at: every active one. */
export async function intakeInstitutions(): Promise<Named[]> {
  const institutions = await Institution.find({ active: { $ne: false } }, { name: 1 })
    .sort({ name: 1 })
    .lean<WithId<{ name: string }>[]>();
  return institutions.map((institution) => ({ id: String(institution._id), name: institution.name }));
}

/**
 * The applicant's own intake with their counselling history, or null before they filled it in.
 * The history leaves out the counsellor's notes: they are the counsellor's working notes (first
 * impressions, remarks on health or family) written for colleagues; the applicant is told the
 * outcome and what happens next.
 */
export async function ownIntake(actor: Actor | null): Promise<(IntakeView & { history: HistoryItem[] }) | null> {
  authorize(actor, 'intake.fill');
  const intake = await Intake.findById(actor.id).lean<IntakeDoc>();
  if (!intake) return null;
  authorize(actor, 'intake.view', { applicant: actor.id, institution: String(intake.institution) });
  const history = (await sessionsOf(actor.id, {})).map(({ id, outcome, cohort, enrollmentStatus, recordedAt }) => ({
    id,
    outcome,
    cohort,
    enrollmentStatus,
    recordedAt,
  }));
  return { ...(await intakeView(intake)), history };
}

/**
 * Fills in or updates the actor's intake. Editing keeps the applicant's place in the queue; asking
 * another training centre puts them in that centre's queue as a new arrival.
 */
export async function saveIntake(actor: Actor | null, input: IntakeInput): Promise<IntakeView & { history: HistoryItem[] }> {
  authorize(actor, 'intake.fill');
  if (!(await Institution.exists({ _id: input.institution, active: { $ne: false } }))) {
    throw new ValidationError([{ field: 'institution', key: 'validation.choice' }]);
  }
  const sectors = [...new Set(input.sectors)];
  if (sectors.length && (await Sector.countDocuments({ code: { $in: sectors } })) !== sectors.length) {
    throw new ValidationError([{ field: 'sectors', key: 'validation.choice' }]);
  }
  const before = await Intake.findById(actor.id, { institution: 1 }).lean<IntakeDoc>();
  const fields: Record<string, unknown> = { ...input, sectors, schedule: [...new Set(input.schedule)] };
  if (!before || String(before.institution) !== input.institution) {
    Object.assign(fields, { status: 'waiting', submittedAt: new Date() });
  }
  const save = (upsert: boolean) => Intake.updateOne({ _id: actor.id }, { $set: fields }, { upsert, runValidators: true });
  try {
    await save(true);
  } catch (error) {
    // Two first saves at once: one inserted, the other updates what it inserted.
    if (!isDuplicateKeyError(error)) throw error;
    await save(false);
  }
  return (await ownIntake(actor))!;
}

// --- the counsellor's side -----------------------------------------------------------------------

/** Applicants waiting for counselling at the actor's institution (admins: everywhere), oldest first. */
export async function counsellingQueue(actor: Actor | null, query: QueueQuery): Promise<Page<QueueItem>> {
  authorize(actor, 'counselling.record');
  const filter: Record<string, unknown> = { ...scope(actor, 'intakes'), status: 'waiting' };
  const page = await paginate(query.page, queuePerPage, (skip, limit) =>
    Intake.find(filter, { institution: 1, education: 1, sectors: 1, submittedAt: 1, createdAt: 1 })
      .sort({ submittedAt: 1, _id: 1 })
      .skip(skip)
      .limit(limit)
      .lean<IntakeDoc[]>(),
  );
  const [people, institutions] = await Promise.all([
    userNames(page.items.map((intake) => intake._id)),
    institutionNamesOf(page.items.map((intake) => intake.institution)),
  ]);
  return {
    ...page,
    items: page.items.map((intake) => ({
      applicant: String(intake._id),
      name: people.get(String(intake._id)) ?? '',
      institution: String(intake.institution),
      institutionName: institutions.get(String(intake.institution)) ?? '',
      education: intake.education,
      sectors: intake.sectors ?? [],
      submittedAt: intake.submittedAt ?? intake.createdAt,
    })),
  };
}

/** The sessions recorded most recently at the actor's institution (admins: everywhere). */
export async function recentSessions(actor: Actor | null, limit = 10): Promise<(SessionView & { applicantName: string })[]> {
  authorize(actor, 'counselling.record');
  const scoped = scope(actor, 'counsellingSessions');
  const sessions = await CounsellingSession.find(scoped, undefined, { comment: nationwideScan(scoped) })
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit)
    .lean<CounsellingSessionDoc[]>();
  const [views, names] = await Promise.all([sessionViews(sessions), userNames(sessions.map((session) => session.applicant))]);
  return views.map((view) => ({ ...view, applicantName: names.get(view.applicant) ?? '' }));
}

/**
 * Everything the counsellor needs about one applicant: contact, intake, the earlier sessions
 * recorded at the counsellor's institution (a session at another centre, with its notes and
 * counsellor, stays there when the applicant moves their intake), and the cohorts of the intake's
 * institution that may be recommended.
 */
export async function applicantRecord(actor: Actor | null, applicantId: string) {
  const intake = await findIntake(applicantId);
  const institution = String(intake.institution);
  authorize(actor, 'intake.view', { applicant: applicantId, institution });
  const mayRecord = can(actor, 'counselling.record', { institution });
  const [view, person, sessions, cohorts] = await Promise.all([
    intakeView(intake),
    User.findById(applicantId, { name: 1, email: 1, phone: 1, province: 1 }).lean(),
    sessionsOf(applicantId, scope(actor, 'counsellingSessions')),
    mayRecord ? recommendableCohorts(institution) : Promise.resolve([]),
  ]);
  return {
    intake: view,
    person: {
      id: applicantId,
      name: person?.name ?? '',
      email: person?.email ?? '',
      phone: person?.phone ?? '',
      province: person?.province ?? null,
    },
    sessions,
    mayRecord,
    cohorts: cohorts.map((cohort) => ({
      id: cohort.id,
      name: cohort.name,
      programTitle: cohort.programTitle,
      startsOn: cohort.startsOn,
      status: cohort.status,
    })),
  };
}

/** The cohort a session recommends: required for the outcomes that send to training, refused for the others. */
async function recommendedCohort(input: SessionInput, institution: string): Promise<(Named & { program: string }) | null> {
  const needsCohort = opensApplication(input.outcome);
  if (needsCohort && !input.cohort) throw new ValidationError([{ field: 'cohort', key: 'counselling.errors.cohortRequired' }]);
  if (!needsCohort && input.cohort) throw new ValidationError([{ field: 'cohort', key: 'counselling.errors.cohortRefused' }]);
  if (!input.cohort) return null;
  const cohort = (await recommendableCohorts(institution)).find((candidate) => candidate.id === input.cohort);
  if (!cohort) throw new ValidationError([{ field: 'cohort', key: 'validation.choice' }]);
  return { id: cohort.id, name: cohort.name, program: cohort.program };
}

/**
 * The steps after the session exists, each safe to repeat: open the application (applyOnBehalf
 * returns an open one as it is), remember it on the session, and mark the intake counselled. A
 * session that already holds its enrolment is not applied again, so retrying an old form never
 * reopens an application that was since refused or withdrawn.
 */
async function finish(actor: Actor, session: CounsellingSessionDoc, resumed: boolean): Promise<RecordResult> {
  const applicant = String(session.applicant);
  let enrollment: EnrollmentView | null = null;
  if (session.enrollment) {
    const stored = await Enrollment.findById(session.enrollment).lean<EnrollmentDoc>();
    enrollment = stored ? toEnrollmentView(stored) : null;
  } else if (session.cohort && opensApplication(session.outcome)) {
    enrollment = await applyOnBehalf(actor, String(session.cohort), applicant, {
      source: 'counselling',
      counselling: String(session._id),
    });
    await CounsellingSession.updateOne({ _id: session._id, enrollment: null }, { $set: { enrollment: enrollment.id } });
  }
  // Only the newest session decides the intake's state: a late retry of an older one changes nothing.
  const newest = await CounsellingSession.findOne({ applicant }, { _id: 1 }).sort({ createdAt: -1, _id: -1 }).lean();
  if (String(newest?._id) === String(session._id)) {
    // Not a change the applicant made: `updatedAt` keeps telling when they last edited their intake.
    await Intake.updateOne(
      { _id: applicant },
      { $set: { status: 'counselled', lastOutcome: session.outcome } },
      { timestamps: false },
    );
  }
  const saved = await CounsellingSession.findById(session._id).lean<CounsellingSessionDoc>();
  const [view] = await sessionViews([saved ?? session]);
  return { session: view!, enrollment, resumed };
}

/** The same nonce from someone else, or for another applicant, is not a retry: refuse it. */
function sameRequest(session: CounsellingSessionDoc, actor: Actor, applicantId: string): CounsellingSessionDoc {
  if (String(session.counsellor) !== actor.id || String(session.applicant) !== applicantId) {
    throw new ConflictError('counselling.errors.requestReused');
  }
  return session;
}

/**
 * Records a counselling session and routes the applicant by its outcome: training and
 * entrepreneurship open an application to the recommended cohort; placement and certification
 * are recorded and leave the next step to the counsellor. Everything is checked before anything is
 * written. The form's nonce (`requestId`, unique) makes a double submit or a retry after a crash
 * land on the first session and finish its remaining steps instead of recording a second one.
 */
export async function recordSession(actor: Actor | null, applicantId: string, input: SessionInput): Promise<RecordResult> {
  const intake = await findIntake(applicantId);
  const institution = String(intake.institution);
  authorize(actor, 'counselling.record', { institution });
  const requestId = input.requestId ?? randomUUID();
  const earlier = await CounsellingSession.findOne({ requestId }).lean<CounsellingSessionDoc>();
  if (earlier) return finish(actor, sameRequest(earlier, actor, applicantId), true);

  const cohort = await recommendedCohort(input, institution);
  if (cohort && !(await User.exists({ _id: applicantId, role: 'trainee' }))) {
    throw new ValidationError([{ field: 'outcome', key: 'counselling.errors.notTrainee' }]);
  }
  let session: CounsellingSessionDoc;
  try {
    const created = await CounsellingSession.create({
      applicant: applicantId,
      institution,
      counsellor: actor.id,
      notes: input.notes,
      outcome: input.outcome,
      cohort: cohort?.id ?? null,
      requestId,
    });
    session = created.toObject() as CounsellingSessionDoc;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // The same form sent twice at once: the unique nonce let one insert; finish that one.
    const raced = await CounsellingSession.findOne({ requestId }).lean<CounsellingSessionDoc>();
    if (!raced) throw error;
    return finish(actor, sameRequest(raced, actor, applicantId), true);
  }
  // The first session makes the applicant "counselled" in the funnel; later ones are follow-ups.
  const sessions = await CounsellingSession.find({ applicant: applicantId }, { _id: 1 }).limit(2).lean();
  await publish('counselling.recorded', {
    actor: actor.id,
    applicant: applicantId,
    institution,
    program: cohort?.program ?? null,
    first: sessions.length === 1,
    at: session.createdAt ?? new Date(),
  });
  return finish(actor, session, false);
}

/** Whether the user has filled in an intake (the application page asks them to, before applying). */
export async function hasIntake(userId: string): Promise<boolean> {
  return Boolean(await Intake.exists({ _id: userId }));
}

/**
 * Of these applicants, those whose intake and counselling record (/counselling/<id>) the actor may
 * open: they filled in an intake, and the record page's own checks let the actor see it. Lists of
 * applicants link only these names.
 */
export async function openableApplicantRecords(actor: Actor | null, applicantIds: string[]): Promise<Set<string>> {
  const ids = [...new Set(applicantIds)].filter((id) => mongoose.isValidObjectId(id));
  if (!ids.length || !can(actor, 'counselling.record')) return new Set();
  const intakes = await Intake.find({ _id: { $in: ids } }, { institution: 1 }).lean<WithId<{ institution: unknown }>[]>();
  return new Set(
    intakes
      .map((intake) => ({ applicant: String(intake._id), institution: String(intake.institution) }))
      .filter((intake) => can(actor, 'intake.view', intake))
      .map((intake) => intake.applicant),
  );
}

/** Finishes a session whose request stopped before its application was opened (see `finish`). */
export async function finishSession(actor: Actor | null, sessionId: string): Promise<RecordResult> {
  if (!mongoose.isValidObjectId(sessionId)) throw new NotFoundError();
  const session = await CounsellingSession.findById(sessionId).lean<CounsellingSessionDoc>();
  if (!session) throw new NotFoundError();
  authorize(actor, 'counselling.record', { institution: String(session.institution) });
  return finish(actor, session, true);
}

/** One session with the applicant's name, for the message after recording it; null if there is none. */
export async function recordedSession(actor: Actor | null, sessionId: unknown) {
  if (typeof sessionId !== 'string' || !mongoose.isValidObjectId(sessionId)) return null;
  const session = await CounsellingSession.findById(sessionId).lean<CounsellingSessionDoc>();
  if (!session) return null;
  authorize(actor, 'counselling.record', { institution: String(session.institution) });
  const [[view], names] = await Promise.all([sessionViews([session]), userNames([session.applicant])]);
  return { ...view!, applicantName: names.get(String(session.applicant)) ?? '' };
}
