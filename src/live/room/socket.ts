import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import { ForbiddenError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { actorOf, type LiveConnections, onEvent, userOf } from '../../platform/socket.js';
import { summariseSession } from '../reports/service.js';
import { turnPage } from '../slides/service.js';
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
  deletePost,
  endRoom,
  enterRoom,
  handQueue,
  launchPoll,
  lowerHand,
  muteMember,
  type Participant,
  type Person,
  pollResults,
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
const personOf = (participant: Participant): Person => ({ id: participant.user, name: participant.name, role: participant.role });

/** The participant this socket joined `session` as; an event for a room it is not in is refused. */
function participantOf(socket: Socket, session: string): Participant {
  const participant = dataOf(socket).live?.[session];
  if (!participant || !socket.rooms.has(liveRoom(session))) throw new ForbiddenError();
  return participant;
}

/** Everyone in the class now, one entry per person however many tabs, on every process. */
async function presentPeople(io: Server, session: string): Promise<Person[]> {
  const people = new Map<string, Person>();
  for (const socket of await io.in(liveRoom(session)).fetchSockets()) {
    const participant = dataOf(socket).live?.[session];
    if (participant) people.set(participant.user, personOf(participant));
  }
  return [...people.values()];
}

/** Whether the person has no connection in the class besides `except`. */
async function aloneInClass(io: Server, participant: Participant, except: string): Promise<boolean> {
  const sockets = await io.in(personRoom(participant.session, participant.user)).fetchSockets();
  return sockets.every((socket) => socket.id === except);
}

/**
 * Poll results after a vote are counted and sent at most once per this interval and poll: a class
 * voting at once gets a few updates, not one recount per vote. Only a timer, no state: every
 * count is read from the votes.
 */
const resultsDelayMs = 300;

export function registerRoomEvents(connections: LiveConnections, log: Logger): void {
  const pendingResults = new Map<string, NodeJS.Timeout>();

  const announceResults = (io: Server, session: string, poll: string) => {
    if (pendingResults.has(poll)) return;
    const timer = setTimeout(async () => {
      pendingResults.delete(poll);
      try {
        const { results, shown } = await pollResults(poll);
        io.to(shown ? liveRoom(session) : staffRoom(session)).emit('poll:results', { session, ...results });
      } catch (error) {
        log.warn({ err: error, poll }, 'could not count poll votes');
      }
    }, resultsDelayMs);
    timer.unref();
    pendingResults.set(poll, timer);
  };

  const arrive = async (io: Server, socket: Socket, participant: Participant) => {
    const first = await aloneInClass(io, participant, socket.id);
    await socket.join([
      liveRoom(participant.session),
      personRoom(participant.session, participant.user),
      ...(participant.staff ? [staffRoom(participant.session)] : []),
    ]);
    dataOf(socket).live = { ...dataOf(socket).live, [participant.session]: participant };
    await recordAttendance(participant, dataOf(socket).connection!, 'join');
    // To the joiner too, as a broadcast: Socket.IO can only recover a dropped connection from the
    // offset of the last broadcast it received, and a quiet room might not have sent one yet.
    const hearers = first ? liveRoom(participant.session) : personRoom(participant.session, participant.user);
    io.to(hearers).emit('presence:join', { session: participant.session, person: personOf(participant) });
  };

  const depart = async (io: Server, socket: Socket, participant: Participant) => {
    await recordAttendance(participant, dataOf(socket).connection!, 'leave');
    if (await aloneInClass(io, participant, socket.id))
      socket
        .to(liveRoom(participant.session))
        .emit('presence:leave', { session: participant.session, person: { id: participant.user } });
  };

  connections.handle((socket, io) => {
    dataOf(socket).connection = randomUUID();
    // Back within the recovery window: Socket.IO gave the socket its rooms and data again and
    // replays what it missed; only its attendance starts again (the drop itself was recorded).
    if (socket.recovered)
      for (const participant of Object.values(dataOf(socket).live ?? {}))
        arrive(io, socket, participant).catch((error) => log.warn({ err: error }, 'could not record a recovered join'));

    socket.on('disconnecting', () => {
      for (const participant of Object.values(dataOf(socket).live ?? {}))
        if (socket.rooms.has(liveRoom(participant.session)))
          depart(io, socket, participant).catch((error) => log.warn({ err: error }, 'could not record a leave'));
    });

    const to = (session: string) => io.to(liveRoom(session));

    onEvent(socket, 'room:join', inSession, async ({ session }) => {
      const { participant, session: view } = await enterRoom(actorOf(socket), userOf(socket).name, session);
      if (!socket.rooms.has(liveRoom(session))) await arrive(io, socket, participant);
      return roomSnapshot(participant, view, await presentPeople(io, session));
    });

    onEvent(socket, 'room:leave', inSession, async ({ session }) => {
      const participant = participantOf(socket, session);
      await depart(io, socket, participant);
      for (const room of [liveRoom(session), staffRoom(session), personRoom(session, participant.user)]) socket.leave(room);
      const { [session]: _left, ...others } = dataOf(socket).live ?? {};
      dataOf(socket).live = others;
      return {};
    });

    onEvent(socket, 'chat:send', chatSend, async (input) => {
      const { post, created } = await sendMessage(participantOf(socket, input.session), input);
      if (created) to(input.session).emit('chat:message', { session: input.session, message: post });
      return post;
    });

    onEvent(socket, 'chat:delete', onMessage, async ({ session, message }) => {
      await deletePost(participantOf(socket, session), message, 'message');
      to(session).emit('chat:deleted', { session, id: message });
      return {};
    });

    onEvent(socket, 'question:ask', questionAsk, async (input) => {
      const { question, created } = await askQuestion(participantOf(socket, input.session), input);
      if (created) to(input.session).emit('question:new', { session: input.session, question });
      return question;
    });

    onEvent(socket, 'question:upvote', onQuestion, async ({ session, question }) => {
      const votes = await upvoteQuestion(participantOf(socket, session), question);
      to(session).emit('question:votes', { session, ...votes });
      return votes;
    });

    onEvent(socket, 'question:answer', onQuestion, async ({ session, question }) => {
      await answerQuestion(participantOf(socket, session), question);
      to(session).emit('question:answered', { session, id: question });
      return {};
    });

    onEvent(socket, 'question:delete', onQuestion, async ({ session, question }) => {
      await deletePost(participantOf(socket, session), question, 'question');
      to(session).emit('question:deleted', { session, id: question });
      return {};
    });

    onEvent(socket, 'poll:launch', pollLaunch, async (input) => {
      const { poll, created } = await launchPoll(participantOf(socket, input.session), input);
      if (created) to(input.session).emit('poll:new', { session: input.session, poll });
      return poll;
    });

    onEvent(socket, 'poll:vote', pollVote, async (input) => {
      const vote = await votePoll(participantOf(socket, input.session), input);
      announceResults(io, input.session, input.poll);
      return vote;
    });

    onEvent(socket, 'poll:show', pollShow, async (input) => {
      await showPoll(participantOf(socket, input.session), input);
      if (input.shown) {
        const { results } = await pollResults(input.poll);
        to(input.session).emit('poll:results', { session: input.session, ...results });
      } else to(input.session).emit('poll:hidden', { session: input.session, id: input.poll });
      return {};
    });

    onEvent(socket, 'poll:close', onPoll, async ({ session, poll }) => {
      await closePoll(participantOf(socket, session), poll);
      to(session).emit('poll:closed', { session, id: poll });
      return {};
    });

    const announceHands = async (session: string) => to(session).emit('hand:queue', { session, hands: await handQueue(session) });

    onEvent(socket, 'hand:raise', inSession, async ({ session }) => {
      await raiseHand(participantOf(socket, session));
      await announceHands(session);
      return {};
    });

    onEvent(socket, 'hand:lower', handLower, async ({ session, user }) => {
      await lowerHand(participantOf(socket, session), user);
      await announceHands(session);
      return {};
    });

    onEvent(socket, 'slides:goto', slidesGoto, async ({ session, page }) => {
      participantOf(socket, session);
      const turned = await turnPage(actorOf(socket), session, page);
      to(session).emit('slides:page', { session, ...turned });
      return turned;
    });

    onEvent(socket, 'member:mute', memberMute, async (input) => {
      await muteMember(participantOf(socket, input.session), input);
      to(input.session).emit('member:muted', { session: input.session, user: input.user, muted: input.muted });
      return {};
    });

    onEvent(socket, 'member:remove', memberRemove, async ({ session, user }) => {
      await removeMember(participantOf(socket, session), user);
      // Told first, then cut off: their disconnect records the leave and tells the others.
      io.to(personRoom(session, user)).emit('room:removed', { session });
      io.in(personRoom(session, user)).disconnectSockets(true);
      return {};
    });

    onEvent(socket, 'room:end', inSession, async ({ session }) => {
      await endRoom(participantOf(socket, session));
      to(session).emit('room:ended', { session });
      await summariseSession(session);
      // After this answer has gone out: everyone leaves (their leaves are recorded as they go).
      setImmediate(() => io.in(liveRoom(session)).disconnectSockets(true));
      return {};
    });
  });
}
