import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import { ForbiddenError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { actorOf, type LiveConnections, userOf } from '../../platform/socket.js';
import { summariseSession } from '../reports/service.js';
import { turnPage } from '../slides/service.js';
import { createPresence, personOf } from './presence.js';
import { liveRoom, personRoom, staffRoom } from './rooms.js';
import {
  chatSend,
  handLower,
  inSession,
  memberMute,
  memberRemove,
  onMessage,
  onPoll,
  onQuestion,
  pollLaunch,
  pollShow,
  pollVote,
  questionAsk,
  slidesGoto,
} from './schemas.js';
import {
  answerQuestion,
  askQuestion,
  closePoll,
  countPoll,
  deletePost,
  endRoom,
  enterRoom,
  handQueue,
  launchPoll,
  lowerHand,
  muteMember,
  type Participant,
  raiseHand,
  recordAttendance,
  removeMember,
  sendMessage,
  showPoll,
  upvoteQuestion,
  votePoll,
} from './service.js';
import { roomSnapshot } from './snapshot.js';

/**
 * The live room's socket events (docs/live-room.md): thin adapters that find the participant the
 * socket joined as, call the room's service, and announce what changed to the room. The service
 * has written it to the database first.
 */

type LiveSocketData = {
  /** The classes this socket joined, by session: who it is there, checked once at joining. */
  live?: Record<string, Participant>;
  /** This physical connection's name in the attendance records; a recovered socket gets a new one. */
  connection?: string;
};

const dataOf = (socket: Pick<Socket, 'data'>) => socket.data as LiveSocketData;

/** The participant this socket joined `session` as; an event for a room it is not in is refused. */
function participantOf(socket: Socket, session: string): Participant {
  const participant = dataOf(socket).live?.[session];
  if (!participant || !socket.rooms.has(liveRoom(session))) throw new ForbiddenError();
  return participant;
}

/**
 * Poll results after a vote are counted and sent at most once per this interval and poll: a class
 * voting at once gets a few updates, not one recount per vote. Only a timer, no state: every
 * count is read from the votes.
 */
const resultsDelayMs = 300;

export function registerRoomEvents(live: LiveConnections, log: Logger): void {
  const pendingResults = new Map<string, NodeJS.Timeout>();
  // The Socket.IO server, known from the first connection on (the app is built before it exists).
  let server: Server | undefined;
  const presence = createPresence(() => server!, log);

  const announceResults = (io: Server, session: string, poll: string) => {
    if (pendingResults.has(poll)) return;
    const timer = setTimeout(async () => {
      pendingResults.delete(poll);
      try {
        const { results, shown } = await countPoll(poll);
        io.to(shown ? liveRoom(session) : staffRoom(session)).emit('poll:results', { session, ...results });
      } catch (error) {
        log.warn({ err: error, poll }, 'could not count poll votes');
      }
    }, resultsDelayMs);
    timer.unref();
    pendingResults.set(poll, timer);
  };

  const arrive = async (socket: Socket, participant: Participant) => {
    await socket.join([
      liveRoom(participant.session),
      personRoom(participant.session, participant.user),
      ...(participant.staff ? [staffRoom(participant.session)] : []),
    ]);
    dataOf(socket).live = { ...dataOf(socket).live, [participant.session]: participant };
    await recordAttendance(participant, dataOf(socket).connection!, 'join');
    presence.announce(participant.session, participant.user, personOf(participant));
    // And to the joiner's own connections at once, as a broadcast: Socket.IO can only recover a
    // dropped connection from the offset of the last broadcast it received, and the room's next
    // presence message may be a second away.
    server!
      .to(personRoom(participant.session, participant.user))
      .emit('presence', { session: participant.session, joined: [personOf(participant)], left: [] });
  };

  const depart = async (socket: Socket, participant: Participant) => {
    await recordAttendance(participant, dataOf(socket).connection!, 'leave');
    if (await presence.alone(participant, socket.id)) presence.announce(participant.session, participant.user, null);
  };

  live.onConnection((socket, io) => {
    server = io;
    dataOf(socket).connection = randomUUID();
    // Back within the recovery window: Socket.IO gave the socket its rooms and data again and
    // replays what it missed; only its attendance starts again (the drop itself was recorded).
    if (socket.recovered)
      for (const participant of Object.values(dataOf(socket).live ?? {}))
        arrive(socket, participant).catch((error) => log.warn({ err: error }, 'could not record a recovered join'));
  });

  live.onDisconnecting((socket) => {
    for (const participant of Object.values(dataOf(socket).live ?? {}))
      if (socket.rooms.has(liveRoom(participant.session)))
        depart(socket, participant).catch((error) => log.warn({ err: error }, 'could not record a leave'));
  });

  const to = (io: Server, session: string) => io.to(liveRoom(session));

  live.event('room:join', inSession, async ({ session }, socket) => {
    const { participant, session: view } = await enterRoom(actorOf(socket), userOf(socket).name, session);
    if (!socket.rooms.has(liveRoom(session))) await arrive(socket, participant);
    return roomSnapshot(participant, view, await presence.present(session, personOf(participant)));
  });

  live.event('room:leave', inSession, async ({ session }, socket) => {
    const participant = participantOf(socket, session);
    await depart(socket, participant);
    for (const room of [liveRoom(session), staffRoom(session), personRoom(session, participant.user)]) socket.leave(room);
    const { [session]: _left, ...others } = dataOf(socket).live ?? {};
    dataOf(socket).live = others;
    return {};
  });

  live.event('chat:send', chatSend, async (input, socket, io) => {
    const { post, created } = await sendMessage(participantOf(socket, input.session), input);
    if (created) to(io, input.session).emit('chat:message', { session: input.session, message: post });
    return post;
  });

  live.event('chat:delete', onMessage, async ({ session, message }, socket, io) => {
    await deletePost(participantOf(socket, session), message, 'message');
    to(io, session).emit('chat:deleted', { session, id: message });
    return {};
  });

  live.event('question:ask', questionAsk, async (input, socket, io) => {
    const { question, created } = await askQuestion(participantOf(socket, input.session), input);
    if (created) to(io, input.session).emit('question:new', { session: input.session, question });
    return question;
  });

  live.event('question:upvote', onQuestion, async ({ session, question }, socket, io) => {
    const votes = await upvoteQuestion(participantOf(socket, session), question);
    to(io, session).emit('question:votes', { session, ...votes });
    return votes;
  });

  live.event('question:answer', onQuestion, async ({ session, question }, socket, io) => {
    await answerQuestion(participantOf(socket, session), question);
    to(io, session).emit('question:answered', { session, id: question });
    return {};
  });

  live.event('question:delete', onQuestion, async ({ session, question }, socket, io) => {
    await deletePost(participantOf(socket, session), question, 'question');
    to(io, session).emit('question:deleted', { session, id: question });
    return {};
  });

  live.event('poll:launch', pollLaunch, async (input, socket, io) => {
    const { poll, created } = await launchPoll(participantOf(socket, input.session), input);
    if (created) to(io, input.session).emit('poll:new', { session: input.session, poll });
    return poll;
  });

  live.event('poll:vote', pollVote, async (input, socket, io) => {
    const vote = await votePoll(participantOf(socket, input.session), input);
    announceResults(io, input.session, input.poll);
    return vote;
  });

  live.event('poll:show', pollShow, async (input, socket, io) => {
    await showPoll(participantOf(socket, input.session), input);
    if (input.shown) {
      const { results } = await countPoll(input.poll);
      to(io, input.session).emit('poll:results', { session: input.session, ...results });
    } else to(io, input.session).emit('poll:hidden', { session: input.session, id: input.poll });
    return {};
  });

  live.event('poll:close', onPoll, async ({ session, poll }, socket, io) => {
    await closePoll(participantOf(socket, session), poll);
    to(io, session).emit('poll:closed', { session, id: poll });
    return {};
  });

  const announceHands = async (io: Server, session: string) =>
    to(io, session).emit('hand:queue', { session, hands: await handQueue(session) });

  live.event('hand:raise', inSession, async ({ session }, socket, io) => {
    await raiseHand(participantOf(socket, session));
    await announceHands(io, session);
    return {};
  });

  live.event('hand:lower', handLower, async ({ session, user }, socket, io) => {
    await lowerHand(participantOf(socket, session), user);
    await announceHands(io, session);
    return {};
  });

  live.event('slides:goto', slidesGoto, async ({ session, page }, socket, io) => {
    participantOf(socket, session);
    const turned = await turnPage(actorOf(socket), session, page);
    to(io, session).emit('slides:page', { session, ...turned });
    return turned;
  });

  live.event('member:mute', memberMute, async (input, socket, io) => {
    await muteMember(participantOf(socket, input.session), input);
    to(io, input.session).emit('member:muted', { session: input.session, user: input.user, muted: input.muted });
    return {};
  });

  live.event('member:remove', memberRemove, async ({ session, user }, socket, io) => {
    await removeMember(participantOf(socket, session), user);
    // Told first, then cut off: their disconnect records the leave and tells the others.
    io.to(personRoom(session, user)).emit('room:removed', { session });
    io.in(personRoom(session, user)).disconnectSockets(true);
    return {};
  });

  live.event('room:end', inSession, async ({ session }, socket, io) => {
    await endRoom(participantOf(socket, session));
    to(io, session).emit('room:ended', { session });
    await summariseSession(session);
    // After this answer has gone out: everyone leaves (their leaves are recorded as they go).
    setImmediate(() => io.in(liveRoom(session)).disconnectSockets(true));
    return {};
  });
}
