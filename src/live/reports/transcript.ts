import type { Actor } from '../../platform/permissions.js';
import { LivePost, type LivePostDoc, LiveUpvote } from '../room/model.js';
import { visibleSession } from '../service.js';
import { type PollResult, pollResults, sessionReport } from './service.js';

/**
 * What a live class said, kept after it: chat and questions in time order, its polls and, for its
 * staff, its attendance. Who reads it: the class's staff, everything; the cohort's trainees
 * ('live.view': enrolled or graduated, the people the class was for, who saw it as it happened),
 * the chat, questions and polls as the room showed them: without the messages the staff deleted
 * and with a poll's results only once the staff showed them; never the others' attendance, which
 * is between each trainee and the staff.
 */

const maxPosts = 20_000;

export type TranscriptEntry = {
  id: string;
  kind: 'message' | 'question';
  author: string;
  authorName: string;
  /** Written by the class's staff (the instructor answering), marked so in the transcript. */
  staff: boolean;
  text: string;
  at: Date;
  deleted: boolean;
  answered: boolean;
  votes: number;
};

export async function sessionTranscript(actor: Actor | null, id: string, now = new Date()) {
  const { session, cohort, manages } = await visibleSession(actor, id);
  const [posts, upvotes, polls] = await Promise.all([
    LivePost.find({ session: session.id }).limit(maxPosts).lean<LivePostDoc[]>(),
    LiveUpvote.find({ session: session.id }, { question: 1 })
      .limit(maxPosts * 10)
      .lean(),
    pollResults(session.id),
  ]);
  const votesOf = new Map<string, number>();
  for (const upvote of upvotes) votesOf.set(String(upvote.question), (votesOf.get(String(upvote.question)) ?? 0) + 1);
  const entries: TranscriptEntry[] = posts
    .filter((post) => manages || !post.deletedAt)
    .map((post) => ({
      id: String(post._id),
      kind: post.kind as TranscriptEntry['kind'],
      author: String(post.author),
      authorName: post.authorName,
      staff: Boolean(post.authorRole) && post.authorRole !== 'trainee',
      text: post.text,
      at: post.createdAt,
      deleted: Boolean(post.deletedAt),
      answered: Boolean(post.answeredAt),
      votes: votesOf.get(String(post._id)) ?? 0,
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
  // Trainees see a poll's question and options always, its counts once the staff showed them.
  const shownPolls: (PollResult & { countsShown: boolean })[] = polls.map((poll) => ({
    ...poll,
    countsShown: manages || poll.resultsShown,
    options: manages || poll.resultsShown ? poll.options : poll.options.map((option) => ({ text: option.text, votes: 0 })),
    total: manages || poll.resultsShown ? poll.total : 0,
  }));
  const attendance = manages ? await sessionReport(actor, id, now) : null;
  return { session, cohort, manages, entries, polls: shownPolls, attendance };
}
export type SessionTranscript = Awaited<ReturnType<typeof sessionTranscript>>;
