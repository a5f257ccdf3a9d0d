import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { deleteExpiredRecords } from '../../src/cleanup.js';
import { createCohort } from '../../src/cohorts/service.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { AppError } from '../../src/platform/errors.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule, updateLesson } from '../../src/programs/content.js';
import { Program, ProgramVersion, PublishedLesson, publishedLessonId, versionId } from '../../src/programs/model.js';
import { buildSnapshot, publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { cohortFields } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

/**
 * A publish writes the version, then its lessons' texts, then points the program at it. These
 * tests leave a publish stopped between those writes (by a failing write, or by writing what a
 * process that died would leave) and check that the next publish, or the periodic clean-up,
 * finishes or undoes it, and that readers only ever see a whole version.
 */
describe('programs: a publish that stopped half-way', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let editor: Actor & { email: string; password: string };
  let coordinator: Actor;
  let institution: string;
  /** A staff member of the institution who does not edit the programs: reads published lessons. */
  let reader: Awaited<ReturnType<typeof loggedInAgent>>;

  before(async () => {
    app = buildTestApp();
    institution = (await makeInstitution({ name: 'BLK Kendari', province: '74' })).id;
    const user = await makeUser('instructor', institution);
    editor = { id: user.id, role: 'instructor', institution, email: user.email, password: user.password };
    coordinator = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    const colleague = await makeUser('instructor', institution);
    reader = await loggedInAgent(app, colleague.email, colleague.password);
  });

  /** A program published once (texts "Lama 1", "Lama 2"), then edited ("Baru 1", "Baru 2"). */
  async function editedProgram(code: string) {
    const program = await createProgram(editor, programSchema.parse({ code, title: `Program ${code}`, level: 2 }));
    const module = await createModule(editor, program, moduleSchema.parse({ title: 'Modul 1', hours: 4 }));
    const lessons = [
      await createLesson(editor, module, lessonSchema.parse({ title: 'Materi 1', body: 'Lama 1' })),
      await createLesson(editor, module, lessonSchema.parse({ title: 'Materi 2', body: 'Lama 2' })),
    ];
    expect(await publishProgram(editor, program)).to.equal(1);
    for (const [index, lesson] of lessons.entries()) {
      await updateLesson(editor, lesson, lessonSchema.parse({ title: `Materi ${index + 1}`, body: `Baru ${index + 1}` }));
    }
    return { program, lessons };
  }

  /**
   * Version 2 as a publish leaves it when its process stops after writing the version and the
   * first lesson's text. `legacy`: as the code before this fix left it (no state, no attempt).
   */
  async function stoppedPublish(program: string, lessons: string[], options: { agoMs: number; legacy?: boolean }) {
    const snapshot = await buildSnapshot((await Program.findById(program).lean())!);
    const at = new Date(Date.now() - options.agoMs);
    const marks = options.legacy ? {} : { state: 'writing', attempt: 'stopped-attempt', heartbeatAt: at };
    await ProgramVersion.collection.insertOne({
      _id: versionId(program, 2) as never,
      program: new mongoose.Types.ObjectId(program),
      version: 2,
      publishedBy: new mongoose.Types.ObjectId(editor.id),
      institution: new mongoose.Types.ObjectId(institution),
      province: '74',
      sector: '',
      snapshot: { ...snapshot, title: 'Judul yang tidak pernah terbit' },
      publishedAt: at,
      complete: false,
      ...marks,
    });
    await PublishedLesson.collection.insertOne({
      _id: publishedLessonId(program, 2, lessons[0]!) as never,
      html: '<p>Teks setengah jadi</p>',
      ...(options.legacy ? {} : { attempt: 'stopped-attempt' }),
    });
  }

  const catalogueVersion = async (program: string) =>
    (await supertest(app).get(`/api/v1/catalogue/${program}`).expect(200)).body as {
      version: number;
      program: { title: string };
    };

  /** What a reader sees of a published lesson: its text. */
  const lessonText = async (program: string, version: number, lesson: string) =>
    (await reader.get(`/programs/${program}/v/${version}/lessons/${lesson}`).expect(200)).text;

  /** Every version of the program: numbers 1..n once each, all complete, the program pointing at n. */
  async function expectWholeVersions(program: string, newest: number) {
    const versions = await ProgramVersion.find({ program }).lean();
    expect(versions.map((version) => version.version).sort()).to.deep.equal(Array.from({ length: newest }, (_, i) => i + 1));
    expect(versions.every((version) => version.complete)).to.equal(true);
    expect((await Program.findById(program).lean())?.publishedVersion).to.equal(newest);
  }

  it('undoes a publish whose lesson texts fail to store, so the next publish takes the same number', async () => {
    const { program, lessons } = await editedProgram('P-FAIL');
    const insertMany = PublishedLesson.insertMany;
    const store = insertMany.bind(PublishedLesson) as (documents: object[], options: object) => Promise<unknown>;
    // The connection drops after the version and the first lesson's text were written.
    const failing = async (documents: object[], options: object) => {
      await store(documents.slice(0, 1), options);
      throw new Error('connection lost');
    };
    Object.assign(PublishedLesson, { insertMany: failing });
    try {
      await publishProgram(editor, program).then(
        () => expect.fail('the publish should have failed'),
        (error: Error) => expect(error.message).to.equal('connection lost'),
      );
    } finally {
      Object.assign(PublishedLesson, { insertMany });
    }
    expect(await ProgramVersion.exists({ _id: versionId(program, 2) })).to.equal(null);
    expect(await PublishedLesson.exists({ _id: publishedLessonId(program, 2, lessons[0]!) })).to.equal(null);
    expect((await catalogueVersion(program)).version).to.equal(1);

    expect(await publishProgram(editor, program)).to.equal(2);
    await expectWholeVersions(program, 2);
    expect((await catalogueVersion(program)).version).to.equal(2);
    expect(await lessonText(program, 2, lessons[0]!)).to.contain('Baru 1');
    expect(await lessonText(program, 1, lessons[0]!)).to.contain('Lama 1');
  });

  it('lets the next publish undo one whose process stopped, once it has been silent for two minutes', async () => {
    const { program, lessons } = await editedProgram('P-STOPPED');
    await stoppedPublish(program, lessons, { agoMs: 3 * 60 * 1000 });
    // And a text of an attempt at version 2 undone before, written by its process after that (it had stalled).
    await PublishedLesson.collection.insertOne({
      _id: publishedLessonId(program, 2, lessons[1]!) as never,
      html: '<p>Teks yang terlambat</p>',
      attempt: 'older-attempt',
    });
    expect((await catalogueVersion(program)).version).to.equal(1);

    expect(await publishProgram(editor, program)).to.equal(2);
    await expectWholeVersions(program, 2);
    const listed = await catalogueVersion(program);
    expect(listed.version).to.equal(2);
    expect(listed.program.title).to.equal('Program P-STOPPED');
    expect(await lessonText(program, 2, lessons[0]!))
      .to.contain('Baru 1')
      .and.not.contain('setengah jadi');
    expect(await lessonText(program, 2, lessons[1]!))
      .to.contain('Baru 2')
      .and.not.contain('terlambat');
  });

  it('also undoes what the code before this fix left behind (a version never marked complete)', async () => {
    const { program, lessons } = await editedProgram('P-LEGACY');
    await stoppedPublish(program, lessons, { agoMs: 60 * 60 * 1000, legacy: true });
    expect(await publishProgram(editor, program)).to.equal(2);
    await expectWholeVersions(program, 2);
    expect(await lessonText(program, 2, lessons[0]!))
      .to.contain('Baru 1')
      .and.not.contain('setengah jadi');
  });

  it('says a publish is under way while its writer may still be at work, and the clean-up undoes it once silent', async () => {
    const { program, lessons } = await editedProgram('P-RECENT');
    await stoppedPublish(program, lessons, { agoMs: 10 * 1000 });
    const agent = await loggedInAgent(app, editor.email, editor.password);
    const refused = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('Program ini sedang diterbitkan.');
    // On the API, in the language asked for.
    const token = (
      await supertest(app).post('/api/v1/auth/token').send({ email: editor.email, password: editor.password, name: 'uji' })
    ).body.token;
    const english = await supertest(app)
      .post(`/api/v1/programs/${program}/publish`)
      .set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'en');
    expect(english.status).to.equal(409);
    expect(english.body.detail).to.match(/^This program is being published right now\./);
    expect((await catalogueVersion(program)).version).to.equal(1);

    const repaired = await deleteExpiredRecords(mongoose.connection, new Date(Date.now() + 3 * 60 * 1000));
    expect(repaired.publishes).to.deep.equal({ finished: 0, undone: 1 });
    expect(await ProgramVersion.exists({ _id: versionId(program, 2) })).to.equal(null);
    expect(await PublishedLesson.exists({ _id: publishedLessonId(program, 2, lessons[0]!) })).to.equal(null);

    const published = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(published.status).to.equal(303);
    expect(published.headers.location).to.contain('version=2');
    await expectWholeVersions(program, 2);
  });

  it('publishes once when two editors publish and the clean-up runs, all at once, over a stopped publish', async () => {
    const { program, lessons } = await editedProgram('P-TRIPLE');
    await stoppedPublish(program, lessons, { agoMs: 5 * 60 * 1000 });
    const [first, second, cleanup] = await Promise.allSettled([
      publishProgram(editor, program),
      publishProgram(coordinator, program),
      deleteExpiredRecords(mongoose.connection),
    ]);
    expect(cleanup.status).to.equal('fulfilled');
    const publishes = [first, second];
    const done = publishes.filter((result) => result.status === 'fulfilled');
    const refused = publishes.filter((result) => result.status === 'rejected');
    expect(done.map((result) => result.value)).to.deep.equal([2]);
    expect(refused).to.have.length(1);
    const reason = refused[0]!.reason as AppError;
    expect(reason).to.be.instanceOf(AppError);
    expect(reason.status).to.equal(409);
    expect(['programs.errors.publishedMeanwhile', 'programs.errors.publishInProgress']).to.include(reason.key);

    await expectWholeVersions(program, 2);
    const left = await PublishedLesson.find({
      _id: { $in: lessons.map((lesson) => publishedLessonId(program, 2, lesson)) },
    }).lean();
    expect(left).to.have.length(2);
    expect(left.map((lesson) => lesson.html).join())
      .to.contain('Baru 1')
      .and.contain('Baru 2')
      .and.not.contain('setengah');
    expect((await catalogueVersion(program)).version).to.equal(2);

    // A trainee of a cohort on the newest version reads the new texts.
    const cohort = await createCohort(coordinator, cohortFields(program));
    const trainee = await makeUser('trainee', institution);
    await applyOnBehalf(coordinator, cohort, trainee.id, { source: 'staff', enrolNow: true });
    const learner = await loggedInAgent(app, trainee.email, trainee.password);
    const page = await learner.get(`/learn/${cohort}/lessons/${lessons[1]}`).expect(200);
    expect(page.text).to.contain('Baru 2');
  });

  it('lets the clean-up point the program at a version a crash left whole, and finish one left unmarked', async () => {
    const pointer = await editedProgram('P-POINT');
    const unmarked = await editedProgram('P-UNMARKED');
    for (const { program, lessons } of [pointer, unmarked]) {
      await stoppedPublish(program, lessons, { agoMs: 10 * 1000 });
      await PublishedLesson.collection.insertOne({
        _id: publishedLessonId(program, 2, lessons[1]!) as never,
        html: '<p>Teks kedua</p>',
        attempt: 'stopped-attempt',
      });
    }
    // P-POINT stopped after marking its version whole, before pointing the program at it.
    await ProgramVersion.collection.updateOne(
      { _id: versionId(pointer.program, 2) as never },
      { $set: { state: 'whole', complete: true } },
    );
    expect((await catalogueVersion(pointer.program)).version).to.equal(1);

    const repaired = await deleteExpiredRecords(mongoose.connection);
    expect(repaired.publishes).to.deep.equal({ finished: 2, undone: 0 });
    for (const { program, lessons } of [pointer, unmarked]) {
      await expectWholeVersions(program, 2);
      const listed = await catalogueVersion(program);
      expect(listed.version).to.equal(2);
      expect(listed.program.title).to.equal('Judul yang tidak pernah terbit');
      expect(await lessonText(program, 2, lessons[1]!)).to.contain('Teks kedua');
    }
    // Nothing is left to do, and the next publish is version 3.
    expect((await deleteExpiredRecords(mongoose.connection)).publishes).to.deep.equal({ finished: 0, undone: 0 });
    expect(await publishProgram(editor, pointer.program)).to.equal(3);
  });
});
