import type { LiveSessionView } from '../service.js';
import { roomSlides } from '../slides/service.js';
import {
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
  type LiveUpvoteDoc,
} from './model.js';
import {
  countVotes,
  handQueue,
  type Participant,
  type Person,
  pollView,
  postView,
  type QuestionView,
  snapshotMessages,
} from './service.js';

/** Everything a (re)joining client shows, read back from the records; `present` comes from the sockets. */
export async function roomSnapshot(
  participant: Participant,
  session: LiveSessionView,
  present: { people: Person[]; count: number },
) {
  const { session: id, user } = participant;
  const [room, messages, questions, upvotes, polls, votes, hands, members] = await Promise.all([
    LiveRoom.findById(id).lean<LiveRoomDoc>(),
    LivePost.find({ session: id, kind: 'message' }).sort({ _id: -1 }).limit(snapshotMessages).lean<LivePostDoc[]>(),
    LivePost.find({ session: id, kind: 'question' }).limit(1_000).lean<LivePostDoc[]>(),
    LiveUpvote.find({ session: id }).limit(20_000).lean<LiveUpvoteDoc[]>(),
    LivePoll.find({ session: id }).limit(200).lean<LivePollDoc[]>(),
    LivePollVote.find({ session: id }).limit(50_000).lean<LivePollVoteDoc[]>(),
    handQueue(id),
    LiveMember.find({ session: id }).limit(5_000).lean<LiveMemberDoc[]>(),
  ]);
  const votesOf = new Map<string, { count: number; voted: boolean }>();
  for (const upvote of upvotes) {
    const entry = votesOf.get(String(upvote.question)) ?? { count: 0, voted: false };
    entry.count += 1;
    if (String(upvote.voter) === user) entry.voted = true;
    votesOf.set(String(upvote.question), entry);
  }
  const muted = members.filter((member) => member.muted && !member.removed).map((member) => String(member.user));
  return {
    session: {
      id: session.id,
      title: session.title,
      startsAt: session.startsAt.toISOString(),
      endsAt: session.endsAt.toISOString(),
      meetingUrl: session.meetingUrl,
      cohort: session.cohort,
    },
    you: { id: user, name: participant.name, role: participant.role, staff: participant.staff, muted: muted.includes(user) },
    /** Who is here (staff first, at most presence.ts's listedPeople) and how many in all. */
    present: present.people,
    presentCount: present.count,
    messages: messages
      .filter((doc) => !doc.deletedAt)
      .reverse()
      .map(postView),
    questions: questions
      .filter((doc) => !doc.deletedAt)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((doc): QuestionView => {
        const entry = votesOf.get(String(doc._id));
        return { ...postView(doc), votes: entry?.count ?? 0, voted: entry?.voted ?? false, answered: doc.answeredAt !== null };
      }),
    polls: polls
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((poll) => {
        const own = votes.filter((vote) => String(vote.poll) === String(poll._id));
        const mine = own.find((vote) => String(vote.voter) === user);
        return pollView(poll, mine?.option ?? null, countVotes(poll, own), participant.staff);
      }),
    hands,
    /** Only the staff need the list of who is muted; a trainee learns only of themself. */
    muted: participant.staff ? muted : [],
    slides: await roomSlides(id),
    ended: Boolean(room?.endedAt),
  };
}
export type RoomSnapshot = Awaited<ReturnType<typeof roomSnapshot>>;
