import { randomBytes } from 'node:crypto';
import { Cohort, type CohortDoc } from '../cohorts/model.js';
import { toCohortView } from '../cohorts/service.js';
import { traineeEnrollments } from '../enrolment/service.js';
import { isDuplicateKeyError, NotFoundError } from '../platform/errors.js';
import type { Actor, Role } from '../platform/permissions.js';
import { User } from '../users/model.js';
import { CalendarFeed, LiveSession, type LiveSessionDoc } from './model.js';
import { type LiveSessionView, toSessionView } from './service.js';

/**
 * A personal iCalendar (RFC 5545) feed of the live sessions of a user's cohorts, read by calendar
 * apps that cannot log in: the address carries a long random token, which its owner can reset.
 * Written by hand: a feed of VEVENTs is a few lines, and the rules that matter (CRLF, folding at
 * 75 octets without splitting a character, escaping, UTC times) are tested here; the `ics` package
 * would add three dependencies (yup, nanoid, runes2) for the same lines.
 */

const tokenPattern = /^[A-Za-z0-9_-]{32,64}$/;
const newToken = () => randomBytes(32).toString('base64url');

/** The user's feed token, made on first use (two requests at once: the first one's stands). */
export async function feedToken(actor: Actor): Promise<string> {
  const found = await CalendarFeed.findById(actor.id).lean();
  if (found) return found.token;
  try {
    await CalendarFeed.create({ _id: actor.id, token: newToken() });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  return (await CalendarFeed.findById(actor.id).lean())!.token;
}

/** A new token: the old address stops working at once (a link that was shared too widely). */
export async function resetFeedToken(actor: Actor): Promise<string> {
  const token = newToken();
  await CalendarFeed.updateOne({ _id: actor.id }, { $set: { token } }, { upsert: true });
  return token;
}

/**
 * The sessions a feed shows: of the cohorts its owner studies in (enrolled or completed) or
 * teaches (named as an instructor). Asked afresh on each read, so a withdrawn trainee's feed
 * empties and an inactive account's feed is gone.
 */
export async function feedSessions(token: string): Promise<LiveSessionView[]> {
  if (!tokenPattern.test(token)) throw new NotFoundError();
  const feed = await CalendarFeed.findOne({ token }).lean();
  if (!feed) throw new NotFoundError();
  const user = await User.findById(feed._id, { role: 1, active: 1 }).lean();
  if (!user || user.active === false) throw new NotFoundError();
  const role = user.role as Role;
  const cohortIds =
    role === 'trainee'
      ? (await traineeEnrollments(String(user._id)))
          .filter((enrolment) => enrolment.status === 'enrolled' || enrolment.status === 'completed')
          .map((enrolment) => String(enrolment.cohort))
      : (await Cohort.find({ instructors: user._id }).limit(500).lean<CohortDoc[]>())
          .map(toCohortView)
          .map((cohort) => cohort.id);
  const sessions: LiveSessionView[] = [];
  for (const cohort of cohortIds) {
    const docs = await LiveSession.find({ cohort }).limit(2_000).lean<LiveSessionDoc[]>();
    sessions.push(...docs.map(toSessionView));
  }
  return sessions.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // The first line holds 75 octets; each continuation starts with a space, so 74 more.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** A UTC DATE-TIME: 20250301T100000Z. */
const utc = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The calendar: one VEVENT per session, UID stable per session, SEQUENCE its revision. */
export function icsCalendar(
  sessions: (LiveSessionView & { cohortName?: string })[],
  options: { host: string; name: string; baseUrl: string; now?: Date },
) {
  const stamp = utc(options.now ?? new Date());
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Kompeten//Live sessions//ID',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(options.name)}`,
  ];
  for (const session of sessions) {
    const description = [session.meetingUrl, `${options.baseUrl}/cohorts/${session.cohort}/live`].filter(Boolean).join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:live-${session.id}@${options.host}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${utc(session.startsAt)}`,
      `DTEND:${utc(session.endsAt)}`,
      `SEQUENCE:${session.revision}`,
      `STATUS:${session.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
      `SUMMARY:${escapeText(session.title)}`,
      `DESCRIPTION:${escapeText(description)}`,
      ...(session.meetingUrl ? [`URL:${session.meetingUrl}`] : []),
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
