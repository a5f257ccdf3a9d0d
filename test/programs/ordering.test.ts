import { expect } from 'chai';
import mongoose from 'mongoose';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule, deleteLesson, moveLesson, moveModule } from '../../src/programs/content.js';
import { Lesson, Module, Program } from '../../src/programs/model.js';
import { publishProgram, versionSnapshot } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram, loadDraft } from '../../src/programs/service.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

/**
 * The order of modules and lessons under concurrent edits: two editors (or two tabs, or a retried
 * request) moving and adding at the same moment must neither lose an item nor leave two in one
 * place, and every ↑/↓ must move its item exactly one place.
 */
describe('programs: the order of modules and lessons', () => {
  useTestDatabase(import.meta.url);
  let editor: Actor;
  let other: Actor;

  before(async () => {
    const institution = (await makeInstitution()).id;
    editor = { id: (await makeUser('instructor', institution)).id, role: 'instructor', institution };
    other = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
  });

  const newProgram = (code: string) => createProgram(editor, programSchema.parse({ code, title: `Program ${code}`, level: 2 }));
  const addModule = (program: string, title: string, actor = editor) =>
    createModule(actor, program, moduleSchema.parse({ title, hours: 2 }));
  const addLesson = (module: string, title: string, actor = editor) =>
    createLesson(actor, module, lessonSchema.parse({ title, body: title }));

  /** The titles as the editor's page lists them: modules, and each module's lessons. */
  async function outline(program: string) {
    const draft = await loadDraft(editor, program);
    return {
      modules: draft.modules.map((module) => module.title),
      lessons: Object.fromEntries(draft.modules.map((module) => [module.title, module.lessons.map((lesson) => lesson.title)])),
    };
  }

  /**
   * Moves the module's last lesson to the top one ↑ at a time, and checks that each ↑ moves it
   * exactly one place: two lessons sharing a place would be skipped over, or swapped in vain.
   */
  async function climbToTop(program: string, moduleTitle: string) {
    const titles = (await outline(program)).lessons[moduleTitle]!;
    const climber = titles.at(-1)!;
    const lesson = (await Lesson.findOne({ program, title: climber }).lean())!;
    for (let place = titles.length - 1; place > 0; place -= 1) {
      await moveLesson(editor, String(lesson._id), 'up');
      const now = (await outline(program)).lessons[moduleTitle]!;
      expect(now.indexOf(climber), `${climber} after one ↑ from place ${place + 1}`).to.equal(place - 1);
      expect(now).to.have.length(titles.length);
    }
  }

  it('applies every concurrent move of a lesson and keeps lessons added meanwhile, each once', async () => {
    const program = await newProgram('ORD-LESSON');
    const module = await addModule(program, 'Modul');
    const [, , , fourth] = [
      await addLesson(module, 'L1'),
      await addLesson(module, 'L2'),
      await addLesson(module, 'L3'),
      await addLesson(module, 'L4'),
    ];
    const added = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6'];
    await Promise.all([
      ...[1, 2, 3].map((n) => moveLesson(n % 2 ? editor : other, fourth!, 'up')),
      ...added.map((title, n) => addLesson(module, title, n % 2 ? editor : other)),
    ]);
    const lessons = (await outline(program)).lessons.Modul!;
    // L4 went up three places; the new lessons follow the old ones, each once.
    expect(lessons.slice(0, 4)).to.deep.equal(['L4', 'L1', 'L2', 'L3']);
    expect([...lessons.slice(4)].sort()).to.deep.equal(added);

    await climbToTop(program, 'Modul');
  });

  it('applies every concurrent move of a module and keeps modules added meanwhile, each once', async () => {
    const program = await newProgram('ORD-MODULE');
    const first = await addModule(program, 'M1');
    await addModule(program, 'M2');
    await addModule(program, 'M3');
    const added = ['M4', 'M5', 'M6', 'M7', 'M8'];
    await Promise.all([
      moveModule(editor, first, 'down'),
      moveModule(other, first, 'down'),
      ...added.map((title, n) => addModule(program, title, n % 2 ? editor : other)),
    ]);
    const modules = (await outline(program)).modules;
    expect(modules.slice(0, 3)).to.deep.equal(['M2', 'M3', 'M1']);
    expect([...modules.slice(3)].sort()).to.deep.equal(added);

    // What trainees get follows the same order (a module needs a lesson to be published).
    for (const module of (await loadDraft(editor, program)).modules) await addLesson(String(module._id), `Isi ${module.title}`);
    await publishProgram(editor, program);
    const snapshot = await versionSnapshot(program, 1);
    expect(snapshot.modules.map((module) => module.title)).to.deep.equal(modules);
  });

  it('gives lessons and modules added at the same moment places of their own', async () => {
    const program = await newProgram('ORD-ADD');
    const module = await addModule(program, 'Modul');
    const titles = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8'];
    const modules = ['Modul 2', 'Modul 3', 'Modul 4', 'Modul 5'];
    await Promise.all([
      ...titles.map((title, n) => addLesson(module, title, n % 2 ? editor : other)),
      ...modules.map((title, n) => addModule(program, title, n % 2 ? editor : other)),
    ]);
    const shown = await outline(program);
    expect([...shown.lessons.Modul!].sort()).to.deep.equal(titles);
    expect(shown.modules[0]).to.equal('Modul');
    expect([...shown.modules.slice(1)].sort()).to.deep.equal(modules);
    await climbToTop(program, 'Modul');
    // The last module, too, climbs one place per ↑.
    const last = shown.modules.at(-1)!;
    const lastId = String((await Module.findOne({ program, title: last }).lean())!._id);
    for (let place = shown.modules.length - 1; place > 0; place -= 1) {
      await moveModule(editor, lastId, 'up');
      expect((await outline(program)).modules.indexOf(last)).to.equal(place - 1);
    }
  });

  it('loses nothing when moves, additions and a deletion of one list all happen at once', async () => {
    const program = await newProgram('ORD-STORM');
    const module = await addModule(program, 'Modul');
    const ids: string[] = [];
    for (const title of ['LA', 'LB', 'LC', 'LD', 'LE']) ids.push(await addLesson(module, title));
    const [a, b, , d, e] = ids as [string, string, string, string, string];
    await Promise.all([
      moveLesson(editor, a, 'down'),
      moveLesson(other, a, 'down'),
      moveLesson(editor, e, 'up'),
      moveLesson(other, d, 'up'),
      deleteLesson(other, b),
      addLesson(module, 'LF'),
      addLesson(module, 'LG', other),
    ]);
    const lessons = (await outline(program)).lessons.Modul!;
    expect([...lessons].sort()).to.deep.equal(['LA', 'LC', 'LD', 'LE', 'LF', 'LG']);
    await climbToTop(program, 'Modul');
  });

  it('keeps the order of a program saved before the order was kept with it, and moves and adds in it', async () => {
    const program = await newProgram('ORD-OLD');
    // As stored before: modules and lessons with numbered positions, the program and modules without a list.
    const programId = new mongoose.Types.ObjectId(program);
    const moduleIds = [new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId()];
    await Module.collection.insertMany([
      { _id: moduleIds[1]!, program: programId, title: 'Lama B', hours: 1, position: 2, units: [], elements: [] },
      { _id: moduleIds[0]!, program: programId, title: 'Lama A', hours: 1, position: 1, units: [], elements: [] },
    ]);
    const lessonIds = [new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId(), new mongoose.Types.ObjectId()];
    await Lesson.collection.insertMany(
      ['Satu', 'Dua', 'Tiga'].map((title, index) => ({
        _id: lessonIds[2 - index]!, // created in the reverse order of their positions
        program: programId,
        module: moduleIds[0]!,
        title,
        position: index + 1,
        body: title,
        files: [],
      })),
    );
    await Program.collection.updateOne({ _id: programId }, { $unset: { moduleOrder: '', orderRevision: '' } });
    expect(await outline(program)).to.deep.equal({
      modules: ['Lama A', 'Lama B'],
      lessons: { 'Lama A': ['Satu', 'Dua', 'Tiga'], 'Lama B': [] },
    });
    await addLesson(String(moduleIds[0]), 'Empat');
    await moveLesson(editor, String(lessonIds[2]), 'down'); // Satu
    await addModule(program, 'Baru C');
    await moveModule(editor, String(moduleIds[1]), 'up'); // Lama B
    expect(await outline(program)).to.deep.equal({
      modules: ['Lama B', 'Lama A', 'Baru C'],
      lessons: { 'Lama B': [], 'Lama A': ['Dua', 'Satu', 'Tiga', 'Empat'], 'Baru C': [] },
    });
  });
});
