import { expect } from 'chai';
import supertest from 'supertest';
import { Cohort } from '../../src/cohorts/model.js';
import { createCohort } from '../../src/cohorts/service.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf, withdrawEnrollment } from '../../src/enrolment/service.js';
import { computeProgress } from '../../src/learning/progress.js';
import { recordProgress } from '../../src/learning/service.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram, type Snapshot } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { multipart, samples } from '../files/samples.js';
import { buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { completeLesson, enrolledTrainee, lessonUrl, progressEvent } from './helpers.js';

describe('learning: my learning, lessons and progress', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('computes progress per module and per competency unit, and the next lesson', () => {
    const lesson = (id: string) => ({
      id,
      title: id,
      bodyHash: '',
      estimatedMinutes: 5,
      video: { kind: 'none', embedId: '', file: null },
      files: [],
    });
    const snapshot = {
      units: [
        { code: 'U1', title: { id: 'Unit satu', en: '' }, status: 'approved', elements: [] },
        { code: 'U2', title: { id: 'Unit dua', en: '' }, status: 'approved', elements: [] },
      ],
      modules: [
        { id: 'm1', title: 'M1', units: ['U1'], lessons: [lesson('a'), lesson('b')] },
        { id: 'm2', title: 'M2', units: ['U1', 'U2'], lessons: [lesson('c'), lesson('d')] },
      ],
    } as unknown as Snapshot;
    const progress = computeProgress(snapshot, ['a', 'c', 'x-not-in-version']);
    expect(progress.overall).to.deep.equal({ done: 2, total: 4, percent: 50 });
    expect(progress.modules.map((m) => m.percent)).to.deep.equal([50, 50]);
    expect(progress.units.map((u) => [u.code, u.done, u.total])).to.deep.equal([
      ['U1', 2, 4],
      ['U2', 1, 2],
    ]);
    expect(progress.next?.id, 'the first lesson not done').to.equal('b');
    expect(computeProgress(snapshot, ['a', 'c'], 'd').next?.id, 'the lesson left unfinished comes first').to.equal('d');
    expect(computeProgress(snapshot, ['a', 'b', 'c', 'd']).next).to.equal(null);
  });

  it('lets an enrolled trainee read a lesson with previous and next, and nobody else', async () => {
    const setup = await makeCohortSetup({ shape: [2, 1] });
    const { agent } = await enrolledTrainee(app, setup);
    const [first, second] = setup.program.lessons as [string, string];
    const page = await agent.get(lessonUrl(setup, second)).expect(200);
    expect(page.text).to.include('Materi 1.2').and.include('Isi materi 1.2.');
    expect(page.text).to.include(`href="${lessonUrl(setup, first)}" rel="prev"`);
    expect(page.text).to.include(`/learn/${setup.cohort}/lessons/${setup.program.lessons[2]}" rel="next"`);
    expect(page.text).to.include('Materi ini selesai setelah Anda membacanya sampai akhir.');

    const stranger = await makeUser('trainee', setup.institution);
    const strangerAgent = await loggedInAgent(app, stranger.email, stranger.password);
    await strangerAgent.get(lessonUrl(setup, first)).expect(403);
    // Only applied: not yet a place, so not yet the lessons.
    await applyOnBehalf(setup.coordinator, setup.cohort, stranger.id, { source: 'staff' });
    await strangerAgent.get(lessonUrl(setup, first)).expect(403);
    await agent.get(`/learn/${setup.cohort}/lessons/${'0'.repeat(24)}`).expect(404);
  });

  it('marks a lesson done by hand, moves on to the next, and shows it in My learning', async () => {
    const setup = await makeCohortSetup({ shape: [2, 1] });
    const { agent } = await enrolledTrainee(app, setup);
    const [first, second] = setup.program.lessons as [string, string];
    const before = await agent.get('/learning').expect(200);
    expect(before.text).to.include('0 dari 3 materi selesai').and.include(`Mulai: Materi 1.1`);
    const done = await completeLesson(agent, setup, first);
    expect(done.headers.location).to.equal(lessonUrl(setup, second));
    const after = await agent.get('/learning').expect(200);
    expect(after.text).to.include('1 dari 3 materi selesai').and.include('Lanjutkan: Materi 1.2');
    expect(after.text, 'per module').to.include('1/2').and.include('0/1');
    const lessonPage = await agent.get(lessonUrl(setup, first));
    expect(lessonPage.text).to.include('Materi selesai ✓').and.include('Tandai belum selesai');
  });

  it('resumes on another device where the trainee left off', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const { user, agent } = await enrolledTrainee(app, setup);
    const third = setup.program.lessons[2]!;
    await agent.get(lessonUrl(setup, third)).expect(200);
    const token = await csrfTokenOf(agent, '/learning');
    await agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .send({ events: [progressEvent(user.id, setup, third, 'position', new Date().toISOString(), { position: 0.4 })] })
      .expect(200);
    const phone = await loggedInAgent(app, user.email, user.password);
    const mine = await phone.get('/learning').expect(200);
    expect(mine.text).to.include('Lanjutkan: Materi 1.3');
    const page = await phone.get(lessonUrl(setup, third)).expect(200);
    expect(page.text).to.include('data-resume="0.4"');
  });

  it('accepts progress made offline once, however often it is replayed, and keeps the newest position', async () => {
    const setup = await makeCohortSetup({ shape: [2, 2] });
    const { user, agent, enrollment } = await enrolledTrainee(app, setup);
    const [a, b, c] = setup.program.lessons as [string, string, string];
    const event = (...args: [string, 'complete' | 'position', string, object?]) => progressEvent(user.id, setup, ...args);
    const token = await csrfTokenOf(agent, '/learning');
    const batch = {
      events: [
        event(a, 'complete', '2026-11-20T08:00:00Z', { via: 'text' }),
        event(b, 'complete', '2026-11-20T08:10:00Z', { via: 'manual' }),
        event(b, 'complete', '2026-11-20T08:11:00Z', { via: 'manual' }),
        event(c, 'position', '2026-11-20T08:20:00Z', { position: 95 }),
      ],
    };
    const first = await agent.post('/api/v1/progress').set('x-csrf-token', token).send(batch).expect(200);
    expect(first.body.cohorts[0]).to.include({ done: 2, total: 4, percent: 50 });
    const replay = await agent.post('/api/v1/progress').set('x-csrf-token', token).send(batch).expect(200);
    expect(replay.body.cohorts[0]).to.include({ done: 2, total: 4 });
    // An older position arriving late (another device's queue) does not move the trainee back.
    await agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .send({ events: [event(a, 'position', '2026-11-20T07:00:00Z', { position: 3 })] })
      .expect(200);
    const stored = await Enrollment.findById(enrollment.id).lean();
    expect(stored?.progress?.completed).to.have.members([a, b]).and.have.length(2);
    expect(stored?.progress).to.include({ lastLesson: c, position: 95 });
    const mine = await agent.get('/learning');
    expect(mine.text).to.include('2 dari 4 materi selesai');
  });

  it('refuses for good the events a withdrawn trainee can no longer record, and all of them without the CSRF token', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const { user, agent, enrollment } = await enrolledTrainee(app, setup);
    const lesson = setup.program.lessons[0]!;
    const completion = progressEvent(user.id, setup, lesson, 'complete', new Date().toISOString());
    await agent
      .post('/api/v1/progress')
      .send({ events: [completion] })
      .expect(403);
    await withdrawEnrollment(setup.coordinator, enrollment.id, '');
    const token = await csrfTokenOf(agent, '/learning');
    const late = await agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .send({ events: [completion] })
      .expect(200);
    expect(late.body.stored).to.deep.equal([]);
    expect(late.body.refused).to.deep.equal([
      {
        id: completion.id,
        reason: 'notEnrolled',
        message: 'Anda tidak lagi belajar di angkatan ini; kemajuan ini tidak disimpan.',
      },
    ]);
    expect((await Enrollment.findById(enrollment.id).lean())?.progress?.completed).to.deep.equal([]);
    // A batch whose events cannot even be told apart (no id) is refused whole.
    const bad = await agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .set('Accept-Language', 'en')
      .send({ events: [{ kind: 'x' }] });
    expect(bad.status).to.equal(422);
    expect(bad.body.errors.length).to.be.greaterThan(0);
  });

  it('completes a lesson made of files when its file is downloaded', async () => {
    const setup = await makeCohortSetup();
    const editor = setup.coordinator;
    const program = await createProgram(editor, programSchema.parse({ code: 'BERKAS-1', title: 'Program berkas', level: 2 }));
    const module = await createModule(editor, program, moduleSchema.parse({ title: 'Modul berkas' }));
    const lesson = await createLesson(editor, module, lessonSchema.parse({ title: 'Lembar kerja', body: '' }));
    const coordinatorAgent = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const token = await csrfTokenOf(coordinatorAgent, `/lessons/${lesson}/edit`);
    const { contentType, body } = multipart([{ name: 'file', filename: 'lembar-kerja.pdf', data: samples.pdf() }]);
    await coordinatorAgent
      .post(`/lessons/${lesson}/files?_csrf=${encodeURIComponent(token)}`)
      .set('Content-Type', contentType)
      .send(body)
      .expect(303);
    await publishProgram(editor, program);
    const cohort = await createCohort(editor, cohortFields(program));
    const trainee = await makeUser('trainee', setup.institution);
    await applyOnBehalf(editor, cohort, trainee.id, { source: 'staff', enrolNow: true });
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    const page = await agent.get(`/learn/${cohort}/lessons/${lesson}`).expect(200);
    expect(page.text).to.include('Materi ini selesai setelah Anda mengunduh berkasnya.');
    const link = /href="(\/learn\/[0-9a-f]+\/files\/[0-9a-f]+)\?download=1"/.exec(page.text)?.[1];
    expect(link).to.be.a('string');
    await agent.get(link!).expect(200); // viewing inline does not count
    expect((await agent.get('/learning')).text).to.include('0 dari 1 materi selesai');
    await agent
      .get(`${link}?download=1`)
      .expect(200)
      .expect('content-disposition', /attachment/);
    expect((await agent.get('/learning')).text).to.include('1 dari 1 materi selesai');
  });

  it('keeps a lesson page with its text under 50 KB before media', async () => {
    const setup = await makeCohortSetup({ shape: [2] });
    const { agent } = await enrolledTrainee(app, setup);
    const page = await agent.get(lessonUrl(setup, setup.program.lessons[0]!)).expect(200);
    const assets = [...page.text.matchAll(/(?:href|src)="(\/public\/[^"]+\.(?:css|js))"/g)].map((match) => match[1]!);
    expect(assets.some((asset) => /^\/public\/js\/learning\.[0-9a-f]{10}\.js$/.test(asset))).to.equal(true);
    let bytes = Buffer.byteLength(page.text);
    for (const asset of assets) bytes += (await supertest(app).get(asset).expect(200)).text.length;
    bytes += (
      await supertest(app)
        .get('/sw.js')
        .expect(200)
        .expect('content-type', /javascript/)
    ).text.length;
    expect(bytes).to.be.below(50 * 1024);
  });

  it('shows instructors and coordinators the roster with progress and last activity', async () => {
    const setup = await makeCohortSetup({ shape: [2] });
    const active = await enrolledTrainee(app, setup);
    const idle = await enrolledTrainee(app, setup);
    const token = await csrfTokenOf(active.agent, '/learning');
    await active.agent
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .send({ events: [progressEvent(active.user.id, setup, setup.program.lessons[0]!, 'complete', new Date().toISOString())] })
      .expect(200);
    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    const roster = await instructor.get(`/cohorts/${setup.cohort}/roster`).expect(200);
    expect(roster.text).to.include(active.user.email).and.include('1 dari 2 materi selesai');
    // The idle trainee was approved a moment ago: not started, but not inactive either.
    expect(roster.text).to.include('Belum mulai').and.not.include('Tidak aktif 7 hari');
    const api = await instructor.get(`/api/v1/cohorts/${setup.cohort}/roster`).expect(200);
    expect(api.body.trainees).to.have.length(2);
    const row = api.body.trainees.find((t: { trainee: string }) => t.trainee === active.user.id);
    expect(row).to.include({ done: 1, total: 2, percent: 50, inactive: false });
    const idleRow = api.body.trainees.find((t: { trainee: string }) => t.trainee === idle.user.id);
    expect(idleRow).to.include({ done: 0, lastActivityAt: null, inactive: false });

    // Eight days on, in a cohort that started ten days ago, the same silence is inactivity.
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    await Cohort.updateOne({ _id: setup.cohort }, { $set: { startsOn: daysAgo(10) } });
    await Enrollment.updateOne({ _id: idle.enrollment.id }, { $set: { enrolledAt: daysAgo(8) } });
    const later = await instructor.get(`/cohorts/${setup.cohort}/roster`).expect(200);
    expect(later.text).to.include('Tidak aktif 7 hari');
    const laterApi = await instructor.get(`/api/v1/cohorts/${setup.cohort}/roster`).expect(200);
    const inactive = laterApi.body.trainees
      .filter((t: { inactive: boolean }) => t.inactive)
      .map((t: { trainee: string }) => t.trainee);
    expect(inactive).to.deep.equal([idle.user.id]);
    const otherInstructor = await makeUser('instructor', setup.institution);
    const other = await loggedInAgent(app, otherInstructor.email, otherInstructor.password);
    await other.get(`/cohorts/${setup.cohort}/roster`).expect(403);
  });

  it('records the lesson opened as the place to resume, and a late offline replay does not move it back', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const { user, agent } = await enrolledTrainee(app, setup);
    const [first, , third] = setup.program.lessons as [string, string, string];
    const earlier = new Date(Date.now() - 60_000).toISOString();
    await agent.get(lessonUrl(setup, third)).expect(200); // no script ran: the page view alone
    const phone = await loggedInAgent(app, user.email, user.password);
    const resumeLink = `href="${lessonUrl(setup, third)}">Mulai: Materi 1.3</a>`;
    expect((await phone.get('/learning').expect(200)).text).to.include(resumeLink);
    const token = await csrfTokenOf(phone, '/learning');
    await phone
      .post('/api/v1/progress')
      .set('x-csrf-token', token)
      .send({ events: [progressEvent(user.id, setup, first, 'position', earlier, { position: 0.9 })] })
      .expect(200);
    expect((await phone.get('/learning').expect(200)).text).to.include(resumeLink);
  });

  it('keeps all of 20 completions sent at once from two phones, over HTTP and through the service', async () => {
    const setup = await makeCohortSetup({ shape: [10, 10, 10, 10] });
    const { user, agent: laptop } = await enrolledTrainee(app, setup);
    const phone = await loggedInAgent(app, user.email, user.password);
    const [laptopToken, phoneToken] = await Promise.all([csrfTokenOf(laptop, '/learning'), csrfTokenOf(phone, '/learning')]);
    const lessons = setup.program.lessons;
    const now = new Date().toISOString();
    const sent = await Promise.all(
      lessons.slice(0, 20).map((lesson, index) =>
        (index % 2 ? phone : laptop)
          .post('/api/v1/progress')
          .set('x-csrf-token', index % 2 ? phoneToken : laptopToken)
          .send({ events: [progressEvent(user.id, setup, lesson, 'complete', now)] }),
      ),
    );
    expect(sent.map((response) => response.status)).to.deep.equal(Array(20).fill(200));
    const stored = await Enrollment.findOne({ cohort: setup.cohort, trainee: user.id }).lean();
    expect(new Set(stored?.progress?.completed)).to.deep.equal(new Set(lessons.slice(0, 20)));

    const actor = { id: user.id, role: 'trainee' as const, institution: null };
    await Promise.all(
      lessons
        .slice(20)
        .map((lesson) =>
          recordProgress(actor, [
            { ...progressEvent(user.id, setup, lesson, 'complete', now), at: new Date(now), via: 'manual' },
          ]),
        ),
    );
    const all = await Enrollment.findOne({ cohort: setup.cohort, trainee: user.id }).lean();
    expect(all?.progress?.completed).to.have.length(40);
  });

  it('answers a few hundred concurrent requests of every hot kind (no request waits for ever)', async function () {
    this.timeout(120_000);
    const setup = await makeCohortSetup({ shape: [3] });
    const trainees = await Promise.all([1, 2, 3].map(() => enrolledTrainee(app, setup)));
    const coordinator = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
    const tokens = await Promise.all(trainees.map(({ agent }) => csrfTokenOf(agent, '/learning')));
    const lesson = setup.program.lessons[0]!;
    const requests = Array.from({ length: 300 }, (_, index) => {
      const trainee = trainees[index % 3]!;
      switch (index % 10) {
        case 0:
          return trainee.agent.get('/learning');
        case 1:
          return trainee.agent.get(lessonUrl(setup, lesson));
        case 2:
          return trainee.agent.get('/dashboard');
        case 3:
          return supertest(app).get('/catalogue?q=program');
        case 4:
          return coordinator.get('/units?q=data');
        case 5:
          return coordinator.get(`/cohorts/${setup.cohort}/roster`);
        case 6:
          return coordinator.get('/counselling');
        case 7:
          return coordinator.get('/units?code=J.62');
        default:
          return trainee.agent
            .post('/api/v1/progress')
            .set('x-csrf-token', tokens[index % 3]!)
            .send({
              events: [
                progressEvent(trainee.user.id, setup, lesson, 'position', new Date(Date.now() + index).toISOString(), {
                  position: 0.5,
                }),
              ],
            });
      }
    });
    const statuses = (await Promise.all(requests)).map((response) => response.status);
    expect(statuses.filter((status) => status !== 200)).to.deep.equal([]);
  });
});
