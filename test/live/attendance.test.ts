import { expect } from 'chai';
import { type AttendanceRecord, attendanceByPerson, classWindow, windowMinutes } from '../../src/live/reports/attendance.js';

const base = Date.parse('2025-03-03T02:00:00Z'); // 09:00 WIB
/** A time `m` minutes (and `s` seconds) after the class's start. */
const t = (m: number, s = 0) => new Date(base + m * 60_000 + s * 1000);
const join = (user: string, connection: string, m: number, s = 0): AttendanceRecord => ({
  user,
  connection,
  kind: 'join',
  at: t(m, s),
});
const leave = (user: string, connection: string, m: number, s = 0): AttendanceRecord => ({
  user,
  connection,
  kind: 'leave',
  at: t(m, s),
});

/** A 90-minute class, not ended by the staff, looked at well after its end. */
const session = { startsAt: t(0), endsAt: t(90) };
const window = classWindow(session, null);
const later = t(600);
const minutesOf = (records: AttendanceRecord[], user = 'siti', options: { end?: Date | null; now?: Date } = {}) =>
  attendanceByPerson(records, classWindow(session, options.end ?? null), options.now ?? later).get(user);

describe('live attendance: minutes from joins and leaves', () => {
  it('counts the time from a join to its leave, in whole minutes rounded down', () => {
    const siti = minutesOf([join('siti', 'a', 10), leave('siti', 'a', 40, 59)]);
    expect(siti?.minutes).to.equal(30);
    expect(siti?.firstJoinAt).to.deep.equal(t(10));
    expect(siti?.lastLeaveAt).to.deep.equal(t(40, 59));
    const brief = minutesOf([join('siti', 'a', 10), leave('siti', 'a', 10, 59)]);
    expect(brief?.minutes, 'under a minute is no minute').to.equal(0);
  });

  it('counts two tabs open at the same time once', () => {
    const siti = minutesOf([
      join('siti', 'laptop', 0),
      join('siti', 'phone', 20),
      leave('siti', 'phone', 50),
      leave('siti', 'laptop', 60),
    ]);
    expect(siti?.minutes).to.equal(60);
    const partly = minutesOf([join('siti', 'a', 0), join('siti', 'b', 20), leave('siti', 'a', 30), leave('siti', 'b', 45)]);
    expect(partly?.minutes, 'overlapping tabs: their union').to.equal(45);
    expect(partly?.intervals).to.have.length(1);
  });

  it('adds up leaving and coming back, without the time away', () => {
    const siti = minutesOf([join('siti', 'a', 0), leave('siti', 'a', 20), join('siti', 'b', 35), leave('siti', 'b', 90)]);
    expect(siti?.minutes).to.equal(20 + 55);
    expect(siti?.intervals).to.have.length(2);
    expect(siti?.firstJoinAt).to.deep.equal(t(0));
    expect(siti?.lastLeaveAt).to.deep.equal(t(90));
  });

  it('does not count time before the start or after the end, but shows when they really came', () => {
    const early = minutesOf([join('siti', 'a', -15), leave('siti', 'a', 30)]);
    expect(early?.minutes).to.equal(30);
    expect(early?.firstJoinAt, 'the real first join').to.deep.equal(t(-15));
    const lingering = minutesOf([join('siti', 'a', 80), leave('siti', 'a', 120)]);
    expect(lingering?.minutes).to.equal(10);
    const outside = minutesOf([join('siti', 'a', -30), leave('siti', 'a', -5)]);
    expect(outside?.minutes, 'only in the lobby before the class').to.equal(0);
  });

  it('ends a connection lost in a crash at the same person’s next join', () => {
    // The laptop's connection was lost without a leave at 30; the browser came back at 31.
    const siti = minutesOf([join('siti', 'a', 0), join('siti', 'b', 31), leave('siti', 'b', 60)]);
    expect(siti?.minutes, '0–31 and 31–60').to.equal(60);
    // Came back much later: the lost connection ends at that next join, not before it.
    const gap = minutesOf([join('siti', 'a', 0), join('siti', 'b', 70), leave('siti', 'b', 80)]);
    expect(gap?.minutes).to.equal(80);
  });

  it('ends a connection lost in a crash at the class’s end when no join follows, never later than now', () => {
    expect(minutesOf([join('siti', 'a', 10)])?.minutes, 'to the scheduled end').to.equal(80);
    expect(minutesOf([join('siti', 'a', 10)], 'siti', { end: t(50) })?.minutes, 'to the room’s end').to.equal(40);
    const now = minutesOf([join('siti', 'a', 10)], 'siti', { now: t(25, 30) });
    expect(now?.minutes, 'under way: until now').to.equal(15);
    expect(now?.lastLeaveAt, 'still in the room').to.equal(null);
    const over = minutesOf([join('siti', 'a', 10)], 'siti', { now: t(95) });
    expect(over?.lastLeaveAt, 'the class is over: they left with it').to.deep.equal(t(90));
  });

  it('counts to the room’s real end when the staff ran over, and only to it when they ended early', () => {
    const records = [join('siti', 'a', 0), leave('siti', 'a', 110)];
    expect(minutesOf(records, 'siti', { end: t(105) })?.minutes).to.equal(105);
    expect(minutesOf(records, 'siti', { end: t(45) })?.minutes).to.equal(45);
    expect(windowMinutes(classWindow(session, t(105)))).to.equal(105);
    expect(windowMinutes(classWindow(session, t(-10))), 'ended before it began: nothing').to.equal(0);
  });

  it('keeps people apart and drops a leave without its join', () => {
    const people = attendanceByPerson(
      [join('siti', 'a', 0), leave('siti', 'a', 30), join('budi', 'b', 5), leave('budi', 'b', 90), leave('rina', 'c', 40)],
      window,
      later,
    );
    expect(people.get('siti')?.minutes).to.equal(30);
    expect(people.get('budi')?.minutes).to.equal(85);
    expect(people.has('rina'), 'a leave alone says nothing').to.equal(false);
    // Another person's join does not end a lost connection.
    const crash = attendanceByPerson([join('siti', 'a', 0), join('budi', 'b', 10), leave('budi', 'b', 20)], window, later);
    expect(crash.get('siti')?.minutes).to.equal(90);
  });
});
