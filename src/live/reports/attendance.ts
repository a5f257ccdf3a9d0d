/**
 * Minutes attended, worked out from the room's attendance records (LiveAttendance: a join and a
 * leave per connection, live/room/model.ts). Pure functions: no database, no clock but `now`.
 */

export type AttendanceRecord = { user: string; connection: string; kind: 'join' | 'leave'; at: Date };

/** The part of a class that counts: from its start to its end. */
export type ClassWindow = { start: Date; end: Date };

export type PersonAttendance = {
  user: string;
  /** Whole minutes inside the class's window, tabs and rejoins counted once. */
  minutes: number;
  /** Their first join, as it happened (also when before the start). */
  firstJoinAt: Date | null;
  /** When their last connection ended; null while one is still open (they are in the room now). */
  lastLeaveAt: Date | null;
  /** Their time in the room within the window, merged: [start, end] in milliseconds. */
  intervals: [number, number][];
};

/**
 * The window a session's attendance counts in: from its scheduled start to the moment the staff
 * ended the room, else (never ended, or not yet) its scheduled end. Time in the room before the
 * start is waiting, not class, and the room is closed after its end, so neither counts: every
 * trainee is measured against the same stretch of teaching, whoever came early or lingered. A
 * class the staff ran over and then ended counts to its real end; one never ended is cut at the
 * scheduled end (nothing tells when it really stopped).
 */
export function classWindow(session: { startsAt: Date; endsAt: Date }, endedAt: Date | null): ClassWindow {
  const end = endedAt ?? session.endsAt;
  return { start: session.startsAt, end: new Date(Math.max(end.getTime(), session.startsAt.getTime())) };
}

/** Whole minutes of a window (the class's length, to compare minutes attended with). */
export const windowMinutes = (window: ClassWindow) => Math.floor((window.end.getTime() - window.start.getTime()) / 60_000);

/** Sorted, overlapping or touching intervals joined into one. */
function merge(intervals: [number, number][]): [number, number][] {
  const sorted = intervals.filter(([from, to]) => to > from).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/**
 * Each person's attendance, by user id. Per connection, the time from its join to its leave. A
 * join without a leave is a connection the server lost without hearing it go (the process
 * crashed or restarted): it ends at the same person's next join (their browser reconnected, as
 * it does at once after a restart), else at the class's end, and never later than `now` (a class
 * under way: they are still there). Known limit: a person with a tab open all along who also
 * opened and closed a second one has the first cut at the second's join (the records cannot tell
 * that from a crash); the room writes a leave for every connection it sees go, so this needs a lost
 * leave and a second tab together. A leave without its join (the join was never stored) is
 * dropped: nothing says when it began. The intervals of one person (two tabs, leaving and coming
 * back) are merged so no minute counts twice, clipped to the window, and rounded down to whole
 * minutes (a trainee is credited only with minutes fully spent).
 */
export function attendanceByPerson(records: AttendanceRecord[], window: ClassWindow, now: Date): Map<string, PersonAttendance> {
  const start = window.start.getTime();
  const end = Math.min(window.end.getTime(), now.getTime());
  const byConnection = new Map<string, { user: string; join?: number; leave?: number }>();
  for (const record of records) {
    const connection = byConnection.get(record.connection) ?? { user: record.user };
    const at = record.at.getTime();
    // One join and one leave per connection (unique in the database); the earliest join and latest leave if not.
    if (record.kind === 'join') connection.join = Math.min(connection.join ?? at, at);
    else connection.leave = Math.max(connection.leave ?? at, at);
    byConnection.set(record.connection, connection);
  }
  const joinsOf = new Map<string, number[]>();
  for (const connection of byConnection.values()) {
    if (connection.join === undefined) continue;
    const joins = joinsOf.get(connection.user) ?? [];
    joins.push(connection.join);
    joinsOf.set(connection.user, joins);
  }
  for (const joins of joinsOf.values()) joins.sort((a, b) => a - b);

  const people = new Map<string, { raw: [number, number][]; open: boolean; first: number; last: number }>();
  for (const { user, join, leave } of byConnection.values()) {
    if (join === undefined) continue;
    let to: number;
    let open = false;
    if (leave !== undefined) to = Math.max(join, leave);
    else {
      const next = joinsOf.get(user)!.find((at) => at > join);
      if (next !== undefined && next <= end) to = next;
      else {
        to = Math.max(join, end);
        open = now.getTime() < window.end.getTime(); // still there while the class goes on
      }
    }
    const person = people.get(user) ?? { raw: [], open: false, first: join, last: to };
    person.raw.push([join, to]);
    person.open ||= open;
    person.first = Math.min(person.first, join);
    person.last = Math.max(person.last, to);
    people.set(user, person);
  }

  const result = new Map<string, PersonAttendance>();
  for (const [user, person] of people) {
    const intervals = merge(person.raw.map(([from, to]): [number, number] => [Math.max(from, start), Math.min(to, end)]));
    const ms = intervals.reduce((sum, [from, to]) => sum + (to - from), 0);
    result.set(user, {
      user,
      minutes: Math.floor(ms / 60_000),
      firstJoinAt: new Date(person.first),
      lastLeaveAt: person.open ? null : new Date(person.last),
      intervals,
    });
  }
  return result;
}
