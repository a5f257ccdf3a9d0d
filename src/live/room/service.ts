import mongoose from 'mongoose';
import { AppError, ConflictError, ForbiddenError, isDuplicateKeyError, NotFoundError } from '../../platform/errors.js';
import type { Actor } from '../../platform/permissions.js';
import { visibleSession } from '../service.js';
import {
  LiveAttendance,
  LiveHand,
  type LiveHandDoc,
  LiveMember,
  type LiveMemberDoc,
  LivePoll,
  type LivePollDoc,
  LivePollVote,
  type LivePollVoteDoc,
  LivePost,
  type LivePostDoc,
  LiveRoom,
  type LiveRoomDoc,
  LiveUpvote,
} from './model.js';

/**
 * The rules of a live class, shared by its socket events (room/socket.ts) and anything else that
 * acts in a room. Everything is written to the database before it is announced, so what a client
 * sees is what a restart, a latecomer or another process would read back.
 */

/** The room opens this long before the start, for people to settle in. */
export const roomOpensBeforeMs = 30 * 60_000;
/** A class that runs over keeps its room this long after the scheduled end, unless its staff end it. */
export const roomStaysAfterMs = 60 * 60_000;
/** How much chat a (re)joining client receives: enough to follow, small on a weak connection. */
export const snapshotMessages = 200;

/** Someone in a room, as the socket that joined remembers them (checked once, at joining). */
export type Participant = {
  session: string;
  cohort: string;
  user: string;
  name: string;
  role: string;
  /** The class's instructors and coordinators ('live.schedule'): they moderate, launch polls, turn slides. */
  staff: boolean;
  /** The scheduled start and end, in milliseconds (kept with the socket, which may be serialised). */
  startsAt: number;
  endsAt: number;
};

export type Person = { id: string; name: string; role: string };

const roomClosesAt = (endsAt: Date | number) => new Date(new Date(endsAt).getTime() + roomStaysAfterMs);

function requireStaff(participant: Participant): void {
  if (!participant.staff) throw new ForbiddenError();
}

/** A person joining: who they are in the class, or why they may not come in now. */
export async function enterRoom(actor: Actor | null, name: string, sessionId: string, now = new Date()) {
  const { session, manages } = await visibleSession(actor, sessionId);
  if (session.status === 'cancelled') throw new ConflictError('live.room.errors.cancelled');
  const [room, member] = await Promise.all([
    LiveRoom.findById(session.id).lean<LiveRoomDoc>(),
    LiveMember.findOne({ session: session.id, user: actor!.id }).lean<LiveMemberDoc>(),
  ]);
  if (room?.endedAt || now > roomClosesAt(session.endsAt)) throw new ConflictError('live.room.errors.ended');
  if (now.getTime() < session.startsAt.getTime() - roomOpensBeforeMs)
    throw new AppError(409, 'live.room.errors.notYet', { minutes: roomOpensBeforeMs / 60_000 });
  if (member?.removed) throw new AppError(403, 'live.room.errors.removed');
  const participant: Participant = {
    session: session.id,
    cohort: session.cohort,
    user: actor!.id,
    name,
    role: actor!.role,
    staff: manages,
    startsAt: session.startsAt.getTime(),
    endsAt: session.endsAt.getTime(),
  };
  return { participant, session };
}

/**
 * What every message and vote is checked against: whether the class has ended and who is muted.
 * Read at most once a second per class and process (not twice per message: a busy class sends
 * dozens a second), and read again at once after this process changes it. Another process's
 * change shows here within that second.
 */
const roomStateMaxAgeMs = 1_000;
type RoomState = { ended: boolean; muted: Set<string> };
const roomStates = new Map<string, { at: number; state: Promise<RoomState> }>();

async function readRoomState(session: string): Promise<RoomState> {
  const [room, muted] = await Promise.all([
    LiveRoom.findById(session, { endedAt: 1 }).lean<LiveRoomDoc>(),
    LiveMember.find({ session, muted: true }, { user: 1 }).limit(5_000).lean<LiveMemberDoc[]>(),
  ]);
  return { ended: Boolean(room?.endedAt), muted: new Set(muted.map((member) => String(member.user))) };
}

function roomState(session: string, now = Date.now()): Promise<RoomState> {
  const cached = roomStates.get(session);
  if (cached && now - cached.at < roomStateMaxAgeMs) return cached.state;
  if (roomStates.size > 1_000)
    for (const [key, entry] of roomStates) if (now - entry.at >= roomStateMaxAgeMs) roomStates.delete(key);
  const state = readRoomState(session);
  roomStates.set(session, { at: now, state });
  state.catch(() => roomStates.delete(session));
  return state;
}

/** Refuses an action once the class has ended (by its staff, or its time); 409 with a clear message. */
async function requireOpen(participant: Participant, now = new Date()): Promise<RoomState> {
  const state = await roomState(participant.session, now.getTime());
  if (state.ended || now > roomClosesAt(participant.endsAt)) throw new ConflictError('live.room.errors.ended');
  return state;
}

/** Chat and questions need a voice: refused while the staff have muted this person. */
async function requireVoice(participant: Participant): Promise<void> {
  const state = await requireOpen(participant);
  if (!participant.staff && state.muted.has(participant.user)) throw new AppError(403, 'live.room.errors.muted');
}

// --- chat and questions -----------------------------------------------------------------------------

export type MessageView = { id: string; author: Person; text: string; at: string };
export type QuestionView = MessageView & { votes: number; voted: boolean; answered: boolean };

export const postView = (doc: LivePostDoc): MessageView => ({
  id: String(doc._id),
  author: { id: String(doc.author), name: doc.authorName, role: doc.authorRole },
  text: doc.text,
  at: doc.createdAt.toISOString(),
});

/**
 * Stores a message or question once per `clientId`: the same id sent again (a retry after a drop)
 * answers with the stored post and `created: false`, so it is not announced twice.
 */
async function storePost(participant: Participant, kind: 'message' | 'question', text: string, clientId: string) {
  await requireVoice(participant);
  const key = { session: participant.session, author: participant.user, clientId };
  try {
    const doc = await LivePost.create({ ...key, kind, authorName: participant.name, authorRole: participant.role, text });
    return { post: postView(doc.toObject() as LivePostDoc), created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const stored = await LivePost.findOne(key).lean<LivePostDoc>();
    if (!stored || stored.kind !== kind) throw error;
    return { post: postView(stored), created: false };
  }
}

export const sendMessage = (participant: Participant, input: { text: string; clientId: string }) =>
  storePost(participant, 'message', input.text, input.clientId);

export async function askQuestion(participant: Participant, input: { text: string; clientId: string }) {
  const { post, created } = await storePost(participant, 'question', input.text, input.clientId);
  const question: QuestionView = { ...post, votes: 0, voted: false, answered: false };
  return { question, created };
}

async function postOf(participant: Participant, id: string, kind: 'message' | 'question'): Promise<LivePostDoc> {
  const doc = mongoose.isValidObjectId(id) ? await LivePost.findById(id).lean<LivePostDoc>() : null;
  if (!doc || String(doc.session) !== participant.session || doc.kind !== kind || doc.deletedAt) throw new NotFoundError();
  return doc;
}

/** Staff hide a message or question; it stays in the records (and the staff's transcript) as deleted. */
export async function deletePost(participant: Participant, id: string, kind: 'message' | 'question', now = new Date()) {
  requireStaff(participant);
  await postOf(participant, id, kind);
  await LivePost.updateOne({ _id: id }, { deletedAt: now, deletedBy: participant.user });
}

/** One upvote per person and question (a unique record); the question's count after it. */
export async function upvoteQuestion(participant: Participant, id: string) {
  await requireOpen(participant);
  const question = await postOf(participant, id, 'question');
  if (String(question.author) === participant.user) throw new ConflictError('live.room.errors.ownQuestion');
  await LiveUpvote.create({ session: participant.session, question: id, voter: participant.user }).catch((error) => {
    if (!isDuplicateKeyError(error)) throw error; // voted already: counted once
  });
  return { id, votes: await LiveUpvote.countDocuments({ question: id }) };
}

export async function answerQuestion(participant: Participant, id: string, now = new Date()) {
  requireStaff(participant);
  await postOf(participant, id, 'question');
  await LivePost.updateOne({ _id: id, answeredAt: null }, { answeredAt: now });
}

// --- polls ------------------------------------------------------------------------------------------

export type PollView = {
  id: string;
  question: string;
  options: string[];
  open: boolean;
  resultsShown: boolean;
  /** The option this person chose, if they voted. */
  myVote: number | null;
  /** Votes per option: for the staff always, for everyone once shown. */
  counts: number[] | null;
  total: number | null;
};
export type PollResults = { id: string; counts: number[]; total: number };

export const pollView = (doc: LivePollDoc, myVote: number | null, results: PollResults | null, staff: boolean): PollView => ({
  id: String(doc._id),
  question: doc.question,
  options: doc.options,
  open: doc.open,
  resultsShown: doc.resultsShown,
  myVote,
  counts: staff || doc.resultsShown ? (results?.counts ?? doc.options.map(() => 0)) : null,
  total: staff || doc.resultsShown ? (results?.total ?? 0) : null,
});

export const countVotes = (poll: LivePollDoc, votes: Pick<LivePollVoteDoc, 'option'>[]): PollResults => {
  const counts = poll.options.map(() => 0);
  for (const vote of votes) if (vote.option < counts.length) counts[vote.option]! += 1;
  return { id: String(poll._id), counts, total: votes.length };
};

async function pollOf(participant: Participant, id: string): Promise<LivePollDoc> {
  const doc = mongoose.isValidObjectId(id) ? await LivePoll.findById(id).lean<LivePollDoc>() : null;
  if (!doc || String(doc.session) !== participant.session) throw new NotFoundError();
  return doc;
}

export async function launchPoll(participant: Participant, input: { question: string; options: string[]; clientId: string }) {
  requireStaff(participant);
  await requireOpen(participant);
  const key = { session: participant.session, createdBy: participant.user, clientId: input.clientId };
  try {
    const doc = await LivePoll.create({ ...key, question: input.question, options: input.options });
    return { poll: pollView(doc.toObject() as LivePollDoc, null, null, false), created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const stored = await LivePoll.findOne(key).lean<LivePollDoc>();
    if (!stored) throw error;
    return { poll: pollView(stored, null, null, false), created: false };
  }
}

/**
 * A trainee's vote: one record per person and poll. Sent twice (a retry, two tabs) it counts
 * once; a different choice after voting is refused, since the first one was already counted.
 */
export async function votePoll(participant: Participant, input: { poll: string; option: number }) {
  if (participant.staff) throw new ForbiddenError();
  await requireOpen(participant);
  const poll = await pollOf(participant, input.poll);
  if (!poll.open) throw new ConflictError('live.room.errors.pollClosed');
  if (input.option >= poll.options.length)
    throw new AppError(422, 'errors.validation.detail', {}, [{ field: 'option', key: 'validation.invalid' }]);
  try {
    await LivePollVote.create({ session: participant.session, poll: input.poll, voter: participant.user, option: input.option });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const stored = await LivePollVote.findOne({ poll: input.poll, voter: participant.user }).lean<LivePollVoteDoc>();
    if (stored?.option !== input.option) throw new ConflictError('live.room.errors.votedAlready');
  }
  return { poll: input.poll, option: input.option };
}

/** The poll's votes counted now, and whether everyone may see them. */
export async function countPoll(pollId: string) {
  const poll = await LivePoll.findById(pollId).lean<LivePollDoc>();
  if (!poll) throw new NotFoundError();
  const votes = await LivePollVote.find({ poll: pollId }, { option: 1 }).lean<LivePollVoteDoc[]>();
  return { results: countVotes(poll, votes), shown: poll.resultsShown };
}

export async function showPoll(participant: Participant, input: { poll: string; shown: boolean }) {
  requireStaff(participant);
  await pollOf(participant, input.poll);
  await LivePoll.updateOne({ _id: input.poll }, { resultsShown: input.shown });
}

export async function closePoll(participant: Participant, pollId: string, now = new Date()) {
  requireStaff(participant);
  await pollOf(participant, pollId);
  await LivePoll.updateOne({ _id: pollId, open: true }, { open: false, closedAt: now });
}

// --- hands ------------------------------------------------------------------------------------------

export type HandView = { user: string; name: string; raisedAt: string };

/** The hands up, oldest first: the order the instructor takes them. */
export async function handQueue(session: string): Promise<HandView[]> {
  const hands = await LiveHand.find({ session, openKey: 'open' }).lean<LiveHandDoc[]>();
  return hands
    .sort((a, b) => a.raisedAt.getTime() - b.raisedAt.getTime())
    .map((hand) => ({ user: String(hand.user), name: hand.userName, raisedAt: hand.raisedAt.toISOString() }));
}

export async function raiseHand(participant: Participant, now = new Date()) {
  if (participant.staff) throw new ForbiddenError();
  await requireOpen(participant);
  await LiveHand.create({
    session: participant.session,
    user: participant.user,
    userName: participant.name,
    raisedAt: now,
  }).catch((error) => {
    if (!isDuplicateKeyError(error)) throw error; // already up (another tab): one hand
  });
}

/** Lowers a hand: one's own, or anyone's by the staff. Lowering a hand that is down changes nothing. */
export async function lowerHand(participant: Participant, user = participant.user, now = new Date()) {
  if (user !== participant.user) requireStaff(participant);
  const hand = await LiveHand.findOne({ session: participant.session, user, openKey: 'open' }).lean<LiveHandDoc>();
  if (!hand) return;
  await LiveHand.updateOne(
    { _id: hand._id, openKey: 'open' },
    { openKey: String(hand._id), loweredAt: now, loweredBy: participant.user },
  );
}

// --- moderation and the end -------------------------------------------------------------------------

async function setMember(participant: Participant, user: string, change: { muted?: boolean; removed?: boolean }) {
  requireStaff(participant);
  if (user === participant.user) throw new ConflictError('live.room.errors.notYourself');
  await LiveMember.updateOne(
    { session: participant.session, user },
    { $set: { ...change, changedBy: participant.user } },
    { upsert: true },
  ).catch(async (error) => {
    // Two staff at once both inserting: the second updates the record the first made.
    if (!isDuplicateKeyError(error)) throw error;
    await LiveMember.updateOne({ session: participant.session, user }, { $set: { ...change, changedBy: participant.user } });
  });
  roomStates.delete(participant.session);
}

export const muteMember = (participant: Participant, input: { user: string; muted: boolean }) =>
  setMember(participant, input.user, { muted: input.muted });

/** Removed: out of the room now and not let back in this session. */
export const removeMember = (participant: Participant, user: string) => setMember(participant, user, { removed: true });

/** Ends the class for everyone; the first ending stands (a second click changes nothing). */
export async function endRoom(participant: Participant, now = new Date()) {
  requireStaff(participant);
  await LiveRoom.updateOne({ _id: participant.session }, { $setOnInsert: { page: 1 } }, { upsert: true }).catch((error) => {
    if (!isDuplicateKeyError(error)) throw error;
  });
  await LiveRoom.updateOne({ _id: participant.session, endedAt: null }, { endedAt: now, endedBy: participant.user });
  roomStates.delete(participant.session);
}

// --- attendance -------------------------------------------------------------------------------------

/**
 * A connection entering or leaving the room, recorded as it happens. `connection` names one
 * physical connection (a recovered socket gets a new one), so its join and leave pair up once.
 */
export async function recordAttendance(participant: Participant, connection: string, kind: 'join' | 'leave', now = new Date()) {
  await LiveAttendance.create({
    session: participant.session,
    user: participant.user,
    userName: participant.name,
    role: participant.role,
    connection,
    kind,
    at: now,
  }).catch((error) => {
    if (!isDuplicateKeyError(error)) throw error;
  });
}
