import mongoose from 'mongoose';
import { outlineAssignments } from '../assessments/assignments/listing.js';
import { outlineQuizzes } from '../assessments/quizzes/listing.js';
import { Cohort, type CohortDoc } from '../cohorts/model.js';
import { upcomingSessions } from '../cohorts/schedule.js';
import { type CohortView, findCohort, toCohortView } from '../cohorts/service.js';
import { Enrollment, type EnrollmentDoc, enrollmentId } from '../enrolment/model.js';
import { toEnrollmentView, traineeEnrollments } from '../enrolment/service.js';
import { ForbiddenError, NotFoundError } from '../platform/errors.js';
import { publish } from '../platform/events.js';
import { type Actor, authorize, runsOwnProgram } from '../platform/permissions.js';
import { lessonFileIds, lessonInSnapshot, publishedLessonHtml, type Snapshot, versionSnapshot } from '../programs/publishing.js';
import { contactsOf } from '../users/directory.js';
import { publishCompletions, publishReopened } from './events.js';
import { courseOutline, resumeOf } from './outline.js';
import { completesBy, computeProgress, lessonIds } from './progress.js';
import { type ProgressEvent, type ProgressRefusal, progressEvent } from './schemas.js';

/**
 * The program version a cohort runs: immutable, so served from memory (programs/publishedCache.ts).
 * A cohort made on another institution's program (before that was refused) opens none of it.
 */
export async function cohortSnapshot(cohort: Pick<CohortView, 'program' | 'version' | 'institution'>): Promise<Snapshot> {
  const snapshot = await versionSnapshot(cohort.program, cohort.version);
  if (!runsOwnProgram({ cohort, program: { institution: snapshot.institution.id } })) throw new ForbiddenError();
  return snapshot;
}

/** Where the trainee stands in the cohort, as their enrolment stores it. */
const placeOf = (enrollment: EnrollmentDoc) => ({
  completed: enrollment.progress?.completed ?? [],
  lastLesson: enrollment.progress?.lastLesson ?? '',
  position: enrollment.progress?.position ?? 0,
});

/** "My learning": every cohort the trainee applied to or studies in, with progress and what comes next. */
export async function myLearning(actor: Actor | null, now = new Date()) {
  authorize(actor, 'enrolment.apply');
  const enrollments = (await traineeEnrollments(actor.id)).filter((enrollment) => enrollment.status !== 'rejected');
  const cohorts = await Cohort.find({ _id: { $in: enrollments.map((enrollment) => enrollment.cohort) } }).lean<CohortDoc[]>();
  const cohortById = new Map(cohorts.map((cohort) => [String(cohort._id), toCohortView(cohort)]));
  const cards = await Promise.all(
    enrollments.map(async (enrollment) => {
      const cohort = cohortById.get(String(enrollment.cohort));
      if (!cohort) return null;
      const studying = enrollment.status === 'enrolled' || enrollment.status === 'completed';
      const snapshot = studying ? await cohortSnapshot(cohort).catch(() => null) : null;
      const progress = snapshot
        ? computeProgress(snapshot, enrollment.progress?.completed ?? [], enrollment.progress?.lastLesson ?? '')
        : null;
      const deadlines = [
        ...(enrollment.status === 'applied' || enrollment.status === 'waitlisted'
          ? [{ key: 'learning.deadline.enrolmentCloses', date: cohort.enrolmentCloses }]
          : []),
        { key: 'learning.deadline.starts', date: cohort.startsOn },
        { key: 'learning.deadline.ends', date: cohort.endsOn },
      ].filter((deadline) => deadline.date > now);
      return {
        enrollment: toEnrollmentView(enrollment),
        cohort,
        progress,
        resume: progress ? resumeOf(progress, placeOf(enrollment)) : 0,
        lastActivityAt: enrollment.progress?.lastActivityAt ?? null,
        // The lessons the server has as done: the page counts completions still queued on the device besides them.
        completedLessons: enrollment.progress?.completed ?? [],
        sessions: studying && enrollment.status !== 'completed' ? upcomingSessions(cohort, now) : [],
        deadlines,
      };
    }),
  );
  return cards.filter((card) => card !== null);
}

/** The trainee's enrolment in the cohort, if it lets them study. */
async function studyingEnrollment(actor: Actor | null, cohortId: string): Promise<EnrollmentDoc> {
  if (!actor) throw new ForbiddenError();
  if (!mongoose.isValidObjectId(cohortId)) throw new NotFoundError();
  const enrollment = await Enrollment.findById(enrollmentId(cohortId, actor.id)).lean<EnrollmentDoc>();
  authorize(actor, 'cohort.study', { trainee: String(enrollment?.trainee ?? ''), status: enrollment?.status ?? '' });
  return enrollment!;
}

/**
 * Moves the trainee's place to `lessonId` at `at`, unless a newer place is stored already (a late
 * offline replay must not move them back). One conditional update: atomic on MongoDB, and on
 * FerretDB too, where updates go through one connection (platform/db/ferretdbAdapter.ts).
 */
async function movePlace(enrollmentId: string, lessonId: string, position: number, at: Date, now: Date): Promise<void> {
  await Enrollment.updateOne(
    { _id: enrollmentId, $or: [{ 'progress.positionAt': null }, { 'progress.positionAt': { $lt: at } }] },
    {
      $set: {
        'progress.lastLesson': lessonId,
        'progress.position': position,
        'progress.positionAt': at,
        'progress.lastActivityAt': now,
      },
    },
  );
}

/**
 * A lesson of the cohort's program, for one of its trainees, with where they are. Opening it
 * records it as the place to resume (at its start, unless it was the place already), so "My
 * learning" continues there on any device, with or without the page's script.
 */
export async function studyLesson(actor: Actor | null, cohortId: string, lessonId: string, now = new Date()) {
  const enrollment = await studyingEnrollment(actor, cohortId);
  const cohort = await findCohort(cohortId);
  const snapshot = await cohortSnapshot(cohort);
  const place = lessonInSnapshot(snapshot, lessonId);
  const html = await publishedLessonHtml(cohort.program, cohort.version, lessonId);
  const sameLesson = enrollment.progress?.lastLesson === lessonId;
  if (sameLesson) {
    await Enrollment.updateOne({ _id: enrollment._id }, { $set: { 'progress.lastActivityAt': now } });
  } else {
    await movePlace(String(enrollment._id), lessonId, 0, now, now);
  }
  await publish('lesson.opened', {
    trainee: actor!.id,
    cohort: cohort.id,
    institution: cohort.institution,
    lesson: lessonId,
    title: place.lesson.title,
    at: now,
  });
  const completed = new Set(enrollment.progress?.completed ?? []);
  return {
    cohort,
    snapshot,
    ...place,
    html,
    enrollment: String(enrollment._id),
    completed: completed.has(lessonId),
    completesBy: completesBy(place.lesson),
    resumeAt: sameLesson ? (enrollment.progress?.position ?? 0) : 0,
    progress: computeProgress(snapshot, completed, lessonId).overall,
    // The lessons the server has as done: the page counts completions still queued on the device besides them.
    completedLessons: [...completed],
  };
}

/**
 * The cohort's course home for one of its trainees (the same who may open its lessons): every
 * module and lesson with what is done, where to continue, and the units covered. Reading it
 * changes nothing: the place to resume moves only when a lesson is opened.
 */
export async function studyOutline(actor: Actor | null, cohortId: string) {
  const enrollment = await studyingEnrollment(actor, cohortId);
  const cohort = await findCohort(cohortId);
  const snapshot = await cohortSnapshot(cohort);
  const place = placeOf(enrollment);
  return {
    cohort,
    snapshot,
    status: enrollment.status,
    outline: courseOutline(snapshot, place),
    // The cohort's assignments beside the lessons, each with this trainee's state and due date.
    assignments: await outlineAssignments(cohortId, actor!.id),
    // Its quizzes, each with this trainee's state: a module's within the module, a unit's with the unit.
    quizzes: await outlineQuizzes(cohortId, actor!.id),
    // The lessons the server has as done: the page counts completions still queued on the device besides them.
    completedLessons: place.completed,
  };
}

/** The trainee's enrolment and program in the cohort, or null when they may not record progress in it. */
async function studyPlace(
  actor: Actor,
  cohortId: string,
): Promise<{ enrollment: EnrollmentDoc; snapshot: Snapshot; cohort: CohortView } | null> {
  try {
    const enrollment = await studyingEnrollment(actor, cohortId);
    const cohort = await findCohort(cohortId);
    return { enrollment, snapshot: await cohortSnapshot(cohort), cohort };
  } catch (error) {
    // Not enrolled (withdrawn meanwhile, never), or the cohort is gone: for good, so the device may
    // drop the events. Anything else (the database did not answer) must reach the device as an
    // error, or it would drop events that were never stored.
    if (error instanceof ForbiddenError || error instanceof NotFoundError) return null;
    throw error;
  }
}

/** The id of an event that is not valid, when it has one to answer by (progressBatch makes sure it has). */
const idOf = (event: unknown) => {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
};

/**
 * When an event happened, on our clock. A phone's clock may be minutes (or days) off: read against
 * the device's own clock when it sent the batch, an event keeps how long before sending it
 * happened, so places from two devices, and a lesson opened here, compare by when they really
 * happened. Without `sentAt`, the device's time as it is. Never later than its arrival: a clock
 * ahead of ours must not pin the place.
 */
function serverTime(at: Date, sentAt: Date | undefined, now: Date): Date {
  const shifted = sentAt ? at.getTime() + (now.getTime() - sentAt.getTime()) : at.getTime();
  return new Date(Math.min(shifted, now.getTime()));
}

export type ProgressResult = {
  /** Events the database holds now (stored by this request or an earlier one): the device forgets them. */
  stored: string[];
  /** Events refused for good, and why; the device forgets them, except those of another account. */
  refused: { id: string; reason: ProgressRefusal }[];
  cohorts: { cohort: string; done: number; total: number; percent: number; completed: string[] }[];
};

/**
 * Records progress events, as sent by the lesson page now or replayed later by a phone that was
 * offline, and says per event whether it is stored or refused for good. Completions are set
 * members, so a replayed event is stored again without changing anything; a position is kept only
 * if it happened after the one stored (serverTime). Events of another account (a shared
 * phone), not valid, or for a cohort the trainee may not study (withdrawn meanwhile) are refused.
 * A database failure is thrown, never reported as a refusal: the device must send those again.
 */
export async function recordProgress(
  actor: Actor | null,
  events: readonly unknown[],
  { sentAt, now = new Date() }: { sentAt?: Date; now?: Date } = {},
): Promise<ProgressResult> {
  authorize(actor, 'enrolment.apply');
  const stored = new Set<string>();
  const refused = new Map<string, ProgressRefusal>();
  const byCohort = new Map<string, ProgressEvent[]>();
  for (const candidate of events) {
    const parsed = progressEvent.safeParse(candidate);
    if (!parsed.success) {
      const id = idOf(candidate);
      if (id !== null) refused.set(id, 'invalid');
    } else if (parsed.data.account !== actor.id) {
      refused.set(parsed.data.id, 'account');
    } else {
      byCohort.set(parsed.data.cohort, [...(byCohort.get(parsed.data.cohort) ?? []), parsed.data]);
    }
  }
  const cohorts: ProgressResult['cohorts'] = [];
  for (const [cohortId, cohortEvents] of byCohort) {
    const place = await studyPlace(actor, cohortId);
    const known = new Set(place ? lessonIds(place.snapshot) : []);
    const valid = cohortEvents.filter((event) => known.has(event.lesson));
    for (const event of cohortEvents) if (!known.has(event.lesson)) refused.set(event.id, place ? 'invalid' : 'notEnrolled');
    if (!place || !valid.length) continue;
    const completions = [...new Set(valid.filter((event) => event.kind === 'complete').map((event) => event.lesson))];
    const positions = valid.filter((event) => event.kind === 'position').sort((a, b) => b.at.getTime() - a.at.getTime());
    const newest = positions[0];
    // The stored set as it is after this write (another device's completions included), for the answer.
    const updated = await Enrollment.findOneAndUpdate(
      { _id: place.enrollment._id },
      {
        $set: { 'progress.lastActivityAt': now },
        ...(completions.length ? { $addToSet: { 'progress.completed': { $each: completions } } } : {}),
      },
      { returnDocument: 'after' },
    ).lean<EnrollmentDoc>();
    if (!updated) {
      for (const event of valid) refused.set(event.id, 'notEnrolled'); // the enrolment was deleted meanwhile
      continue;
    }
    if (newest) {
      const at = serverTime(newest.at, sentAt, now);
      await movePlace(String(place.enrollment._id), newest.lesson, newest.position ?? 0, at, now);
    }
    // Older positions of the batch are stored as far as they matter: a newer one supersedes them.
    for (const event of valid) stored.add(event.id);
    const completed = updated.progress?.completed ?? [];
    const before = place.enrollment.progress?.completed ?? [];
    await publishCompletions({ cohort: place.cohort, snapshot: place.snapshot, trainee: actor.id }, before, completed, now);
    cohorts.push({ cohort: cohortId, ...computeProgress(place.snapshot, completed).overall, completed });
  }
  return { stored: [...stored], refused: [...refused].map(([id, reason]) => ({ id, reason })), cohorts };
}

/** Marks a lesson done by hand and returns the lesson after it, if any. */
export async function completeLesson(actor: Actor | null, cohortId: string, lessonId: string): Promise<string | null> {
  const { refused } = await recordProgress(actor, [
    { id: 'form', account: actor?.id, cohort: cohortId, lesson: lessonId, kind: 'complete', via: 'manual', at: new Date() },
  ]);
  if (refused[0]?.reason === 'notEnrolled') throw new ForbiddenError();
  if (refused.length) throw new NotFoundError();
  const sequence = lessonIds(await cohortSnapshot(await findCohort(cohortId)));
  return sequence[sequence.indexOf(lessonId) + 1] ?? null;
}

/** Marks a lesson not done again (a trainee who ticked it by mistake). */
export async function markIncomplete(actor: Actor | null, cohortId: string, lessonId: string): Promise<void> {
  const enrollment = await studyingEnrollment(actor, cohortId);
  const updated = await Enrollment.findOneAndUpdate(
    { _id: enrollment._id },
    { $pull: { 'progress.completed': lessonId } },
    { returnDocument: 'after' },
  ).lean<EnrollmentDoc>();
  if (!updated || !(enrollment.progress?.completed ?? []).includes(lessonId)) return;
  const cohort = await findCohort(cohortId);
  const place = { cohort, snapshot: await cohortSnapshot(cohort), trainee: actor!.id };
  await publishReopened(place, lessonId, updated.progress?.completed ?? [], new Date());
}

/**
 * A lesson file for a trainee of the cohort. A download counts: a lesson made of files is done
 * once each of its files was downloaded.
 */
export async function studyFile(actor: Actor | null, cohortId: string, fileId: string, download: boolean) {
  const enrollment = await studyingEnrollment(actor, cohortId);
  const cohort = await findCohort(cohortId);
  const snapshot = await cohortSnapshot(cohort);
  const lesson = snapshot.modules
    .flatMap((module) => module.lessons)
    .find((candidate) => lessonFileIds(candidate).includes(fileId));
  if (!lesson) throw new NotFoundError();
  if (download && lesson.files.some((file) => file.id === fileId)) {
    const downloaded = new Set([...(enrollment.progress?.files ?? []), fileId]);
    const done = completesBy(lesson) === 'files' && lesson.files.every((file) => downloaded.has(file.id));
    const at = new Date();
    const updated = await Enrollment.findOneAndUpdate(
      { _id: enrollment._id },
      {
        $addToSet: { 'progress.files': fileId, ...(done ? { 'progress.completed': lesson.id } : {}) },
        $set: { 'progress.lastActivityAt': at },
      },
      { returnDocument: 'after' },
    ).lean<EnrollmentDoc>();
    if (done && updated) {
      const place = { cohort, snapshot, trainee: actor!.id };
      await publishCompletions(place, enrollment.progress?.completed ?? [], updated.progress?.completed ?? [], at);
    }
  }
  return fileId;
}

/** Since when an enrolled trainee has been silent: their last activity, else when they could first have studied. */
function silentSince(enrollment: EnrollmentDoc, lastActivityAt: Date | null, cohort: CohortView): number {
  if (lastActivityAt) return lastActivityAt.getTime();
  // enrolledAt is set by every approval; an older record without it falls back to its application.
  const placed = (enrollment.enrolledAt ?? enrollment.appliedAt ?? enrollment.createdAt)?.getTime() ?? 0;
  return Math.max(placed, cohort.startsOn.getTime());
}

/** The cohort's trainees with their progress and last activity, for its instructors and coordinators. */
export async function cohortRoster(cohort: CohortView, now = new Date()) {
  const snapshot = await cohortSnapshot(cohort);
  const total = lessonIds(snapshot).length;
  const enrollments = await Enrollment.find({ cohort: cohort.id, status: { $in: ['enrolled', 'completed'] } })
    .limit(2000)
    .lean<EnrollmentDoc[]>();
  const byId = await contactsOf(enrollments.map((e) => e.trainee));
  const known = new Set(lessonIds(snapshot));
  const weekAgo = now.getTime() - 7 * 86_400_000;
  return enrollments
    .map((enrollment) => {
      const person = byId.get(String(enrollment.trainee));
      const done = (enrollment.progress?.completed ?? []).filter((id) => known.has(id)).length;
      const lastActivityAt = enrollment.progress?.lastActivityAt ?? null;
      return {
        enrollment: String(enrollment._id),
        trainee: String(enrollment.trainee),
        name: person?.name ?? '',
        email: person?.email ?? '',
        phone: person?.phone ?? '',
        status: enrollment.status,
        done,
        total,
        percent: total ? Math.floor((done / total) * 100) : 0,
        lastActivityAt,
        /**
         * Enrolled, not finished, and silent for a week. Without any activity yet the week counts from
         * when they could start (their place, or the cohort's first day if later): a trainee approved a
         * minute ago, or waiting for the cohort to begin, is not inactive.
         */
        inactive: enrollment.status === 'enrolled' && silentSince(enrollment, lastActivityAt, cohort) < weekAgo,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
