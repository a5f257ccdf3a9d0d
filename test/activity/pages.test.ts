import { expect } from 'chai';
import supertest from 'supertest';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { publish } from '../../src/platform/events.js';
import { translator } from '../../src/platform/i18n.js';
import { type Action, type Actor, can } from '../../src/platform/permissions.js';
import { buildTestApp, loggedInAgent, visibleText } from '../support/app.js';
import { type CompletionCohort, completionCohort } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { attended, day, submitted } from './fixtures.js';

describe('activity log: pages and API', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let setup: CompletionCohort;
  let other: CompletionCohort;
  let admin: Awaited<ReturnType<typeof makeUser>>;
  const pagePath = (trainee = setup.trainees[0]!.id, cohort = setup.cohort) => `/cohorts/${cohort}/trainees/${trainee}/activity`;
  const apiPath = (trainee = setup.trainees[0]!.id, cohort = setup.cohort) => `/api/v1${pagePath(trainee, cohort)}`;
  const as = (person: { email: string; password: string }) => loggedInAgent(app, person.email, person.password);

  before(async () => {
    setup = await completionCohort({ trainees: 2, institutionName: 'BLK Bandung' });
    other = await completionCohort({ institutionName: 'BLK Semarang' });
    admin = await makeUser('admin');
    // The first trainee also trains at the other institution.
    await applyOnBehalf(other.coordinator.actor, other.cohort, setup.trainees[0]!.id, { source: 'staff', enrolNow: true });
    // 19:30 WIB on 5 May 2025 (12:30 UTC).
    await attended(setup, 'class-1', 80, new Date('2025-05-05T12:30:00Z'));
    await submitted(setup, new Date('2025-05-06T01:00:00Z'), 'Kuis HTML');
    // The second trainee's own activity, and the first trainee's in another institution's cohort.
    await submitted(setup, new Date('2025-05-06T02:00:00Z'), 'Kuis teman', setup.trainees[1]!.id);
    await publish('assessment.submitted', {
      trainee: setup.trainees[0]!.id,
      cohort: other.cohort,
      institution: other.institution,
      kind: 'quiz',
      assessment: 'semarang-quiz',
      title: 'Kuis di Semarang',
      at: new Date('2025-05-07T01:00:00Z'),
    });
  });

  it("shows the cohort's staff a trainee's activity, newest first, with times in WIB", async () => {
    for (const staff of [setup.coordinator, setup.instructor, admin]) {
      const response = await (await as(staff)).get(pagePath());
      expect(response.status, staff.email).to.equal(200);
      const text = visibleText(response.text);
      expect(text).to.include('Aktivitas Peserta Uji 1');
      const quiz = text.indexOf('Mengumpulkan kuis “Kuis HTML”');
      const live = text.indexOf('Mengikuti kelas langsung “Praktik membuat formulir”: 80 dari 90 menit');
      expect(quiz).to.be.greaterThan(-1);
      expect(live).to.be.greaterThan(quiz);
      expect(text).to.include('5 Mei 2025, 19.30 WIB');
      expect(text, "another institution's cohort").not.to.include('Kuis di Semarang');
      expect(text, 'another trainee').not.to.include('Kuis teman');
    }
  });

  it("keeps an institution's trainees from other institutions' coordinators (page and API)", async () => {
    const outsider = await as(other.coordinator);
    expect((await outsider.get(pagePath())).status).to.equal(403);
    expect((await outsider.get(apiPath())).status).to.equal(403);
    // Coordinator B may see the trainee's activity in B's own cohort, and only that.
    const own = await outsider.get(apiPath(setup.trainees[0]!.id, other.cohort));
    expect(own.status).to.equal(200);
    const titles = own.body.entries.map((entry: { title: string }) => entry.title);
    expect(titles).to.include('Kuis di Semarang');
    expect(titles).not.to.include('Kuis HTML');
    // Someone who was never in the cohort has no log there.
    expect((await (await as(setup.coordinator)).get(pagePath(other.trainees[0]!.id))).status).to.equal(404);
    expect((await supertest(app).get(apiPath())).status, 'not logged in').to.equal(401);
  });

  it('lets a trainee see their own activity only', async () => {
    const trainee = await as(setup.trainees[0]!);
    expect((await trainee.get(pagePath())).status).to.equal(200);
    expect((await trainee.get(pagePath(setup.trainees[1]!.id))).status, "a classmate's").to.equal(403);
    expect((await trainee.get(apiPath(setup.trainees[1]!.id))).status).to.equal(403);

    const mine = await trainee.get('/me/activity');
    expect(mine.status).to.equal(200);
    const text = visibleText(mine.text);
    expect(text).to.include('Aktivitas saya');
    expect(text).to.include('Kuis di Semarang');
    expect(text).to.include('Kuis HTML');
    expect(text).not.to.include('Kuis teman');
    expect((await (await as(setup.coordinator)).get('/me/activity')).status, 'staff have no log of their own').to.equal(403);
  });

  it('filters by kind and dates from the form, and refuses a filter it does not know', async () => {
    const agent = await as(setup.coordinator);
    const onlyClasses = visibleText((await agent.get(`${pagePath()}?kind=attended`)).text);
    expect(onlyClasses).to.include('Praktik membuat formulir');
    expect(onlyClasses).not.to.include('Kuis HTML');
    const sixth = await agent.get(`${apiPath()}?from=2025-05-06&to=2025-05-06`);
    expect(sixth.body.entries.map((entry: { text: string }) => entry.text)).to.deep.equal(['Mengumpulkan kuis “Kuis HTML”']);
    expect((await agent.get(`${apiPath()}?kind=gossip`)).status).to.equal(422);
    expect((await agent.get(`${pagePath()}?from=yesterday`)).status).to.equal(422);
    expect((await agent.get(`${apiPath()}?before=1' OR 1=1`)).status).to.equal(422);
  });

  it('offers the roster and at-risk pages a link to the log, shown only to who may read it', async () => {
    const cohort = { id: setup.cohort, institution: setup.institution, instructors: [setup.instructor.id] };
    const render = (actor: Actor) =>
      new Promise<string>((resolve, reject) =>
        app.render(
          'activity/traineeLink',
          {
            t: translator('id'),
            can: (action: Action, resource?: never) => can(actor, action, resource),
            cohort,
            traineeId: setup.trainees[0]!.id,
            name: 'Peserta <Uji>',
          },
          (error, html) => (error ? reject(error) : resolve(html)),
        ),
      );
    const link = await render(setup.coordinator.actor);
    expect(link).to.include(`href="${pagePath()}"`);
    expect(link).to.include('Aktivitas<span class="visually-hidden">: Peserta &lt;Uji&gt;</span>');
    expect((await render(other.coordinator.actor)).trim()).to.equal('');
  });

  it('pages by an "older" link, and the API by `older`', async () => {
    const many = await completionCohort({ institutionName: 'BLK Paging' });
    const start = new Date('2025-02-01T03:00:00Z').getTime();
    for (let n = 0; n < 60; n += 1) await submitted(many, new Date(start + n * day), `Kuis ${n}`);
    const agent = await as(many.coordinator);
    const first = await agent.get(`/cohorts/${many.cohort}/trainees/${many.trainees[0]!.id}/activity?kind=submitted`);
    const older = /href="([^"]+)"[^>]*data-older/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    expect(older).to.match(/kind=submitted&before=\d{13}%3A/);
    const second = visibleText((await agent.get(older!)).text);
    expect(second).to.include('Kuis 9');
    expect(second).not.to.include('Kuis 10 ');
    expect(second).to.include('Terbaru');

    const api = `/api/v1/cohorts/${many.cohort}/trainees/${many.trainees[0]!.id}/activity?kind=submitted`;
    const page1 = (await agent.get(api)).body;
    const page2 = (await agent.get(`${api}&before=${encodeURIComponent(page1.older)}`)).body;
    expect(page1.entries).to.have.length(50);
    expect(page2.entries.map((entry: { title: string }) => entry.title)).to.deep.equal(
      Array.from({ length: 10 }, (_, n) => `Kuis ${9 - n}`),
    );
    expect(page2.older).to.equal(null);
  });
});
