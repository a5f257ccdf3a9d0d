import { createHmac, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { Cohort } from '../src/cohorts/model.js';
import { LiveSession } from '../src/live/model.js';
import { sessionCookieName } from '../src/platform/session.js';
import { elapsedSeconds, enrolCopiedTrainees, insertInBatches, seedBenchCohort } from './benchCohort.js';
import { shapeDifferences } from './curriculumDocs.js';
import { logIn } from './measure.js';

/**
 * The live-room benchmark's world: one cohort of `trainees` enrolled trainees at the demo
 * coordinator's institution, with the demo instructor, and a live session under way for each run.
 * As in examSeed.ts, the first trainee goes through the services (createUser, applyOnBehalf) and
 * the others are copies of its documents inserted in batches, refused if their shape differs.
 * A cohort form allows 1,000 places; a run of more clients raises the capacity in the document
 * itself (a class that size cannot be made through the pages today; the room has no limit of its
 * own). Each trainee's login session is written straight into the session store: the sample logs
 * in through the login form (one argon2 check), and its stored session and signed cookie are
 * copied for the others, checked against the real ones, instead of thousands of argon2 logins.
 */

const samplePassword = 'kelas-langsung-1';

export type LiveSeed = {
  cohort: string;
  instructor: string;
  sample: { id: string; email: string };
  trainees: string[];
  timings: { name: string; seconds: number }[];
};

export async function seedLiveRoom(trainees: number, log: (line: string) => void): Promise<LiveSeed> {
  const timings: LiveSeed['timings'] = [];
  let start = performance.now();
  const code = `LIVE-${Date.now().toString(36).toUpperCase()}`;
  const { admin, coordinator, instructor, cohort } = await seedBenchCohort(
    { code, program: `Kelas langsung ${code}`, module: 'Modul kelas', cohort: `Angkatan kelas langsung ${code}` },
    Math.min(trainees, 1000),
  );

  if (trainees > 1000) await Cohort.updateOne({ _id: cohort }, { $set: { capacity: trainees } });
  timings.push({ name: 'program and cohort (services)', seconds: elapsedSeconds(start) });

  start = performance.now();
  const email = (n: number) => `live.${code.toLowerCase()}.${String(n).padStart(5, '0')}@kompeten.test`;
  const { sampleView, users } = await enrolCopiedTrainees({ admin, coordinator }, cohort, trainees, {
    email,
    name: (n) => `Peserta Live ${String(n).padStart(5, '0')}`,
    password: samplePassword,
  });
  timings.push({
    name: `${trainees} enrolled trainees (1 through the services, the rest copied)`,
    seconds: elapsedSeconds(start),
  });
  log(`Seeded the live room: ${trainees} trainees of cohort ${cohort}`);
  return {
    cohort,
    instructor: instructor.id,
    sample: { id: sampleView.id, email: email(1) },
    trainees: [sampleView.id, ...users.map((user) => String(user._id))],
    timings,
  };
}

/** A class of the cohort that began five minutes ago and lasts two hours: its room is open. */
export async function startLiveSession(seed: LiveSeed, title: string): Promise<string> {
  const doc = await LiveSession.create({
    cohort: seed.cohort,
    title,
    startsAt: new Date(Date.now() - 5 * 60_000 + Math.floor(Math.random() * 60_000)),
    durationMinutes: 120,
    meetingUrl: 'https://meet.jit.si/kompeten-kelas',
    createdBy: seed.instructor,
  });
  return String(doc._id);
}

/** express-session's signed cookie value (cookie-signature: HMAC-SHA256, base64 without padding). */
const signedCookie = (sid: string, secret: string) =>
  `${sessionCookieName}=${encodeURIComponent(`s:${sid}.${createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '')}`)}`;

type SessionRecord = { _id: string; session: string; expires: Date; expiresOn: string };

/**
 * A logged-in session for every trainee, keyed by account id: the sample's from a real login
 * through the app at `appUrl`, the others copies of its stored record (MongoSessionStore's shape)
 * with their own id and account, under a cookie signed as express-session signs it.
 */
export async function seedLoginSessions(appUrl: string, seed: LiveSeed, secret: string): Promise<Map<string, string>> {
  const { cookie } = await logIn(appUrl, seed.sample.email, samplePassword);
  const value = decodeURIComponent(cookie!.slice(sessionCookieName.length + 1));
  const sid = value.slice(2, value.lastIndexOf('.'));
  if (signedCookie(sid, secret) !== cookie) throw new Error('The session cookie is not signed as the bench signs it');
  const sessions = mongoose.connection.collection<SessionRecord>('sessions');
  const record = await sessions.findOne({ _id: sid });
  if (!record) throw new Error('The login stored no session');
  const data = JSON.parse(record.session) as { passport?: { user?: { id?: string } } };
  if (data.passport?.user?.id !== seed.sample.id) throw new Error(`The login's session is not the sample's: ${record.session}`);
  const copyOf = (user: string) => {
    const session = JSON.parse(record.session) as { passport: { user: { id: string } } };
    session.passport.user.id = user;
    return { ...record, _id: randomBytes(24).toString('base64url'), session: JSON.stringify(session) };
  };
  const probe = copyOf(seed.trainees[1] ?? seed.sample.id);
  const problems = shapeDifferences(JSON.parse(record.session), JSON.parse(probe.session));
  if (problems.length || record.session.split(seed.sample.id).length !== 2)
    throw new Error(`A copied session would differ from the login's: ${problems.join(', ') || record.session}`);
  const cookies = new Map([[seed.sample.id, cookie!]]);
  const copies = seed.trainees.slice(1).map((user) => {
    const copy = copyOf(user);
    cookies.set(user, signedCookie(copy._id, secret));
    return copy;
  });
  await insertInBatches(sessions as never, copies);
  return cookies;
}
