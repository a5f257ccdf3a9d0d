import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { acceptsApplications, type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { Intake } from '../counselling/model.js';
import { AppError, ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { contactsOf, namesOfUsers } from '../users/directory.js';
import { User } from '../users/model.js';
import { publishEnrolments } from './events.js';
import {
  type DecisionAction,
  Enrollment,
  type EnrollmentDoc,
  type EnrollmentStatus,
  enrollmentId,
  enrollmentIdPattern,
  type enrollmentSources,
  enrollmentStatuses,
  openStatuses,
} from './model.js';
import { changingSeats, promoteWaitlisted, reconcileSeat, seatsTaken, takeSeats } from './seats.js';

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
    await publishEnrolments(null, [{ id: existing.id, from: existing.status }]);
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
    await publishEnrolments(null, [{ id: String(created._id), from: null }]);
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
    const { matchedCount } = await Enrollment.updateOne(
      { _id: enrollment.id, status: 'applied' },
      { $set: { status: 'waitlisted', waitlistedAt: new Date(), decidedBy } },
    );
    if (matchedCount) await publishEnrolments(decidedBy, [{ id: enrollment.id, from: 'applied' }]);
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
  const before = new Map([...existing].map(([trainee, enrollment]) => [trainee, enrollment.status as string]));
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
  const after = await find();
  // Those takeSeats enrolled were told there; the rest as they stand now (applied, waiting, reopened).
  await publishEnrolments(
    actor.id,
    [...after.values()]
      .filter((enrollment) => !seated.has(enrollment.id))
      .map((enrollment) => ({ id: enrollment.id, from: before.get(enrollment.trainee) ?? null })),
  );
  return after;
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
  await decide(actor!, id, 'reject', ['applied', 'waitlisted'], 'rejected', { reason, decidedBy: actor!.id });
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
    decide(actor, id, 'withdraw', openStatuses, 'withdrawn', { withdrawnAt: new Date(), reason }),
  );
  return readEnrollment(id);
}

/**
 * Marks an enrolled trainee as having completed the cohort; they keep their place and their
 * progress. Called by the completion feature once it has stored the completion record
 * (src/completion/service.ts): a completion is approved there, never by this alone.
 */
export async function completeEnrollment(actor: Actor | null, id: string, at = new Date()): Promise<EnrollmentView> {
  const { enrollment } = await managedEnrollment(actor, id);
  if (enrollment.status === 'completed') return enrollment;
  assertStatus(enrollment, ['enrolled']);
  await decide(actor!, id, 'complete', ['enrolled'], 'completed', { completedAt: at });
  return readEnrollment(id);
}

/**
 * Back from completed to enrolled, when the completion record is revoked and not replaced: the
 * trainee studies on in the same place. Recorded in the history; not a decision to undo (the
 * revocation, with its reason, is kept in the record).
 */
export async function reopenCompletedEnrollment(actor: Actor | null, id: string): Promise<EnrollmentView> {
  const { enrollment } = await managedEnrollment(actor, id);
  if (enrollment.status !== 'completed') return enrollment;
  const { matchedCount } = await Enrollment.updateOne(
    { _id: id, status: 'completed' },
    {
      $set: { status: 'enrolled', completedAt: null, lastChange: null },
      $push: { history: { action: 'revoke-completion', from: 'completed', to: 'enrolled', at: new Date(), by: actor!.id } },
    },
  );
  if (matchedCount) await publishEnrolments(actor!.id, [{ id, from: 'completed' }]);
  return readEnrollment(id);
}

/**
 * Writes a decision: the new status and `set`, the record of what it changed (lastChange, for an
 * undo) and an entry in the history, in one update conditional on the status it read, so the
 * record names the status the decision really changed. A status that moved meanwhile between
 * states the decision allows (applied to waitlisted, say) is read again; one it does not allow
 * leaves the enrolment as it is (the caller reads it back).
 */
async function decide(
  actor: Actor,
  id: string,
  action: DecisionAction,
  allowed: readonly EnrollmentStatus[],
  to: EnrollmentStatus,
  set: Record<string, unknown>,
): Promise<void> {
  for (;;) {
    const current = await Enrollment.findById(id, { status: 1, enrolledAt: 1, reason: 1, decidedBy: 1 }).lean<EnrollmentDoc>();
    if (!current || !allowed.includes(current.status as EnrollmentStatus)) return;
    const at = new Date();
    const lastChange = {
      id: randomUUID(),
      action,
      from: current.status,
      to,
      at,
      by: actor.id,
      before: { enrolledAt: current.enrolledAt ?? null, reason: current.reason ?? '', decidedBy: current.decidedBy ?? null },
      undoneAt: null,
      undoneBy: null,
    };
    const { matchedCount } = await Enrollment.updateOne(
      { _id: id, status: current.status },
      {
        $set: { ...set, status: to, lastChange },
        $push: { history: { action, from: current.status, to, at, by: actor.id } },
      },
    );
    if (matchedCount) return publishEnrolments(actor.id, [{ id, from: current.status }]);
  }
}

/** How long a decision can be undone: long enough to notice a slip, short enough that nobody acted on it yet. */
export const undoWindowMs = 15 * 60 * 1000;

type StoredDecision = NonNullable<EnrollmentDoc['lastChange']>;

/** Whether `change` (the enrolment's last decision) can still be undone, and if not, why (an i18n key). */
function undoRefusal(enrollment: EnrollmentDoc, change: StoredDecision | null | undefined, now: Date): string | null {
  if (!change) return 'enrolment.undo.changedSince';
  // A completion issued a frozen record: it is revoked with a reason (src/completion/), not undone.
  if (change.action === 'complete') return 'enrolment.undo.completionRecord';
  // The trainee's own withdrawal is their choice: staff do not reverse it.
  if (change.by && String(change.by) === String(enrollment.trainee)) return 'enrolment.undo.traineeChoice';
  if (enrollment.status !== change.to) return 'enrolment.undo.changedSince';
  if (now.getTime() - change.at.getTime() > undoWindowMs) return 'enrolment.undo.expired';
  return null;
}

export type UndoResult = { enrollment: EnrollmentView; action: DecisionAction; already: boolean };

/**
 * Undoes the enrolment's last decision, named by `changeId` (what the Undo button carries): only
 * if it is still the last one, the enrolment is still in the state it left, and it was made less
 * than undoWindowMs ago. The write is conditional on all of that, so a retried or doubled undo, or
 * one racing another decision, changes nothing twice: an undo already made answers `already`.
 * - complete: back to enrolled (the place is the same: completed and enrolled both hold it);
 * - reject: back to the application or the waiting list it was on (its place in the list kept);
 * - withdraw: back to what it was; a place is taken again only if one is free, else refused (the
 *   place went to the waiting list meanwhile).
 * Who undid and when is kept in the decision and in the history.
 */
export async function undoDecision(actor: Actor | null, id: string, changeId: string, now = new Date()): Promise<UndoResult> {
  const { cohort } = await managedEnrollment(actor, id);
  const doc = await Enrollment.findById(id, { progress: 0 }).lean<EnrollmentDoc>();
  if (!doc) throw new NotFoundError();
  const change = doc.lastChange;
  const action = (change?.action ?? 'complete') as DecisionAction;
  if (change?.id === changeId && change.undoneAt) return { enrollment: toEnrollmentView(doc), action, already: true };
  const name = (await namesOfUsers([doc.trainee])).get(String(doc.trainee)) ?? '';
  const refused = change?.id === changeId ? undoRefusal(doc, change, now) : 'enrolment.undo.changedSince';
  if (refused) throw new AppError(409, refused, { name });
  const decision = change!;
  const guard = { _id: id, status: decision.to, 'lastChange.id': changeId, 'lastChange.undoneAt': null };
  const undone = { 'lastChange.undoneAt': now, 'lastChange.undoneBy': actor!.id };
  const audit = { history: { action: `undo-${action}`, from: decision.to, to: decision.from, at: now, by: actor!.id } };
  const restored = { reason: decision.before?.reason ?? '', decidedBy: decision.before?.decidedBy ?? null };
  const again = () => undoDecision(actor, id, changeId, now);

  if (action === 'withdraw' && decision.from === 'enrolled') {
    // A place first (seats.ts: taking, the place comes first and the status follows). Claimed as an
    // application, which only takeSeats moves on, so no one else can take the undo meanwhile.
    if ((await seatsTaken(cohort.id)) >= cohort.capacity) throw new AppError(409, 'enrolment.undo.seatTaken', { name });
    const claimed = await Enrollment.updateOne(guard, { $set: { status: 'applied', withdrawnAt: null, ...restored, ...undone } });
    if (!claimed.matchedCount) return again();
    const seated = await takeSeats(
      cohort.id,
      [{ id, appliedAt: doc.appliedAt, status: decision.to }],
      restored.decidedBy ? String(restored.decidedBy) : null,
    );
    if (seated.has(id)) {
      await Enrollment.updateOne(
        { _id: id, status: 'enrolled', 'lastChange.id': changeId },
        { $set: { enrolledAt: decision.before?.enrolledAt ?? now }, $push: audit },
      );
      return { enrollment: await readEnrollment(id), action, already: false };
    }
    // The place went to someone else between the look and the take: the withdrawal stands.
    await Enrollment.updateOne(
      { _id: id, status: 'applied', 'lastChange.id': changeId },
      {
        $set: {
          status: 'withdrawn',
          withdrawnAt: doc.withdrawnAt,
          reason: doc.reason,
          decidedBy: doc.decidedBy,
          'lastChange.undoneAt': null,
          'lastChange.undoneBy': null,
        },
      },
    );
    throw new AppError(409, 'enrolment.undo.seatTaken', { name });
  }

  const set =
    action === 'complete'
      ? { status: 'enrolled', completedAt: null }
      : { status: decision.from, ...restored, ...(action === 'withdraw' ? { withdrawnAt: null } : {}) };
  const { matchedCount } = await Enrollment.updateOne(guard, { $set: { ...set, ...undone }, $push: audit });
  if (!matchedCount) return again();
  await publishEnrolments(actor!.id, [{ id, from: decision.to }]);
  // Back on the waiting list, where a place may be free by now.
  if (decision.from === 'waitlisted') await promoteWaitlisted(cohort.id);
  return { enrollment: await readEnrollment(id), action, already: false };
}

/**
 * What the page after a decision or an undo says about it: who, which cohort, what was done, and
 * whether the viewer can still undo it (the Undo button then carries the decision's id).
 */
export async function decisionNotice(actor: Actor | null, cohortId: string, id: unknown, now = new Date()) {
  if (typeof id !== 'string' || !enrollmentIdPattern.test(id)) return null;
  const doc = await Enrollment.findById(id, { progress: 0 }).lean<EnrollmentDoc>();
  const change = doc?.lastChange;
  if (!doc || !change || String(doc.cohort) !== cohortId) return null;
  const cohort = await findCohort(cohortId);
  if (!can(actor, 'cohort.view', cohortRef(cohort))) return null;
  const name = (await namesOfUsers([doc.trainee])).get(String(doc.trainee)) ?? '';
  return {
    enrollment: id,
    name,
    cohortName: cohort.name,
    action: change.action as DecisionAction,
    from: change.from as EnrollmentStatus,
    status: doc.status as EnrollmentStatus,
    change: change.id,
    undone: Boolean(change.undoneAt),
    undoable: !change.undoneAt && can(actor, 'cohort.manage', cohortRef(cohort)) && undoRefusal(doc, change, now) === null,
    undoUntil: new Date(change.at.getTime() + undoWindowMs),
  };
}
export type DecisionNotice = NonNullable<Awaited<ReturnType<typeof decisionNotice>>>;

/**
 * What a decision about to be made will do, for its confirmation page: the trainee, the cohort,
 * the lessons they completed (the route counts them against the program) and how many wait for a
 * place that a withdrawal would free. Refused as the decision itself would be.
 */
export async function decisionPreview(actor: Actor | null, id: string, action: DecisionAction) {
  const enrollment = await readEnrollment(id);
  const cohort = await findCohort(enrollment.cohort);
  if (action === 'withdraw') authorize(actor, 'enrolment.withdraw', { trainee: enrollment.trainee, cohort: cohortRef(cohort) });
  else authorize(actor, 'cohort.manage', cohortRef(cohort));
  assertStatus(enrollment, action === 'complete' ? ['enrolled'] : action === 'reject' ? ['applied', 'waitlisted'] : openStatuses);
  const [doc, names, waiting] = await Promise.all([
    Enrollment.findById(id, { 'progress.completed': 1 }).lean<EnrollmentDoc>(),
    namesOfUsers([enrollment.trainee]),
    Enrollment.countDocuments({ cohort: cohort.id, status: 'waitlisted' }),
  ]);
  return {
    enrollment,
    cohort,
    name: names.get(enrollment.trainee) ?? '',
    self: enrollment.trainee === actor!.id,
    completedLessons: doc?.progress?.completed ?? [],
    waiting,
  };
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
