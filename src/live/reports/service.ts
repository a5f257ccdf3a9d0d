import mongoose from 'mongoose';
import { type CohortView, cohortRef, findCohort } from '../../cohorts/service.js';
import { cohortRoster } from '../../learning/service.js';
import { ForbiddenError, isDuplicateKeyError, NotFoundError } from '../../platform/errors.js';
import { publish } from '../../platform/events.js';
import { type Actor, authorize } from '../../platform/permissions.js';
import { contactsOf } from '../../users/directory.js';
import { LiveSession, type LiveSessionDoc } from '../model.js';
import { LiveAttendance, type LiveAttendanceDoc, LiveHand, LivePoll, LivePollVote, LivePost, LiveRoom } from '../room/model.js';
import { countVotes } from '../room/service.js';
import { type LiveSessionView, sessionsOf, toSessionView, visibleSession } from '../service.js';
import { attendanceByPerson, type ClassWindow, classWindow, windowMinutes } from './attendance.js';
import { LiveParticipation, type LiveParticipationDoc, LiveSummary, type LiveSummaryDoc } from './model.js';

/**
 * Attendance and engagement of live sessions: summarised from the room's records into
 * LiveParticipation (one per trainee and session) when a room ends, or, for a class whose end
 * passed without that, when a report first asks; and the staff's reports per session and per
 * cohort read from those summaries. Every trainee of the cohort (enrolled or graduated) has a row,
 * absent ones with 0 minutes; the staff present are listed apart (completion counts trainees).
 */

/** Records of one session are bounded (a class of up to a thousand); every query takes them whole. */
const maxRecords = 50_000;
/** A cohort's summaries: its trainees (≤ 1,000) × its sessions. */
const maxCohortRows = 100_000;

export type Engagement = { messages: number; questions: number; votes: number; hands: number };
export type ParticipationRow = Engagement & {
  user: string;
  name: string;
  email: string;
  minutes: number;
  present: boolean;
  firstJoinAt: Date | null;
  lastLeaveAt: Date | null;
  /** On the cohort's roster now (false: withdrawn since, but their part stays). */
  enrolled: boolean;
};
export type StaffPresence = { user: string; name: string; role: string; minutes: number };

const zero = (): Engagement => ({ messages: 0, questions: 0, votes: 0, hands: 0 });
const count = (map: Map<string, Engagement>, user: unknown, key: keyof Engagement) => {
  const entry = map.get(String(user)) ?? zero();
  entry[key] += 1;
  map.set(String(user), entry);
};

async function roomEndOf(sessionId: string): Promise<Date | null> {
  const room = await LiveRoom.findById(sessionId, { endedAt: 1 }).lean();
  return room?.endedAt ?? null;
}

/**
 * The trainees' part and the staff's minutes worked out from the records, stored nowhere. Who is a
 * trainee: the cohort's roster, and anyone who entered the room as a trainee (withdrawn since).
 * Messages and questions the staff deleted do not count: engagement is what the class could read,
 * and a removed message (off topic, abuse) should earn nothing towards completion; the transcript
 * still shows them to the staff.
 */
async function computeParticipation(session: LiveSessionView, cohort: CohortView, window: ClassWindow, now: Date) {
  const id = session.id;
  const [roster, attendance, posts, votes, hands] = await Promise.all([
    cohortRoster(cohort, now),
    LiveAttendance.find({ session: id }).limit(maxRecords).lean<LiveAttendanceDoc[]>(),
    LivePost.find({ session: id }, { author: 1, kind: 1, deletedAt: 1 }).limit(maxRecords).lean(),
    LivePollVote.find({ session: id }, { voter: 1 }).limit(maxRecords).lean(),
    LiveHand.find({ session: id }, { user: 1 }).limit(maxRecords).lean(),
  ]);
  const minutes = attendanceByPerson(
    attendance.map((record) => ({
      user: String(record.user),
      connection: record.connection,
      kind: record.kind as 'join' | 'leave',
      at: record.at,
    })),
    window,
    now,
  );
  const engagement = new Map<string, Engagement>();
  for (const post of posts)
    if (!post.deletedAt) count(engagement, post.author, post.kind === 'question' ? 'questions' : 'messages');
  for (const vote of votes) count(engagement, vote.voter, 'votes');
  for (const hand of hands) count(engagement, hand.user, 'hands');

  const people = new Map<string, { name: string; email: string; enrolled: boolean }>();
  for (const trainee of roster) people.set(trainee.trainee, { name: trainee.name, email: trainee.email, enrolled: true });
  const seen = new Map<string, { name: string; role: string }>();
  for (const record of attendance) seen.set(String(record.user), { name: record.userName, role: record.role });
  const staff: StaffPresence[] = [];
  const others: string[] = [];
  for (const [user, { name, role }] of seen) {
    if (people.has(user)) continue;
    if (role === 'trainee') others.push(user);
    else staff.push({ user, name, role, minutes: minutes.get(user)?.minutes ?? 0 });
  }
  const contacts = await contactsOf(others);
  for (const user of others)
    people.set(user, {
      name: contacts.get(user)?.name ?? seen.get(user)!.name,
      email: contacts.get(user)?.email ?? '',
      enrolled: false,
    });

  const rows: ParticipationRow[] = [...people].map(([user, person]) => {
    const attended = minutes.get(user);
    return {
      user,
      ...person,
      ...(engagement.get(user) ?? zero()),
      minutes: attended?.minutes ?? 0,
      present: (attended?.minutes ?? 0) >= 1,
      firstJoinAt: attended?.firstJoinAt ?? null,
      lastLeaveAt: attended?.lastLeaveAt ?? null,
    };
  });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  staff.sort((a, b) => a.name.localeCompare(b.name));
  return { rows, staff };
}

async function upsertRow(filter: object, set: object) {
  try {
    await LiveParticipation.updateOne(filter, { $set: set }, { upsert: true });
  } catch (error) {
    // Two summaries of the same session at once: the other inserted it first; ours updates it.
    if (!isDuplicateKeyError(error)) throw error;
    await LiveParticipation.updateOne(filter, { $set: set });
  }
}

/**
 * Rebuilds the session's summaries from its records: one LiveParticipation per trainee (upserted,
 * so running it again, or from two processes at once, writes the same), rows of people no longer
 * counted removed, and the LiveSummary last (a summary cut short by a crash has none and is made
 * again). Called when a room ends, and by the reports for a class whose end passed without that.
 * A cancelled session has nothing to summarise.
 */
export async function summariseSession(sessionId: string, now = new Date()) {
  if (!mongoose.isValidObjectId(sessionId)) throw new NotFoundError();
  const doc = await LiveSession.findById(sessionId).lean<LiveSessionDoc>();
  if (!doc) throw new NotFoundError();
  const session = toSessionView(doc);
  if (session.status === 'cancelled') return null;
  const cohort = await findCohort(session.cohort);
  const window = classWindow(session, await roomEndOf(session.id));
  const { rows, staff } = await computeParticipation(session, cohort, window, now);
  for (const row of rows) {
    await upsertRow(
      { session: session.id, user: row.user },
      {
        cohort: cohort.id,
        minutes: row.minutes,
        present: row.present,
        messages: row.messages,
        questions: row.questions,
        votes: row.votes,
        hands: row.hands,
        firstJoinAt: row.firstJoinAt,
        lastLeaveAt: row.lastLeaveAt,
      },
    );
  }
  const kept = new Set(rows.map((row) => row.user));
  const stored = await LiveParticipation.find({ session: session.id }, { user: 1 }).limit(maxRecords).lean();
  for (const row of stored) if (!kept.has(String(row.user))) await LiveParticipation.deleteOne({ _id: row._id });
  const summary = {
    cohort: cohort.id,
    windowStart: window.start,
    windowEnd: window.end,
    minutes: windowMinutes(window),
    trainees: rows.length,
    present: rows.filter((row) => row.present).length,
    staff,
    summarisedAt: now,
  };
  await LiveSummary.updateOne({ _id: session.id }, { $set: summary }, { upsert: true }).catch(async (error) => {
    if (!isDuplicateKeyError(error)) throw error;
    await LiveSummary.updateOne({ _id: session.id }, { $set: summary });
  });
  // Summarised again later (a report read after the room ended), the same figures are told again.
  for (const row of rows)
    if (row.enrolled || row.minutes > 0)
      await publish('live.attended', {
        trainee: row.user,
        cohort: cohort.id,
        institution: cohort.institution,
        session: session.id,
        title: session.title,
        minutes: row.minutes,
        heldMinutes: summary.minutes,
        at: window.end,
      });
  return { session, window, rows, staff };
}

/** Whether a session's stored summary is missing or older than its class's end (the room ended after it was made). */
const stale = (summary: Pick<LiveSummaryDoc, 'windowEnd'> | null | undefined, window: ClassWindow) =>
  !summary || summary.windowEnd.getTime() !== window.end.getTime();

/** Stored rows with the cohort's roster now: a trainee enrolled since has a row of zeros. */
async function rowsWithRoster(cohort: CohortView, stored: LiveParticipationDoc[], now: Date): Promise<ParticipationRow[]> {
  const roster = await cohortRoster(cohort, now);
  const byUser = new Map(stored.map((row) => [String(row.user), row]));
  const onRoster = new Set(roster.map((trainee) => trainee.trainee));
  const others = [...byUser.keys()].filter((user) => !onRoster.has(user));
  const contacts = await contactsOf(others);
  const people = [
    ...roster.map((trainee) => ({ user: trainee.trainee, name: trainee.name, email: trainee.email, enrolled: true })),
    ...others.map((user) => ({
      user,
      name: contacts.get(user)?.name ?? '',
      email: contacts.get(user)?.email ?? '',
      enrolled: false,
    })),
  ];
  return people
    .map((person) => {
      const row = byUser.get(person.user);
      return {
        ...person,
        minutes: row?.minutes ?? 0,
        present: row?.present ?? false,
        messages: row?.messages ?? 0,
        questions: row?.questions ?? 0,
        votes: row?.votes ?? 0,
        hands: row?.hands ?? 0,
        firstJoinAt: row?.firstJoinAt ?? null,
        lastLeaveAt: row?.lastLeaveAt ?? null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type PollResult = {
  id: string;
  question: string;
  options: { text: string; votes: number }[];
  total: number;
  open: boolean;
  resultsShown: boolean;
  at: Date;
};

/** The session's polls in the order launched, with their votes per option. */
export async function pollResults(sessionId: string): Promise<PollResult[]> {
  const [polls, votes] = await Promise.all([
    LivePoll.find({ session: sessionId }).limit(1_000).lean(),
    LivePollVote.find({ session: sessionId }, { poll: 1, option: 1 }).limit(maxRecords).lean(),
  ]);
  return polls
    .map((poll) => {
      const { counts } = countVotes(
        poll,
        votes.filter((vote) => String(vote.poll) === String(poll._id)),
      );
      return {
        id: String(poll._id),
        question: poll.question,
        options: poll.options.map((text, index) => ({ text, votes: counts[index]! })),
        total: counts.reduce((sum, n) => sum + n, 0),
        open: poll.open,
        resultsShown: poll.resultsShown,
        at: (poll as { createdAt: Date }).createdAt,
      };
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * A session's attendance and engagement, for its staff. A class whose end has passed is read from
 * its summaries (made now if missing or stale), so the report shows what completion counts; one
 * under way (or to come) is worked out from the records as they stand and stored nowhere.
 */
export async function sessionReport(actor: Actor | null, id: string, now = new Date()) {
  const { session, cohort, manages } = await visibleSession(actor, id);
  if (!manages) throw new ForbiddenError();
  const window = classWindow(session, await roomEndOf(session.id));
  const ended = now >= window.end;
  const polls = await pollResults(session.id);
  const base = { session, cohort, window, duration: windowMinutes(window), ended, started: now >= window.start, polls };
  if (session.status === 'cancelled') return { ...base, rows: [] as ParticipationRow[], staff: [] as StaffPresence[] };
  if (!ended) return { ...base, ...(await computeParticipation(session, cohort, window, now)) };
  let summary = await LiveSummary.findById(session.id).lean<LiveSummaryDoc>();
  if (stale(summary, window)) {
    await summariseSession(session.id, now);
    summary = await LiveSummary.findById(session.id).lean<LiveSummaryDoc>();
  }
  const stored = await LiveParticipation.find({ session: session.id }).limit(maxRecords).lean<LiveParticipationDoc[]>();
  const staff = (summary?.staff ?? []).map((person) => ({
    user: String(person.user),
    name: person.name ?? '',
    role: person.role ?? '',
    minutes: person.minutes ?? 0,
  }));
  return { ...base, rows: await rowsWithRoster(cohort, stored, now), staff };
}
export type SessionReport = Awaited<ReturnType<typeof sessionReport>>;

/**
 * The live classes a cohort has held (scheduled, not cancelled, over), each summarised now if its
 * summary is missing or older than its end (a class nobody ended by hand, a room ended after its
 * summary): what the cohort's figures count, and what tells the monitoring summaries (live.attended).
 */
export async function summariseHeldSessions(cohort: CohortView, now = new Date()) {
  const held = (await sessionsOf(cohort.id)).filter((session) => session.endsAt <= now && session.status === 'scheduled');
  const ids = held.map((session) => session.id);
  const [rooms, summaries] = await Promise.all([
    ids.length ? LiveRoom.find({ _id: { $in: ids } }, { endedAt: 1 }).lean() : [],
    ids.length ? LiveSummary.find({ cohort: cohort.id }, { windowEnd: 1 }).limit(5_000).lean<LiveSummaryDoc[]>() : [],
  ]);
  const endedAt = new Map(rooms.map((room) => [String(room._id), room.endedAt ?? null]));
  const summaryOf = new Map(summaries.map((summary) => [String(summary._id), summary]));
  const sessions: (LiveSessionView & { duration: number; present: number })[] = [];
  for (const session of held) {
    const window = classWindow(session, endedAt.get(session.id) ?? null);
    if (now < window.end) continue; // ended "later" than now: a clock ahead on another process; not over yet
    if (stale(summaryOf.get(session.id), window)) await summariseSession(session.id, now);
    sessions.push({ ...session, duration: windowMinutes(window), present: 0 });
  }
  return sessions;
}

/**
 * The live classes a cohort has held (scheduled, not cancelled, over), each summarised, and every
 * stored participation row of the cohort: what the cohort's report and the completion rules
 * (src/completion/) read. No permission check: callers decide who may see it.
 */
export async function cohortAttendance(cohort: CohortView, now = new Date()) {
  const sessions = await summariseHeldSessions(cohort, now);
  const stored = await LiveParticipation.find({ cohort: cohort.id }).limit(maxCohortRows).lean<LiveParticipationDoc[]>();
  const shown = new Set(sessions.map((session) => session.id));
  return {
    sessions,
    rows: stored.filter((row) => shown.has(String(row.session))),
    duration: sessions.reduce((sum, s) => sum + s.duration, 0),
  };
}

/**
 * The cohort's trainees × its held sessions (past their end and not cancelled, oldest first):
 * minutes in each, their total, and sessions attended of those held. Summaries missing or stale
 * are made first (a class nobody ended is summarised here, once).
 */
export async function cohortReport(actor: Actor | null, cohortId: string, now = new Date()) {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'live.schedule', cohortRef(cohort));
  const { sessions, rows: stored, duration } = await cohortAttendance(cohort, now);
  const byKey = new Map(stored.map((row) => [`${row.session}:${row.user}`, row]));
  const people = await rowsWithRoster(
    cohort,
    // The people: anyone with a row in a shown session (their own per-session rows are looked up below).
    [...new Map(stored.map((row) => [String(row.user), row])).values()],
    now,
  );
  const rows = people.map((person) => {
    const cells = sessions.map((session) => {
      const row = byKey.get(`${session.id}:${person.user}`);
      return { session: session.id, minutes: row?.minutes ?? 0, present: row?.present ?? false };
    });
    cells.forEach((cell, index) => {
      if (cell.present) sessions[index]!.present += 1;
    });
    return {
      user: person.user,
      name: person.name,
      email: person.email,
      enrolled: person.enrolled,
      cells,
      minutes: cells.reduce((sum, cell) => sum + cell.minutes, 0),
      attended: cells.filter((cell) => cell.present).length,
    };
  });
  return { cohort, sessions, rows, held: sessions.length, duration };
}
export type CohortReport = Awaited<ReturnType<typeof cohortReport>>;
