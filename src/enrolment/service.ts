import mongoose from 'mongoose';
import { acceptsApplications, type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { Intake } from '../counselling/model.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { contactsOf } from '../users/directory.js';
import { User } from '../users/model.js';
import {
  Enrollment,
  type EnrollmentDoc,
  type EnrollmentStatus,
  enrollmentId,
  enrollmentIdPattern,
  type enrollmentSources,
  enrollmentStatuses,
  openStatuses,
} from './model.js';
import { changingSeats, promoteWaitlisted, reconcileSeat, takeSeats } from './seats.js';

export type EnrollmentView = {
  id: string;
  cohort: string;
  trainee: string;
  status: EnrollmentStatus;
  source: string;
  appliedAt: Date;
  waitlistedAt: Date | null;
  enrolledAt: Date | null;
  completedAt: Date | null;
  withdrawnAt: Date | null;
  reason: string;
};

export function toEnrollmentView(enrollment: EnrollmentDoc): EnrollmentView {
  return {
    id: String(enrollment._id),
    cohort: String(enrollment.cohort),
    trainee: String(enrollment.trainee),
    status: enrollment.status as EnrollmentStatus,
    source: enrollment.source ?? 'application',
    appliedAt: enrollment.appliedAt ?? enrollment.createdAt,
    waitlistedAt: enrollment.waitlistedAt ?? null,
    enrolledAt: enrollment.enrolledAt ?? null,
    completedAt: enrollment.completedAt ?? null,
    withdrawnAt: enrollment.withdrawnAt ?? null,
    reason: enrollment.reason ?? '',
  };
}

async function readEnrollment(id: string): Promise<EnrollmentView> {
  if (!enrollmentIdPattern.test(id)) throw new NotFoundError();
  const enrollment = await Enrollment.findById(id).lean<EnrollmentDoc>();
  if (!enrollment) throw new NotFoundError();
  return toEnrollmentView(enrollment);
}

export async function enrollmentOf(traineeId: string, cohortId: string): Promise<EnrollmentView | null> {
  if (!mongoose.isValidObjectId(cohortId)) return null;
  const enrollment = await Enrollment.findById(enrollmentId(cohortId, traineeId)).lean<EnrollmentDoc>();
  return enrollment ? toEnrollmentView(enrollment) : null;
}

type Source = (typeof enrollmentSources)[number];

/**
 * Creates the trainee's application to the cohort, or reopens one they withdrew from or were
 * refused; an open one is returned as it is, so a double click or a retried request changes
 * nothing. Two requests at once cannot create two: the (cohort, trainee) index lets one insert.
 */
async function openApplication(
  cohort: CohortView,
  traineeId: string,
  fields: { source: Source; counselling?: string | null },
): Promise<EnrollmentView> {
  const existing = await enrollmentOf(traineeId, cohort.id);
  if (existing && openStatuses.concat('completed').includes(existing.status)) return existing;
  const opened = {
    status: 'applied' as const,
    source: fields.source,
    counselling: fields.counselling ?? null,
    appliedAt: new Date(),
    waitlistedAt: null,
    withdrawnAt: null,
    reason: '',
    decidedBy: null,
  };
  if (existing) {
    await Enrollment.updateOne({ _id: existing.id, status: { $in: ['withdrawn', 'rejected'] } }, { $set: opened });
    return readEnrollment(existing.id);
  }
  try {
    const created = await Enrollment.create({
      _id: enrollmentId(cohort.id, traineeId),
      ...opened,
      cohort: cohort.id,
      trainee: traineeId,
      institution: cohort.institution,
    });
    return toEnrollmentView(created.toObject() as EnrollmentDoc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return (await enrollmentOf(traineeId, cohort.id))!;
  }
}

/**
 * Gives an application or a waiting trainee a place if one is free, else puts them on the waiting
 * list. The place is taken first and is what counts (see seats.ts); if the enrolment was withdrawn
 * meanwhile, the place is handed on.
 */
async function place(cohort: CohortView, enrollment: EnrollmentView, decidedBy: string | null): Promise<EnrollmentView> {
  if (enrollment.status === 'enrolled' || enrollment.status === 'completed') return enrollment;
  if (!(await takeSeats(cohort.id, [enrollment], decidedBy)).size) {
    await Enrollment.updateOne(
      { _id: enrollment.id, status: 'applied' },
      { $set: { status: 'waitlisted', waitlistedAt: new Date(), decidedBy } },
    );
    // A place freed or the capacity grew since we looked: whoever waits longest moves up.
    await promoteWaitlisted(cohort.id);
  }
  return readEnrollment(enrollment.id);
}

/** A trainee's enrolments, newest first (indexed by trainee). */
export async function traineeEnrollments(traineeId: string): Promise<EnrollmentDoc[]> {
  return Enrollment.find({ trainee: traineeId }).sort({ appliedAt: -1 }).lean<EnrollmentDoc[]>();
}

/** A trainee applies to a cohort that takes applications now, after telling the counsellor about themself. */
export async function applyToCohort(actor: Actor | null, cohortId: string): Promise<EnrollmentView> {
  authorize(actor, 'enrolment.apply');
  const cohort = await findCohort(cohortId);
  if (!acceptsApplications(cohort)) throw new ConflictError('enrolment.errors.closed');
  if (!(await Intake.exists({ _id: actor.id }))) throw new ConflictError('enrolment.errors.intakeFirst');
  const enrollment = await openApplication(cohort, actor.id, { source: 'application' });
  return cohort.autoApprove && enrollment.status === 'applied' ? place(cohort, enrollment, null) : enrollment;
}

/**
 * Staff open an application for a trainee (after counselling, or adding them by hand), outside the
 * enrolment window if need be, but never to a finished cohort.
 */
export async function applyOnBehalf(
  actor: Actor | null,
  cohortId: string,
  traineeId: string,
  fields: { source: Exclude<Source, 'application'>; counselling?: string | null; enrolNow?: boolean },
): Promise<EnrollmentView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'cohort.manage', cohortRef(cohort));
  if (cohort.status === 'finished') throw new ConflictError('enrolment.errors.finished', 'cohort');
  if (!mongoose.isValidObjectId(traineeId) || !(await User.exists({ _id: traineeId, role: 'trainee' }))) {
    throw new ValidationError([{ field: 'trainee', key: 'enrolment.errors.notTrainee' }]);
  }
  const enrollment = await openApplication(cohort, traineeId, fields);
  return fields.enrolNow ? place(cohort, enrollment, actor.id) : enrollment;
}

/**
 * Enrols many trainees at once (bulk import), in the order given: the first get the free places,
 * the rest the waiting list. The same rules as applyOnBehalf with `enrolNow`, in a handful of
 * queries for the whole list. Trainees who already have an open or completed enrolment keep it;
 * withdrawn or refused ones are reopened. Returns each trainee's enrolment.
 */
export async function enrolMany(
  actor: Actor | null,
  cohortId: string,
  traineeIds: string[],
  source: Exclude<Source, 'application'>,
): Promise<Map<string, EnrollmentView>> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'cohort.manage', cohortRef(cohort));
  if (cohort.status === 'finished') throw new ConflictError('enrolment.errors.finished', 'cohort');
  const trainees = new Set(
    (await User.find({ _id: { $in: traineeIds }, role: 'trainee' }, { _id: 1 }).lean()).map((user) => String(user._id)),
  );
  if (traineeIds.some((id) => !trainees.has(id))) {
    throw new ValidationError([{ field: 'trainee', key: 'enrolment.errors.notTrainee' }]);
  }
  const find = async () =>
    new Map(
      (await Enrollment.find({ cohort: cohortId, trainee: { $in: traineeIds } }).lean<EnrollmentDoc[]>()).map((enrollment) => [
        String(enrollment.trainee),
        toEnrollmentView(enrollment),
      ]),
    );
  let existing = await find();
  const now = new Date();
  const opened = { status: 'applied' as const, source, appliedAt: now, waitlistedAt: null, withdrawnAt: null, reason: '' };
  const reopen = [...existing.values()].filter((e) => e.status === 'withdrawn' || e.status === 'rejected').map((e) => e.id);
  if (reopen.length)
    await Enrollment.updateMany({ _id: { $in: reopen }, status: { $in: ['withdrawn', 'rejected'] } }, { $set: opened });
  // Applied a millisecond apart in the order given, which is also the order of their waiting list.
  const fresh = traineeIds
    .filter((id) => !existing.has(id))
    .map((trainee, index) => ({
      _id: enrollmentId(cohortId, trainee),
      ...opened,
      appliedAt: new Date(now.getTime() + index),
      cohort: cohortId,
      trainee,
      institution: cohort.institution,
    }));
  if (fresh.length) {
    await Enrollment.insertMany(fresh, { ordered: false }).catch((error) => {
      // Another request enrolled some of them meanwhile: theirs stands.
      if (!isDuplicateKeyError(error)) throw error;
    });
  }
  existing = await find();
  const waiting = traineeIds
    .map((id) => existing.get(id))
    .filter((e): e is EnrollmentView => e !== undefined && (e.status === 'applied' || e.status === 'waitlisted'));
  // Withdrawn or refused between taking the place and the status write: takeSeats hands it on.
  const seated = await takeSeats(cohortId, waiting, actor.id);
  const unplaced = waiting.filter((e) => !seated.has(e.id) && e.status === 'applied').map((e) => e.id);
  // One at a time, each a millisecond later: the waiting list keeps the order given.
  for (const [index, id] of unplaced.entries()) {
    await Enrollment.updateOne(
      { _id: id, status: 'applied' },
      { $set: { status: 'waitlisted', waitlistedAt: new Date(now.getTime() + index), decidedBy: actor.id } },
    );
  }
  // A place freed or the capacity grew while we waitlisted: whoever waits longest moves up.
  if (waiting.length > seated.size) await promoteWaitlisted(cohortId);
  return find();
}

/** An enrolment with its cohort, for a decision by whoever manages the cohort. */
async function managedEnrollment(actor: Actor | null, id: string) {
  const enrollment = await readEnrollment(id);
  const cohort = await findCohort(enrollment.cohort);
  authorize(actor, 'cohort.manage', cohortRef(cohort));
  return { enrollment, cohort };
}

function assertStatus(enrollment: EnrollmentView, allowed: readonly EnrollmentStatus[]): void {
  if (!allowed.includes(enrollment.status)) {
    throw new ConflictError('enrolment.errors.notFromStatus');
  }
}

/** Approves an application: a place if one is free, else the waiting list. Approving twice is harmless. */
export async function approveEnrollment(actor: Actor | null, id: string): Promise<EnrollmentView> {
  const { enrollment, cohort } = await managedEnrollment(actor, id);
  if (enrollment.status === 'enrolled') return enrollment;
  assertStatus(enrollment, ['applied', 'waitlisted']);
  return place(cohort, enrollment, actor!.id);
}

export async function rejectEnrollment(actor: Actor | null, id: string, reason: string): Promise<EnrollmentView> {
  const { enrollment } = await managedEnrollment(actor, id);
  if (enrollment.status === 'rejected') return enrollment;
  assertStatus(enrollment, ['applied', 'waitlisted']);
  await Enrollment.updateOne(
    { _id: id, status: { $in: ['applied', 'waitlisted'] } },
    { $set: { status: 'rejected', reason, decidedBy: actor!.id } },
  );
  // A place being taken for it at this moment is handed on.
  await reconcileSeat(enrollment.cohort, id);
  return readEnrollment(id);
}

/** The trainee leaves (or staff withdraw them); their place goes to the first on the waiting list. */
export async function withdrawEnrollment(actor: Actor | null, id: string, reason: string): Promise<EnrollmentView> {
  const enrollment = await readEnrollment(id);
  const cohort = await findCohort(enrollment.cohort);
  authorize(actor, 'enrolment.withdraw', { trainee: enrollment.trainee, cohort: cohortRef(cohort) });
  if (enrollment.status === 'withdrawn') return enrollment;
  assertStatus(enrollment, openStatuses);
  await changingSeats(cohort.id, [id], () =>
    Enrollment.updateOne(
      { _id: id, status: { $in: openStatuses } },
      { $set: { status: 'withdrawn', withdrawnAt: new Date(), reason } },
    ),
  );
  return readEnrollment(id);
}

/** Marks an enrolled trainee as having completed the cohort; they keep their place and their progress. */
export async function completeEnrollment(actor: Actor | null, id: string): Promise<EnrollmentView> {
  const { enrollment } = await managedEnrollment(actor, id);
  if (enrollment.status === 'completed') return enrollment;
  assertStatus(enrollment, ['enrolled']);
  await Enrollment.updateOne({ _id: id, status: 'enrolled' }, { $set: { status: 'completed', completedAt: new Date() } });
  return readEnrollment(id);
}

/** A cohort's enrolments in one state, oldest first (the waiting list in its order), with names. */
export async function cohortEnrollments(actor: Actor | null, cohortId: string, status: EnrollmentStatus) {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'cohort.view', cohortRef(cohort));
  const enrollments = await Enrollment.find({ cohort: cohortId, status }, { progress: 0 })
    .sort(status === 'waitlisted' ? { waitlistedAt: 1, _id: 1 } : { appliedAt: 1, _id: 1 })
    .limit(2000)
    .lean<EnrollmentDoc[]>();
  const byId = await contactsOf(enrollments.map((e) => e.trainee));
  return enrollments.map((enrollment) => {
    const person = byId.get(String(enrollment.trainee));
    return { ...toEnrollmentView(enrollment), name: person?.name ?? '', email: person?.email ?? '', phone: person?.phone ?? '' };
  });
}

/** How many enrolments a cohort has in each state, for its page. */
export async function enrollmentCounts(cohortId: string): Promise<Record<EnrollmentStatus, number>> {
  const groups = await Enrollment.aggregate<{ _id: EnrollmentStatus; count: number }>([
    { $match: { cohort: new mongoose.Types.ObjectId(cohortId) } },
    { $group: { _id: '$status', count: { $sum: 1 } } },
  ]);
  const counts = Object.fromEntries(enrollmentStatuses.map((status) => [status, 0])) as Record<EnrollmentStatus, number>;
  for (const group of groups) counts[group._id] = group.count;
  return counts;
}

/** The cohort an enrolment belongs to, or '' when there is no such enrolment (the page then says not found). */
export async function cohortOfEnrollment(id: string): Promise<string> {
  const enrollment = await Enrollment.findById(id, { cohort: 1 }).lean<EnrollmentDoc>();
  return enrollment ? String(enrollment.cohort) : '';
}
