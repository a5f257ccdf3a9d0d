import { expect } from 'chai';
import supertest from 'supertest';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule, updateLesson } from '../../src/programs/content.js';
import { ProgramVersion, PublishedLesson, publishedLessonId, versionId } from '../../src/programs/model.js';
import { limitPublishedCache, publishedCacheStats } from '../../src/programs/publishedCache.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

describe('programs: published versions served from memory', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let editor: Actor;
  /** A colleague of the editor: reads published lessons, edits nothing. */
  let reader: Awaited<ReturnType<typeof loggedInAgent>>;

  before(async () => {
    app = buildTestApp();
    const institution = (await makeInstitution()).id;
    editor = { id: (await makeUser('instructor', institution)).id, role: 'instructor', institution };
    const colleague = await makeUser('instructor', institution);
    reader = await loggedInAgent(app, colleague.email, colleague.password);
  });
  afterEach(() => limitPublishedCache());

  async function programWithLesson(code: string, body: string) {
    const program = await createProgram(editor, programSchema.parse({ code, title: `Program ${code}`, level: 2 }));
    const module = await createModule(editor, program, moduleSchema.parse({ title: 'Modul', hours: 4 }));
    const lesson = await createLesson(editor, module, lessonSchema.parse({ title: 'Materi', body }));
    return { program, lesson };
  }
  const lessonPage = (program: string, version: number, lesson: string) =>
    reader.get(`/programs/${program}/v/${version}/lessons/${lesson}`);

  it('serves every version its own lesson while keeping only as many as its bound', async () => {
    limitPublishedCache({ versions: 3, lessons: 3 });
    const { program, lesson } = await programWithLesson('P-BOUND', 'Teks versi 1');
    for (let version = 1; version <= 6; version += 1) {
      if (version > 1) await updateLesson(editor, lesson, lessonSchema.parse({ title: 'Materi', body: `Teks versi ${version}` }));
      expect(await publishProgram(editor, program)).to.equal(version);
    }
    for (const version of [1, 2, 3, 4, 5, 6, 6, 5, 1, 2, 3, 4]) {
      const page = await lessonPage(program, version, lesson).expect(200);
      expect(page.text).to.contain(`Teks versi ${version}`);
      for (const other of [1, 2, 3, 4, 5, 6].filter((n) => n !== version))
        expect(page.text).not.to.contain(`Teks versi ${other}`);
      const stats = publishedCacheStats();
      expect(stats.versions, 'versions kept').to.be.within(1, 3);
      expect(stats.lessons, 'lesson texts kept').to.be.within(1, 3);
    }
    // Access is checked on every read, cached or not.
    const trainee = await makeUser('trainee', editor.institution);
    const outsider = await loggedInAgent(app, trainee.email, trainee.password);
    await outsider.get(`/programs/${program}/v/4/lessons/${lesson}`).expect(403);
  });

  it('shows a version only once all of it is stored, and then at once', async () => {
    const { program, lesson } = await programWithLesson('P-HALF', 'Versi satu');
    await publishProgram(editor, program);
    const first = await ProgramVersion.findById(versionId(program, 1)).lean();
    // Version 2 as a publisher leaves it while it stores the lessons: not complete yet.
    await ProgramVersion.create({ ...first, _id: versionId(program, 2), version: 2, complete: false });
    await PublishedLesson.create({ _id: publishedLessonId(program, 2, lesson), html: '<p>Versi dua</p>' });
    await lessonPage(program, 2, lesson).expect(404);
    await ProgramVersion.updateOne({ _id: versionId(program, 2) }, { $set: { complete: true } });
    const page = await lessonPage(program, 2, lesson).expect(200);
    expect(page.text).to.contain('Versi dua').and.not.contain('Versi satu');
  });

  it('keeps a cohort on version 1 reading version 1 after version 2 is published, while the catalogue shows version 2', async () => {
    const setup = await makeCohortSetup({ shape: [1] });
    const trainee = await makeUser('trainee', setup.institution);
    await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    const lesson = setup.program.lessons[0]!;
    const url = `/learn/${setup.cohort}/lessons/${lesson}`;
    expect((await agent.get(url).expect(200)).text).to.contain('Isi materi 1.1.');

    await updateLesson(setup.coordinator, lesson, lessonSchema.parse({ title: 'Materi 1.1', body: 'Isi yang diperbarui.' }));
    expect(await publishProgram(setup.coordinator, setup.program.id)).to.equal(2);
    const again = await agent.get(url).expect(200);
    expect(again.text).to.contain('Isi materi 1.1.').and.not.contain('Isi yang diperbarui.');
    const listed = await supertest(app).get(`/api/v1/catalogue/${setup.program.id}`).expect(200);
    expect(listed.body.version).to.equal(2);
  });
});
