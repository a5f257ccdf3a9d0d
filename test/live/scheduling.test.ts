import { expect } from 'chai';
import supertest from 'supertest';
import { wibParts } from '../../src/assessments/assignments/schemas.js';
import { Cohort } from '../../src/cohorts/model.js';
import { escapeText, foldLine } from '../../src/live/calendar.js';
import { LiveSession } from '../../src/live/model.js';
import { cancelSession, createSession, updateSession } from '../../src/live/service.js';
import { enrolledTrainee } from '../learning/helpers.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const minute = 60_000;
const day = 86_400_000;

describe('live sessions: scheduling, changes and the calendar feed', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  /** A cohort whose dates began yesterday, with a weekly slot on Monday and Wednesday 19:00–21:00 WIB. */
  async function runningCohort() {
    const setup = await makeCohortSetup();
    await Cohort.updateOne(
      { _id: setup.cohort },
      {
        $set: {
          startsOn: new Date(Date.now() - day),
          schedule: { days: [1, 3], start: '19:00', end: '21:00' },
        },
      },
    );
    return setup;
  }
  const tokenOf = async (user: { email: string; password: string }) =>
    (await supertest(app).post('/api/v1/auth/token').send({ email: user.email, password: user.password })).body.token as string;
  const session = (startsAt: Date, overrides: Record<string, unknown> = {}) => ({
    title: 'Praktik HTML',
    startsAt,
    durationMinutes: 90,
    module: '',
    meetingUrl: 'https://meet.jit.si/kompeten-kelas',
    ...overrides,
  });

  it('schedules, moves and cancels over the API, refusing a stale revision with 409', async () => {
    const setup = await runningCohort();
    const token = await tokenOf(setup.instructorUser);
    const startsAt = new Date(Date.now() + 2 * day).toISOString();
    const created = await supertest(app)
      .post(`/api/v1/cohorts/${setup.cohort}/live-sessions`)
      .set('Authorization', `Bearer ${token}`)
      .send({ title: 'Praktik HTML', startsAt, durationMinutes: 90, meetingUrl: 'https://meet.jit.si/x' })
      .expect(201);
    expect(created.body).to.include({ status: 'scheduled', revision: 1, durationMinutes: 90 });
    const id = created.body.id as string;

    const later = new Date(Date.now() + 3 * day).toISOString();
    const moved = await supertest(app)
      .put(`/api/v1/live-sessions/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .send({ title: 'Praktik HTML', startsAt: later, durationMinutes: 60, revision: 1 })
      .expect(200);
    expect(moved.body).to.include({ revision: 2, startsAt: later, durationMinutes: 60 });

    // A second tab still holding revision 1.
    const stale = await supertest(app)
      .put(`/api/v1/live-sessions/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'id')
      .send({ title: 'Lain', startsAt, durationMinutes: 60, revision: 1 })
      .expect(409);
    expect(stale.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(stale.body.detail).to.include('sudah diubah orang lain');
    await supertest(app).delete(`/api/v1/live-sessions/${id}?revision=1`).set('Authorization', `Bearer ${token}`).expect(409);
    const cancelled = await supertest(app)
      .delete(`/api/v1/live-sessions/${id}?revision=2`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(cancelled.body).to.include({ status: 'cancelled', revision: 3 });
    const stored = await LiveSession.findById(id).lean();
    expect(stored?.title, 'the stale edit changed nothing').to.equal('Praktik HTML');

    const list = await supertest(app)
      .get(`/api/v1/cohorts/${setup.cohort}/live-sessions`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(list.body.upcoming.map((item: { status: string }) => item.status)).to.deep.equal(['cancelled']);
  });

  it('refuses bad input on the form with Indonesian messages and keeps nothing', async () => {
    const setup = await runningCohort();
    const agent = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    const tomorrow = wibParts(new Date(Date.now() + day)).day;
    const post = (fields: Record<string, string>) =>
      submitForm(agent, `/cohorts/${setup.cohort}/live`, {
        title: 'Sesi',
        day: tomorrow,
        time: '19:00',
        durationMinutes: '90',
        module: '',
        meetingUrl: '',
        ...fields,
      });
    const past = await post({ day: wibParts(new Date(Date.now() - day)).day });
    expect(past.status).to.equal(422);
    expect(past.text).to.include('Waktu mulai sudah lewat');
    const url = await post({ meetingUrl: 'javascript:alert(1)' });
    expect(url.status).to.equal(422);
    expect(url.text).to.include('Tautan rapat harus alamat http:// atau https://');
    expect(url.text, 'the typed value is kept in the form').to.include('value="javascript:alert(1)"');
    const short = await post({ durationMinutes: '10' });
    expect(short.text).to.include('Durasi harus antara 15 dan 480 menit');
    const long = await post({ durationMinutes: '600' });
    expect(long.text).to.include('Durasi harus antara 15 dan 480 menit');
    const outside = await post({ day: wibParts(new Date(Date.now() + 90 * day)).day });
    expect(outside.status).to.equal(422);
    expect(outside.text).to.include('Waktu sesi harus di dalam masa angkatan');
    expect(await LiveSession.countDocuments({ cohort: setup.cohort })).to.equal(0);

    const fine = await post({});
    expect(fine.status).to.equal(303);
    const page = await agent.get(`/cohorts/${setup.cohort}/live?saved=created`).expect(200);
    expect(page.text).to.include('Sesi dijadwalkan.').and.include('19.00 WIB');
  });

  it('generates sessions from the weekly slot once: a second run adds none', async () => {
    const setup = await runningCohort();
    const from = wibParts(new Date(Date.now() + day)).day;
    const to = wibParts(new Date(Date.now() + 22 * day)).day;
    const token = await tokenOf(setup.instructorUser);
    const generate = () =>
      supertest(app)
        .post(`/api/v1/cohorts/${setup.cohort}/live-sessions/generate`)
        .set('Authorization', `Bearer ${token}`)
        .send({ title: 'Kelas mingguan', from, to, module: '', meetingUrl: '' })
        .expect(200);
    const first = await generate();
    // Three weeks of Mondays and Wednesdays: six slots (seven when the range starts and ends on one).
    expect(first.body.created).to.be.within(6, 7);
    for (const item of first.body.items as { startsAt: string; durationMinutes: number }[]) {
      expect(wibParts(new Date(item.startsAt)).time).to.equal('19:00');
      expect(item.durationMinutes).to.equal(120);
      const weekday = new Date(`${wibParts(new Date(item.startsAt)).day}T00:00:00Z`).getUTCDay();
      expect([1, 3]).to.include(weekday);
    }
    const second = await generate();
    expect(second.body).to.include({ created: 0, existing: first.body.created });
    expect(await LiveSession.countDocuments({ cohort: setup.cohort })).to.equal(first.body.created);
  });

  it("refuses another cohort's trainee and instructor", async () => {
    const setup = await runningCohort();
    const other = await makeCohortSetup();
    const { agent: foreignTrainee } = await enrolledTrainee(app, other);
    const foreignInstructor = await tokenOf(other.instructorUser);
    const { agent: ownTrainee } = await enrolledTrainee(app, setup);
    await createSession(setup.instructor, setup.cohort, session(new Date(Date.now() + 2 * day)));

    await foreignTrainee.get(`/cohorts/${setup.cohort}/live`).expect(403);
    await ownTrainee.get(`/cohorts/${setup.cohort}/live`).expect(200);
    const tomorrow = wibParts(new Date(Date.now() + day)).day;
    const fields = { title: 'Sesi', day: tomorrow, time: '19:00', durationMinutes: '60' };
    expect((await submitForm(ownTrainee, `/cohorts/${setup.cohort}/live`, fields)).status).to.equal(403);
    await supertest(app)
      .get(`/api/v1/cohorts/${setup.cohort}/live-sessions`)
      .set('Authorization', `Bearer ${foreignInstructor}`)
      .expect(403);
    await supertest(app)
      .post(`/api/v1/cohorts/${setup.cohort}/live-sessions`)
      .set('Authorization', `Bearer ${foreignInstructor}`)
      .send({ title: 'Sesi', startsAt: new Date(Date.now() + day).toISOString(), durationMinutes: 60 })
      .expect(403);
    expect(await LiveSession.countDocuments({ cohort: setup.cohort })).to.equal(1);
  });

  it('serves a personal .ics feed: folded CRLF lines, escaped text, SEQUENCE, CANCELLED; a bad token is 404', async () => {
    const setup = await runningCohort();
    const { agent } = await enrolledTrainee(app, setup);
    const title = `Praktik: HTML, CSS; JS \\ dasar — ${'panjang '.repeat(10)}`.trim();
    const kept = await createSession(setup.instructor, setup.cohort, session(new Date(Date.now() + 2 * day), { title }));
    const dropped = await createSession(setup.instructor, setup.cohort, session(new Date(Date.now() + 3 * day)));
    await cancelSession(setup.instructor, dropped.id, 1);

    const page = await agent.get(`/cohorts/${setup.cohort}/live`).expect(200);
    const address = /value="(https?:\/\/[^"]+\/calendar\/[A-Za-z0-9_-]+\.ics)"/.exec(page.text)?.[1];
    expect(address, 'the feed address is shown to copy').to.be.a('string');
    const path = new URL(address!).pathname;
    const feed = await supertest(app).get(path).expect(200);
    expect(feed.headers['content-type']).to.match(/^text\/calendar/);
    const raw = feed.text;
    expect(raw.endsWith('\r\n')).to.equal(true);
    for (const line of raw.split('\r\n')) expect(Buffer.byteLength(line), line).to.be.at.most(75);
    const lines = raw.replace(/\r\n /g, '').split('\r\n');
    expect(lines[0]).to.equal('BEGIN:VCALENDAR');
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).to.have.length(2);
    expect(lines).to.include(`SUMMARY:${escapeText(title)}`);
    expect(escapeText(title)).to.include('Praktik: HTML\\, CSS\\; JS \\\\ dasar');
    const events = raw
      .replace(/\r\n /g, '')
      .split('BEGIN:VEVENT')
      .slice(1)
      .map((block) => block.split('\r\n'));
    const eventOf = (id: string) => events.find((event) => event.some((line) => line.startsWith(`UID:live-${id}@`)))!;
    expect(eventOf(dropped.id)).to.include('STATUS:CANCELLED').and.include('SEQUENCE:2');
    expect(eventOf(kept.id)).to.include('STATUS:CONFIRMED').and.include('SEQUENCE:1');
    const start = eventOf(kept.id).find((line) => line.startsWith('DTSTART:'))!;
    expect(start).to.match(/^DTSTART:\d{8}T\d{6}Z$/);

    // Moving keeps the UID and raises SEQUENCE, so calendar apps update the event in place.
    await updateSession(setup.instructor, kept.id, { ...session(new Date(Date.now() + 4 * day), { title }), revision: 1 });
    const again = (await supertest(app).get(path).expect(200)).text.replace(/\r\n /g, '');
    expect(again).to.include(`UID:live-${kept.id}@`);
    expect(again.split('BEGIN:VEVENT').find((block) => block.includes(kept.id))).to.include('SEQUENCE:2');

    await supertest(app).get('/calendar/not-a-real-token-but-long-enough-0123456789.ics').expect(404);
    await supertest(app).get('/calendar/x.ics').expect(404);
    // Resetting the link ends the old address.
    expect((await submitForm(agent, '/calendar/reset', { cohort: setup.cohort })).status).to.equal(303);
    await supertest(app).get(path).expect(404);
  });

  it('folds at 75 octets without splitting a character', () => {
    const folded = foldLine(`SUMMARY:${'é'.repeat(60)}`);
    const parts = folded.split('\r\n');
    expect(parts.length).to.be.greaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(part)).to.be.at.most(75);
    expect(folded.replace(/\r\n /g, '')).to.equal(`SUMMARY:${'é'.repeat(60)}`);
  });

  it('shows the trainee a reminder for a session starting in 10 minutes, and a notice of a change', async () => {
    const setup = await runningCohort();
    const { agent } = await enrolledTrainee(app, setup);
    await createSession(
      setup.instructor,
      setup.cohort,
      session(new Date(Date.now() + 10 * minute), { title: 'Kelas pagi', meetingUrl: 'https://meet.jit.si/pagi' }),
    );
    const moved = await createSession(
      setup.instructor,
      setup.cohort,
      session(new Date(Date.now() + 2 * day), { title: 'Kelas sore' }),
    );
    await updateSession(setup.instructor, moved.id, {
      ...session(new Date(Date.now() + 3 * day), { title: 'Kelas sore' }),
      revision: 1,
    });
    const cancelled = await createSession(
      setup.instructor,
      setup.cohort,
      session(new Date(Date.now() + 5 * day), { title: 'Kelas batal' }),
    );
    await cancelSession(setup.instructor, cancelled.id, 1);

    for (const path of ['/dashboard', '/learning']) {
      const page = await agent.get(path).expect(200);
      expect(page.text, path).to.include('Kelas langsung &#34;Kelas pagi&#34; segera dimulai.');
      expect(page.text, path).to.include('href="https://meet.jit.si/pagi"');
      expect(page.text, path).to.match(/href="\/live\/[0-9a-f]{24}\/room">Gabung sekarang</);
      expect(page.text, path).to.include('Sesi &#34;Kelas sore&#34;').and.include('dipindahkan ke');
      expect(page.text, path).to.include('Sesi &#34;Kelas batal&#34;').and.include('dibatalkan.');
    }
    // Another trainee of another cohort sees none of it.
    const stranger = await makeUser('trainee', setup.institution);
    const strangerAgent = await loggedInAgent(app, stranger.email, stranger.password);
    expect((await strangerAgent.get('/dashboard').expect(200)).text).not.to.include('Kelas pagi');
  });
});
