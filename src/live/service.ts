import mongoose from 'mongoose';
import { wibDateTime } from '../assessments/assignments/schemas.js';
import { Cohort, type CohortDoc } from '../cohorts/model.js';
import { type CohortView, cohortRef, dayOf, findCohort, toCohortView } from '../cohorts/service.js';
import { enrollmentOf, traineeEnrollments } from '../enrolment/service.js';
import { cohortSnapshot } from '../learning/service.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { LiveSession, type LiveSessionDoc, type LiveStatus } from './model.js';
import { type GenerateInput, liveLimits, type SessionInput } from './schemas.js';

/**
 * Live sessions of a cohort: its staff schedule them one by one or from the cohort's weekly
 * slot, move and cancel them ('live.schedule'); its trainees see them ('live.view'). Times are
 * stored as instants and typed and shown in the institution's zone (WIB, assignments/schemas.ts).
 */

export type LiveSessionView = {
  id: string;
  cohort: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  module: string;
  meetingUrl: string;
  status: LiveStatus;
  revision: number;
  change: '' | 'moved' | 'cancelled';
  changedAt: Date | null;
};

export const toSessionView = (doc: LiveSessionDoc): LiveSessionView => ({
  id: String(doc._id),
  cohort: String(doc.cohort),
  title: doc.title,
  startsAt: doc.startsAt,
  endsAt: new Date(doc.startsAt.getTime() + doc.durationMinutes * 60_000),
  durationMinutes: doc.durationMinutes,
  module: doc.module ?? '',
  meetingUrl: doc.meetingUrl ?? '',
  status: doc.status as LiveStatus,
  revision: doc.revision ?? 1,
  change: (doc.change ?? '') as LiveSessionView['change'],
  changedAt: doc.changedAt ?? null,
});

/** The API's form of a session. */
export const apiSession = (session: LiveSessionView) => ({
  id: session.id,
  cohort: session.cohort,
  title: session.title,
  startsAt: session.startsAt.toISOString(),
  endsAt: session.endsAt.toISOString(),
  durationMinutes: session.durationMinutes,
  module: session.module,
  meetingUrl: session.meetingUrl,
  status: session.status,
  revision: session.revision,
});

/** A cohort's sessions, oldest first. Found by the indexed cohort; a cohort has at most a few hundred. */
export async function sessionsOf(cohortId: string): Promise<LiveSessionView[]> {
  const docs = await LiveSession.find({ cohort: cohortId }).limit(2_000).lean<LiveSessionDoc[]>();
  return docs.map(toSessionView).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** The cohort, if the actor may schedule its sessions. */
export async function scheduledCohort(actor: Actor | null, cohortId: string): Promise<CohortView> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'live.schedule', cohortRef(cohort));
  return cohort;
}

/** The cohort, if the actor may see its sessions; and whether they may schedule them. */
export async function viewedCohort(actor: Actor | null, cohortId: string) {
  const cohort = await findCohort(cohortId);
  const enrolment = actor?.role === 'trainee' ? await enrollmentOf(actor.id, cohort.id) : null;
  authorize(actor, 'live.view', {
    cohort: cohortRef(cohort),
    enrolment: enrolment ? { trainee: enrolment.trainee, status: enrolment.status } : null,
  });
  return { cohort, manages: can(actor, 'live.schedule', cohortRef(cohort)) };
}

/** The cohort's sessions for the actor: those to come (and under way), and past ones, newest first. */
export async function cohortSessions(actor: Actor | null, cohortId: string, now = new Date()) {
  const { cohort, manages } = await viewedCohort(actor, cohortId);
  const sessions = await sessionsOf(cohort.id);
  return {
    cohort,
    manages,
    upcoming: sessions.filter((session) => session.endsAt > now),
    past: sessions.filter((session) => session.endsAt <= now).reverse(),
  };
}

/** The modules of the cohort's program version, for the form's choice. */
export async function cohortModules(cohort: CohortView): Promise<{ id: string; title: string }[]> {
  const snapshot = await cohortSnapshot(cohort);
  return snapshot.modules.map((module) => ({ id: module.id, title: module.title }));
}

/** The session, if the actor may schedule its cohort's sessions. */
export async function managedSession(actor: Actor | null, id: string) {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const doc = await LiveSession.findById(id).lean<LiveSessionDoc>();
  if (!doc) throw new NotFoundError();
  const cohort = await scheduledCohort(actor, String(doc.cohort));
  return { session: toSessionView(doc), cohort };
}

/**
 * The session, if the actor may see it (its cohort's trainees and staff, 'live.view'); `manages`:
 * whether they are its staff (they run the room: moderate, polls, slides, reports).
 */
export async function visibleSession(actor: Actor | null, id: string) {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const doc = await LiveSession.findById(id).lean<LiveSessionDoc>();
  if (!doc) throw new NotFoundError();
  const { cohort, manages } = await viewedCohort(actor, String(doc.cohort));
  return { session: toSessionView(doc), cohort, manages };
}

/** A start and duration the cohort allows: ahead of now, and within the cohort's dates. */
function checkTime(cohort: CohortView, startsAt: Date, durationMinutes: number, now: Date, field = 'day') {
  if (startsAt <= now) throw new ValidationError([{ field, key: 'live.errors.past' }]);
  const endsAt = new Date(startsAt.getTime() + durationMinutes * 60_000);
  if (startsAt < cohort.startsOn || endsAt > cohort.endsOn)
    throw new ValidationError([
      { field, key: 'live.errors.outsideCohort', params: { from: dayOf(cohort.startsOn), to: dayOf(cohort.endsOn) } },
    ]);
}

async function checkModule(cohort: CohortView, module: string, field = 'module') {
  if (module === '') return;
  const modules = await cohortModules(cohort);
  if (!modules.some((candidate) => candidate.id === module)) throw new ValidationError([{ field, key: 'live.errors.module' }]);
}

const taken = () => new ConflictError('live.errors.taken', 'day');

export async function createSession(actor: Actor | null, cohortId: string, input: SessionInput, now = new Date()) {
  const cohort = await scheduledCohort(actor, cohortId);
  checkTime(cohort, input.startsAt, input.durationMinutes, now);
  await checkModule(cohort, input.module);
  try {
    const created = await LiveSession.create({
      cohort: cohort.id,
      title: input.title,
      startsAt: input.startsAt,
      durationMinutes: input.durationMinutes,
      module: input.module,
      meetingUrl: input.meetingUrl,
      createdBy: actor!.id,
    });
    return toSessionView(created.toObject() as LiveSessionDoc);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw taken();
    throw error;
  }
}

/**
 * Sessions at the cohort's weekly slot on every matching day from `from` to `to` (WIB calendar
 * days, within the cohort's dates and ahead of now). A slot that has a session already (also a
 * cancelled one, which stays cancelled) is left as it is, so generating twice adds nothing.
 */
export async function generateSessions(actor: Actor | null, cohortId: string, input: GenerateInput, now = new Date()) {
  const cohort = await scheduledCohort(actor, cohortId);
  const { days, start, end } = cohort.schedule;
  if (!days.length || !start || !end) throw new ValidationError([{ field: 'from', key: 'live.errors.noSchedule' }]);
  const [startH = 0, startM = 0] = start.split(':').map(Number);
  const [endH = 0, endM = 0] = end.split(':').map(Number);
  const durationMinutes = endH * 60 + endM - (startH * 60 + startM);
  if (durationMinutes < liveLimits.minMinutes || durationMinutes > liveLimits.maxMinutes)
    throw new ValidationError([{ field: 'from', key: 'live.errors.duration' }]);
  const first = Date.parse(`${input.from}T00:00:00Z`);
  const last = Date.parse(`${input.to}T00:00:00Z`);
  if (Number.isNaN(first)) throw new ValidationError([{ field: 'from', key: 'assessments.assignments.errors.date' }]);
  if (Number.isNaN(last) || last < first) throw new ValidationError([{ field: 'to', key: 'live.errors.range' }]);
  if ((last - first) / 86_400_000 > liveLimits.generateDays)
    throw new ValidationError([{ field: 'to', key: 'live.errors.rangeTooLong', params: { days: liveLimits.generateDays } }]);
  if (input.from < dayOf(cohort.startsOn) || input.to > dayOf(cohort.endsOn))
    throw new ValidationError([
      { field: 'from', key: 'live.errors.outsideCohort', params: { from: dayOf(cohort.startsOn), to: dayOf(cohort.endsOn) } },
    ]);
  await checkModule(cohort, input.module, 'slotModule');
  const existing = new Set((await sessionsOf(cohort.id)).map((session) => session.startsAt.getTime()));
  const items: LiveSessionView[] = [];
  let kept = 0;
  for (let day = first; day <= last; day += 86_400_000) {
    const date = new Date(day);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1; // ISO: Monday 1 … Sunday 7, of the calendar day itself
    if (!days.includes(weekday)) continue;
    const startsAt = wibDateTime(date.toISOString().slice(0, 10), start);
    if (startsAt <= now) continue;
    if (existing.has(startsAt.getTime())) {
      kept += 1;
      continue;
    }
    try {
      const created = await LiveSession.create({
        cohort: cohort.id,
        title: input.title,
        startsAt,
        durationMinutes,
        module: input.module,
        meetingUrl: input.meetingUrl,
        createdBy: actor!.id,
      });
      items.push(toSessionView(created.toObject() as LiveSessionDoc));
    } catch (error) {
      // Someone generated the same slot at the same moment: theirs stands.
      if (!isDuplicateKeyError(error)) throw error;
      kept += 1;
    }
  }
  return { created: items.length, existing: kept, items };
}

/**
 * Changes a session (its start, duration, title, module, link); refused (409) if it changed since
 * the revision the form or request was made from. A new start marks it moved for its trainees.
 */
export async function updateSession(actor: Actor | null, id: string, input: SessionInput, now = new Date()) {
  const { session, cohort } = await managedSession(actor, id);
  if (session.status === 'cancelled') throw new ConflictError('live.errors.cancelled');
  const moved = input.startsAt.getTime() !== session.startsAt.getTime() || input.durationMinutes !== session.durationMinutes;
  if (moved) checkTime(cohort, input.startsAt, input.durationMinutes, now);
  await checkModule(cohort, input.module);
  const revision = input.revision ?? session.revision;
  try {
    const result = await LiveSession.updateOne(
      { _id: id, revision, status: 'scheduled' },
      {
        $set: {
          title: input.title,
          startsAt: input.startsAt,
          durationMinutes: input.durationMinutes,
          module: input.module,
          meetingUrl: input.meetingUrl,
          ...(moved ? { change: 'moved', changedAt: now } : {}),
        },
        $inc: { revision: 1 },
      },
    );
    if (result.matchedCount === 0) throw new ConflictError('live.errors.changedMeanwhile');
  } catch (error) {
    if (isDuplicateKeyError(error)) throw taken();
    throw error;
  }
  return (await managedSession(actor, id)).session;
}

/** Cancels a session (it stays, marked cancelled); refused (409) if it changed since `revision`. */
export async function cancelSession(actor: Actor | null, id: string, revision: number, now = new Date()) {
  const { session } = await managedSession(actor, id);
  if (session.status === 'cancelled') return session; // a retried cancel changes nothing
  const result = await LiveSession.updateOne(
    { _id: id, revision, status: 'scheduled' },
    { $set: { status: 'cancelled', change: 'cancelled', changedAt: now }, $inc: { revision: 1 } },
  );
  if (result.matchedCount === 0) throw new ConflictError('live.errors.changedMeanwhile');
  return (await managedSession(actor, id)).session;
}

// --- what trainees see on their dashboard -----------------------------------------------------------

export const reminderLeadMs = 15 * 60_000;
export const noticeWindowMs = 24 * 3600_000;

/** The cohorts a trainee studies in now (enrolled): theirs to be reminded of. */
async function studiedCohorts(traineeId: string): Promise<CohortView[]> {
  const enrolments = (await traineeEnrollments(traineeId)).filter((enrolment) => enrolment.status === 'enrolled');
  const cohorts = await Promise.all(enrolments.map((enrolment) => Cohort.findById(enrolment.cohort).lean<CohortDoc>()));
  return cohorts.filter((cohort) => cohort !== null).map(toCohortView);
}

/**
 * For a trainee: the next sessions of each cohort they study in, the sessions starting within 15
 * minutes or under way (with their meeting link), and the sessions moved or cancelled in the last day.
 */
export async function traineeLive(actor: Actor, now = new Date()) {
  if (actor.role !== 'trainee') return null;
  const cohorts = await studiedCohorts(actor.id);
  const byCohort: Record<string, LiveSessionView[]> = {};
  const reminders: (LiveSessionView & { cohortName: string; underWay: boolean })[] = [];
  const notices: (LiveSessionView & { cohortName: string })[] = [];
  const next: (LiveSessionView & { cohortName: string })[] = [];
  for (const cohort of cohorts) {
    const sessions = await sessionsOf(cohort.id);
    byCohort[cohort.id] = sessions.filter((session) => session.status === 'scheduled' && session.endsAt > now).slice(0, 3);
    next.push(...byCohort[cohort.id]!.map((session) => ({ ...session, cohortName: cohort.name })));
    for (const session of sessions) {
      if (session.status === 'scheduled' && session.startsAt.getTime() - reminderLeadMs <= now.getTime() && now < session.endsAt)
        reminders.push({ ...session, cohortName: cohort.name, underWay: session.startsAt <= now });
      if (session.change && session.changedAt && now.getTime() - session.changedAt.getTime() < noticeWindowMs)
        notices.push({ ...session, cohortName: cohort.name });
    }
  }
  next.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  return { byCohort, reminders, notices, next: next.slice(0, 3) };
}
export type TraineeLive = NonNullable<Awaited<ReturnType<typeof traineeLive>>>;
