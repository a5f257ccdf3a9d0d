import type { Server, Socket } from 'socket.io';
import type { Logger } from '../../platform/logger.js';
import { liveRoom, personRoom } from './rooms.js';
import type { Participant, Person } from './service.js';

/**
 * Who is in a class, worked out from the sockets in its room on every process (with Redis, each
 * process answers for its own), never kept as a list of its own that could drift from them.
 *
 * A class filling up must not cost a broadcast and a full list per person who enters: with n
 * people that is n² deliveries and encodings (the benchmark's 1,000 clients took minutes to get
 * in). So a (re)joining client gets at most `listedPeople` names and the count, the list is read
 * at most once a second per class and process, and the room hears of arrivals and departures in
 * one `presence` message per second at most.
 */
export const listedPeople = 200;
const presenceDelayMs = 1_000;

export const personOf = (participant: Participant): Person => ({
  id: participant.user,
  name: participant.name,
  role: participant.role,
});

type WithClasses = { data: unknown };
const classesOf = (socket: WithClasses) => (socket.data as { live?: Record<string, Participant> }).live;

export function createPresence(io: () => Server, log: Logger) {
  const listed = new Map<string, { at: number; people: Promise<Person[]> }>();
  const pending = new Map<string, Map<string, Person | null>>();

  /** Everyone in the class now, one entry per person however many tabs; staff first. */
  async function readPeople(session: string): Promise<Person[]> {
    const people = new Map<string, Person>();
    for (const socket of await io().in(liveRoom(session)).fetchSockets()) {
      const participant = classesOf(socket)?.[session];
      if (participant) people.set(participant.user, personOf(participant));
    }
    return [...people.values()].sort((a, b) => Number(a.role === 'trainee') - Number(b.role === 'trainee'));
  }

  /** The people present, read at most once a second per class (many join at once after a restart). */
  function people(session: string, now = Date.now()): Promise<Person[]> {
    const cached = listed.get(session);
    if (cached && now - cached.at < presenceDelayMs) return cached.people;
    const fresh = readPeople(session);
    listed.set(session, { at: now, people: fresh });
    fresh.catch(() => listed.delete(session));
    return fresh;
  }

  async function flush(session: string) {
    const changes = pending.get(session);
    pending.delete(session);
    listed.delete(session);
    if (!changes) return;
    const present = await people(session);
    const joined = [...changes.values()].filter((person): person is Person => person !== null);
    const left = [...changes.entries()].filter(([, person]) => person === null).map(([id]) => id);
    io().to(liveRoom(session)).emit('presence', { session, joined, left, count: present.length });
  }

  /** Notes an arrival (`person`) or a departure (null); the room hears of it within a second. */
  function announce(session: string, user: string, person: Person | null) {
    let changes = pending.get(session);
    if (!changes) {
      changes = new Map();
      pending.set(session, changes);
      setTimeout(
        () => flush(session).catch((error) => log.warn({ err: error, session }, 'could not announce presence')),
        presenceDelayMs,
      ).unref();
    }
    changes.set(user, person);
  }

  return {
    /** The snapshot's view of who is here: the first `listedPeople` (staff first) and how many in all. */
    async present(session: string, self: Person) {
      let all = await people(session);
      // The list may be a second old: the person asking is here, whatever it says.
      if (!all.some((person) => person.id === self.id)) all = [...all, self];
      return { people: all.slice(0, listedPeople), count: all.length };
    },
    /** Whether the person has no connection in the class besides the socket `except`. */
    async alone(participant: Participant, except: Socket['id']): Promise<boolean> {
      const sockets = await io().in(personRoom(participant.session, participant.user)).fetchSockets();
      return sockets.every((socket) => socket.id === except);
    },
    announce,
  };
}
export type Presence = ReturnType<typeof createPresence>;
