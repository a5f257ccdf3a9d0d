import { expect } from 'chai';
import supertest from 'supertest';
import { applyOnBehalf, withdrawEnrollment } from '../../src/enrolment/service.js';
import { lessonSchema } from '../../src/programs/schemas.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { completeLesson, enrolledTrainee, lessonUrl } from './helpers.js';
import { cohortWithUnits, unitA, unitB } from './outlineFixtures.js';

/** The lessons of an outline page as listed, with whether each is shown done (its hidden text). */
function lessonsListed(html: string) {
  return [
    ...html.matchAll(
      /data-outline-lesson="(\w+)"[^>]*>\s*<a href="([^"]+)"( aria-current="step")?>[\s\S]*?<span class="outline-lesson-title">([^<]+)<span class="visually-hidden">, <span class="outline-state">([^<]+)</g,
    ),
  ].map(([, id, href, current, title, state]) => ({ id, href, current: Boolean(current), title, state }));
}
/** The text of a page as read: inline tags dropped, others as spaces, spaces collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<\/?(?:span|a|code|strong|small)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('learning: the course outline of a cohort', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('lists every module and lesson in order with done ticks, where to continue, and the units covered', async () => {
    const setup = await cohortWithUnits();
    const { user: trainee, agent } = await enrolledTrainee(app, setup);
    const [first, second, third] = setup.lessons as [string, string, string];
    const outlineUrl = `/learn/${setup.cohort}`;

    const fresh = await agent.get(outlineUrl).expect(200);
    expect(fresh.headers['cache-control'], 'kept on the device, not in shared caches').to.equal('private, no-cache');
    expect(textOf(fresh.text)).to.include('0 dari 3 materi selesai (0%)').and.include('Mulai: Larik');

    await completeLesson(agent, setup, first, outlineUrl);
    const page = await agent.get(outlineUrl).expect(200);
    const text = textOf(page.text);
    expect(text).to.include('Pemrograman Web Dasar').and.include('Angkatan Outline');
    expect(text).to.include('1 dari 3 materi selesai (33%)');
    expect(lessonsListed(page.text)).to.deep.equal([
      { id: first, href: `/learn/${setup.cohort}/lessons/${first}`, current: false, title: 'Larik', state: 'selesai' },
      { id: second, href: `/learn/${setup.cohort}/lessons/${second}`, current: true, title: 'Antrian', state: 'belum selesai' },
      { id: third, href: `/learn/${setup.cohort}/lessons/${third}`, current: false, title: 'Tabel', state: 'belum selesai' },
    ]);
    expect(page.text, 'the button continues at the first lesson not done').to.match(
      new RegExp(
        `<a class="button" href="/learn/${setup.cohort}/lessons/${second}"[^>]*><span[^>]*>Lanjutkan</span>: <span[^>]*>Antrian</span>`,
      ),
    );
    expect(text, 'the current lesson is marked').to.include('Antrian, belum selesai Posisi Anda');
    expect(text).to.include('12 menit');
    // Modules in order with their done counts and the units each covers.
    expect(text).to.match(
      /Modul Struktur 1\/2 selesai · Unit: J\.620100\.004\.02 .*Modul Basis Data 0\/1 selesai · Unit: J\.620100\.004\.02, J\.620100\.005\.02/,
    );
    // The units covered, with the modules covering each (links to them on the page).
    expect(text).to.include('Unit kompetensi yang dicakup');
    expect(text).to.include(`${unitA} Unit 1 bahasa 1/3 selesai · Dicakup oleh: Modul Struktur, Modul Basis Data`);
    expect(text).to.include(`${unitB} Unit 2 bahasa 0/1 selesai · Dicakup oleh: Modul Basis Data`);
    expect(page.text).to.include(`<a href="#module-${setup.modules[1]}">Modul Basis Data</a>`);
    expect(page.text).to.include(`id="module-${setup.modules[1]}"`);

    // A lesson opened and left unfinished is where to continue, as on My learning.
    await agent.get(lessonUrl({ cohort: setup.cohort } as never, third)).expect(200);
    const later = await agent.get(outlineUrl).expect(200);
    expect(lessonsListed(later.text).map((lesson) => lesson.current)).to.deep.equal([false, false, true]);
    expect(textOf(later.text)).to.include('Lanjutkan: Tabel');

    // In English, for a trainee who chose it.
    await User.updateOne({ _id: trainee.id }, { $set: { language: 'en' } });
    const english = textOf((await agent.get(outlineUrl).expect(200)).text);
    expect(english).to.include('Course outline').and.include('1 of 3 lessons done (33%)').and.include('Continue: Tabel');
    expect(english).to.include('Larik, done').and.include('Antrian, not done');
    expect(english).to.include(`${unitB} Unit 2 English 0/1 done · Covered by: Modul Basis Data`);
  });

  it('is linked from My learning and from each lesson, and is where the last lesson leads', async () => {
    const setup = await makeCohortSetup({ shape: [1, 1] });
    const { agent } = await enrolledTrainee(app, setup);
    const [first, last] = setup.program.lessons as [string, string];
    const outlineLink = `href="/learn/${setup.cohort}"`;
    const mine = await agent.get('/learning').expect(200);
    expect(mine.text).to.match(new RegExp(`<a class="button secondary" ${outlineLink}>Daftar isi</a>`));
    const lesson = await agent.get(lessonUrl(setup, first)).expect(200);
    expect(lesson.text).to.match(new RegExp(`<a class="outline-link" ${outlineLink}>Daftar isi</a>`));

    const done = await completeLesson(agent, setup, last);
    expect(done.headers.location).to.equal(`/learn/${setup.cohort}?saved=lastLesson`);
    const outline = textOf((await agent.get(String(done.headers.location)).expect(200)).text);
    expect(outline).to.include('Itu materi terakhir. Kerja bagus!');
    expect(outline, 'the lesson left behind is still offered')
      .to.include('1 dari 2 materi selesai')
      .and.include('Lanjutkan: Materi 1.1');
    expect(outline).to.include('Materi 1.1, belum selesai').and.include('Materi 2.1, selesai');
    // Only the note it knows is shown; anything else in the address is ignored.
    const odd = await agent.get(`/learn/${setup.cohort}?saved=%3Cb%3Ex`).expect(200);
    expect(odd.text).not.to.include('alert success" role="status"');
  });

  it('is shown only to whoever may open the lessons: not to other trainees, applicants, withdrawn trainees or staff', async () => {
    const setup = await makeCohortSetup({ shape: [2] });
    const { agent, enrollment } = await enrolledTrainee(app, setup);
    const lesson = setup.program.lessons[0]!;
    const outlineUrl = `/learn/${setup.cohort}`;
    await agent.get(outlineUrl).expect(200);
    await agent.get(`/learn/${'0'.repeat(23)}x`).expect(404);

    const stranger = await makeUser('trainee', setup.institution);
    const strangerAgent = await loggedInAgent(app, stranger.email, stranger.password);
    await strangerAgent.get(outlineUrl).expect(403);
    await strangerAgent.get(`/api/v1/cohorts/${setup.cohort}/outline`).expect(403);
    await applyOnBehalf(setup.coordinator, setup.cohort, stranger.id, { source: 'staff' });
    await strangerAgent.get(outlineUrl).expect(403);

    const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
    await instructor.get(lessonUrl(setup, lesson)).expect(403);
    await instructor.get(outlineUrl).expect(403);

    const loggedOut = await supertest(app).get(outlineUrl).expect(302);
    expect(loggedOut.headers.location).to.equal(`/login?next=${encodeURIComponent(outlineUrl)}`);

    // A trainee who withdrew keeps neither the lessons nor their outline, like the lesson page.
    await withdrawEnrollment(setup.coordinator, enrollment.id, '');
    await agent.get(lessonUrl(setup, lesson)).expect(403);
    const refused = await agent.get(outlineUrl).expect(403);
    expect(refused.text).not.to.include('data-outline-lesson');
  });

  it('answers the outline on the API for the mobile app, with the same figures', async () => {
    const setup = await cohortWithUnits();
    const { agent } = await enrolledTrainee(app, setup);
    const [first, second, third] = setup.lessons as [string, string, string];
    await completeLesson(agent, setup, second, `/learn/${setup.cohort}`);

    const { body } = await agent.get(`/api/v1/cohorts/${setup.cohort}/outline`).expect(200);
    expect(body.cohort).to.include({ id: setup.cohort, name: 'Angkatan Outline', programTitle: 'Pemrograman Web Dasar' });
    expect(body.program).to.deep.equal({ code: 'PRG-OUT', title: 'Pemrograman Web Dasar', version: 1 });
    expect(body.status).to.equal('enrolled');
    expect(body.progress).to.deep.equal({ done: 1, total: 3, percent: 33 });
    expect(body.next).to.deep.equal({ id: first, title: 'Larik', module: 'Modul Struktur' });
    expect(
      body.modules.map((module: { title: string; done: number; total: number; units: string[] }) => [
        module.title,
        module.done,
        module.total,
        module.units,
      ]),
    ).to.deep.equal([
      ['Modul Struktur', 1, 2, [unitA]],
      ['Modul Basis Data', 0, 1, [unitA, unitB]],
    ]);
    expect(body.modules.flatMap((module: { lessons: object[] }) => module.lessons)).to.deep.equal([
      { id: first, title: 'Larik', estimatedMinutes: 12, done: false, current: true },
      {
        id: second,
        title: 'Antrian',
        estimatedMinutes: lessonSchema.parse({ title: 'xx' }).estimatedMinutes,
        done: true,
        current: false,
      },
      {
        id: third,
        title: 'Tabel',
        estimatedMinutes: lessonSchema.parse({ title: 'xx' }).estimatedMinutes,
        done: false,
        current: false,
      },
    ]);
    expect(body.units).to.deep.equal([
      {
        code: unitA,
        title: { id: 'Unit 1 bahasa', en: 'Unit 1 English' },
        done: 1,
        total: 3,
        percent: 33,
        modules: setup.modules,
      },
      {
        code: unitB,
        title: { id: 'Unit 2 bahasa', en: 'Unit 2 English' },
        done: 0,
        total: 1,
        percent: 0,
        modules: [setup.modules[1]],
      },
    ]);
    const docs = await agent.get('/api/v1/openapi.json').expect(200);
    expect(
      docs.body.paths['/cohorts/{id}/outline'].get.responses['200'].content['application/json'].schema.properties,
    ).to.have.keys(['cohort', 'program', 'status', 'progress', 'next', 'resume', 'modules', 'units']);
  });
});
