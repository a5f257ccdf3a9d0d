import mongoose from 'mongoose';
import { Institution, Sector } from '../src/institutions/model.js';
import type { Actor } from '../src/platform/permissions.js';
import { createLesson, createModule } from '../src/programs/content.js';
import { Lesson, Module, Program, ProgramVersion } from '../src/programs/model.js';
import { publishProgram, type Snapshot } from '../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../src/programs/schemas.js';
import { createProgram } from '../src/programs/service.js';
import { CompetencyUnit } from '../src/units/model.js';
import { type UnitInput, unitInput } from '../src/units/schemas.js';
import { unitWords, writeUnitsInSlices } from '../src/units/search.js';
import { saveUnits } from '../src/units/service.js';
import { User } from '../src/users/model.js';
import {
  type LessonFields,
  lessonDoc,
  type ModuleFields,
  moduleDoc,
  type ProgramFields,
  programDoc,
  shapeDifferences,
} from './curriculumDocs.js';
import { lessonMarkdown, lessonTopics, programText, type SectorWords, sectorWords, unitText } from './curriculumText.js';

/**
 * Seeds the curriculum at scale: competency units, programs of modules and lessons, all published
 * by publishProgram itself, so versions are exactly what the app makes.
 *
 * On FerretDB (SQLite) every query reads its collection row by row (one by `_id` too, up to the
 * row it finds), and publishing reads the draft's modules, lessons and units by other fields: with
 * 50,000 lessons one publication takes seconds, and it slows as versions pile up. So each few
 * programs are published while the collections publishing reads hold only their documents; those
 * (the drafts, the programs and versions as publishProgram left them) are then taken out and kept,
 * and at the end all are inserted for good, in batches of 1,000.
 *
 * One program per institution is first made through the services (saveUnits for its units,
 * createProgram, createModule, createLesson, publishProgram), and the bulk documents must have the
 * same shape as its. The units inserted for good are stamped with revisions as saveUnits stamps
 * its writes (writeUnitsInSlices), so unit search in every process reads them.
 */

export const modulesPerProgram = 5;
export const lessonsPerModule = 10;
const insertBatch = 1000;
/** Programs published together while their drafts are the only ones in the collections. */
const programsPerRound = 5;

type Id = mongoose.Types.ObjectId;
type Doc = Record<string, unknown> & { _id: Id };
/** A unit to seed: its bulk document, until saveUnits stores it instead (then `_id` is the stored one). */
type SeedUnit = { _id: Id; code: string; title: string; elements: string[]; subject: string; input: UnitInput; doc: Doc | null };
type Plan = {
  index: number;
  /** The program's id, once stored. */
  id?: Id;
  fields: Omit<ProgramFields, 'units'>;
  units: SeedUnit[];
  modules: Omit<ModuleFields, 'units'>[];
  lessons: LessonFields[][];
};
export type SeededUnit = { code: string; words: string[] };
/** A seeded program's first published version, as cohorts run it: its lessons in order. */
export type SeededVersion = {
  program: Id;
  version: number;
  institution: Id;
  code: string;
  title: string;
  instructors: string[];
  lessons: { id: string; title: string }[];
};
export type CurriculumSeed = {
  counts: { units: number; programs: number; modules: number; lessons: number };
  /** Every unit in the database (the demo's too), for the expected search results. */
  units: SeededUnit[];
  /** Every published program in the database (the demo's too), for the expected catalogue. */
  programs: { id: string; title: string; sector: string }[];
  versions: SeededVersion[];
  lesson: { url: string; title: string; position: number; count: number };
  timings: { name: string; seconds: number }[];
};

const elapsed = (start: number) => (performance.now() - start) / 1000;

/** The sizes at `scale` (1 = 20,000 units and 1,000 programs), never so small the pages lose their shape. */
export function curriculumSize(scale: number) {
  return { units: Math.max(100, Math.round(20_000 * scale)), programs: Math.max(10, Math.round(1000 * scale)) };
}

/** The units to seed, built as saveUnits builds an approved unit (toObject() plus the timestamps it sets). */
async function buildUnits(count: number, admin: Id) {
  const existing = await CompetencyUnit.find({}, { code: 1, title: 1, description: 1 })
    .comment('scan: the bench seeds units beside those already there')
    .lean();
  const taken = new Set(existing.map((unit) => unit.code));
  const bySector = new Map<string, SeedUnit[]>(sectorWords.map((sector) => [sector.code, []]));
  const all: SeededUnit[] = existing.map((unit) => ({ code: unit.code, words: unitWords(unit) }));
  const now = new Date();
  for (let i = 0; all.length < existing.length + count; i += 1) {
    const sector = sectorWords[i % sectorWords.length]!;
    const { input: raw, subject } = unitText(sector, Math.floor(i / sectorWords.length));
    if (taken.has(raw.code)) continue;
    const input = unitInput.parse(raw);
    const doc = {
      ...new CompetencyUnit({
        ...input,
        status: 'approved',
        proposedBy: admin,
        approvedBy: admin,
        approvedAt: now,
      }).toObject(),
      createdAt: now,
      updatedAt: now,
    };
    all.push({ code: doc.code, words: unitWords(input) });
    const elements = doc.elements.map((element) => element.title);
    bySector.get(sector.code)!.push({ _id: doc._id, code: doc.code, title: input.title.id, elements, subject, input, doc });
  }
  return { bySector, all };
}

async function insertInBatches<T>(insert: (batch: T[]) => Promise<unknown>, docs: T[]): Promise<void> {
  for (let start = 0; start < docs.length; start += insertBatch) await insert(docs.slice(start, start + insertBatch));
}

type Context = {
  admin: Actor & { objectId: Id };
  institutions: { _id: Id; sectors: SectorWords[] }[];
  instructorsOf: Map<string, Id[]>;
};

async function loadContext(): Promise<Context> {
  const admin = await User.findOne({ email: 'admin@kompeten.test' }).lean();
  if (!admin) throw new Error('Seed the demo data first: no admin@kompeten.test');
  const sectorCodes = new Map((await Sector.find().lean()).map((sector) => [String(sector._id), sector.code]));
  const institutions = (await Institution.find().sort({ name: 1 }).lean())
    .map((institution) => ({
      _id: institution._id,
      sectors: sectorWords.filter((sector) => institution.sectors.some((id) => sectorCodes.get(String(id)) === sector.code)),
    }))
    .filter((institution) => institution.sectors.length > 0);
  const instructorsOf = new Map<string, Id[]>();
  for (const user of await User.find({ role: 'instructor' }, { institution: 1 }).lean()) {
    const key = String(user.institution);
    instructorsOf.set(key, [...(instructorsOf.get(key) ?? []), user._id]);
  }
  return { admin: { id: String(admin._id), role: 'admin', institution: null, objectId: admin._id }, institutions, instructorsOf };
}

/** The p-th program: its institution, a sector of it, five units of that sector, its modules and lessons. */
function planProgram(p: number, context: Context, bySector: Map<string, SeedUnit[]>, counters: Map<string, number>): Plan {
  const institution = context.institutions[p % context.institutions.length]!;
  const sector = institution.sectors[Math.floor(p / context.institutions.length) % institution.sectors.length]!;
  const indexInSector = counters.get(sector.code) ?? 0;
  counters.set(sector.code, indexInSector + 1);
  const pool = bySector.get(sector.code)!;
  const units = Array.from(
    { length: modulesPerProgram },
    (_unused, m) => pool[(indexInSector * modulesPerProgram + m) % pool.length]!,
  );
  const text = programText(
    sector,
    p,
    indexInSector,
    units.map((unit) => unit.subject),
  );
  return {
    index: p,
    units,
    fields: {
      ...text,
      sector: sector.code,
      instructors: context.instructorsOf.get(String(institution._id)) ?? [],
      institution: institution._id,
    },
    modules: units.map((unit, m) => ({
      title: `Modul ${m + 1}: ${unit.title}`,
      description: `Modul ini membahas unit kompetensi ${unit.code} (${unit.title}): ${unit.elements.map((title) => title.toLowerCase()).join('; ')}.`,
      hours: 8 + ((p + m) % 4) * 8,
      elements: [],
    })),
    lessons: units.map((unit, m) =>
      lessonTopics.map((topic, l) => {
        const n = (p * modulesPerProgram + m) * lessonsPerModule + l;
        const embedId = `bk${n.toString(36).padStart(9, '0')}`;
        return {
          title: `${topic} ${unit.subject}`,
          body: lessonMarkdown(n + 1),
          estimatedMinutes: 10 + ((n * 7) % 35),
          video:
            l % 4 === 1 ? { kind: 'youtube' as const, file: null, embedId } : { kind: 'none' as const, file: null, embedId: '' },
        };
      }),
    ),
  };
}

/** The program through the services, as an editor builds and publishes it; returns its id. */
async function createThroughServices(plan: Plan, admin: Actor): Promise<Id> {
  const codes = plan.units.map((unit) => unit.code);
  const programId = await createProgram(
    admin,
    programSchema.parse({
      ...plan.fields,
      units: codes,
      instructors: plan.fields.instructors.map(String),
      institution: String(plan.fields.institution),
    }),
  );
  for (const [m, module] of plan.modules.entries()) {
    const moduleId = await createModule(admin, programId, moduleSchema.parse({ ...module, units: [codes[m]] }));
    for (const lesson of plan.lessons[m]!) {
      const videoLink = lesson.video.kind === 'youtube' ? `https://www.youtube.com/watch?v=${lesson.video.embedId}` : '';
      await createLesson(admin, moduleId, lessonSchema.parse({ ...lesson, videoLink }));
    }
  }
  await publishProgram(admin, programId);
  return new mongoose.Types.ObjectId(programId);
}

/** A program's draft documents for insertMany. */
function draftDocs(plan: Plan, at: Date) {
  const program = programDoc({ ...plan.fields, units: plan.units.map((unit) => unit._id) }, at);
  const modules = plan.modules.map((fields, m) => moduleDoc(program._id, { ...fields, units: [plan.units[m]!._id] }, at));
  const lessonsByModule = plan.lessons.map((list, m) =>
    list.map((fields) => lessonDoc(program._id, modules[m]!._id, fields, at)),
  );
  // The order lists, as the services keep them (each addition bumps the list's revision).
  Object.assign(program, { moduleOrder: modules.map((module) => module._id), orderRevision: modules.length });
  for (const [m, module] of modules.entries()) {
    const lessons = lessonsByModule[m]!;
    Object.assign(module, { lessonOrder: lessons.map((lesson) => lesson._id), orderRevision: lessons.length });
  }
  return { program, modules, lessons: lessonsByModule.flat() };
}

const storedDraft = (id: Id) =>
  Promise.all([
    Program.collection.findOne({ _id: id }),
    Module.collection.find({ program: id }).sort({ _id: 1 }).toArray(),
    Lesson.collection.find({ program: id }).sort({ module: 1, _id: 1 }).toArray(),
  ]);

type StoredDraft = Awaited<ReturnType<typeof storedDraft>>;

/** Refuses to go on unless bulk documents have the shapes of those the services stored (same institution). */
function checkShapes(expected: StoredDraft, actual: StoredDraft, unitBySaveUnits: unknown, bulkUnit: Doc): void {
  const problems = [
    ...['program', 'modules', 'lessons'].flatMap((name, index) =>
      shapeDifferences(expected[index], actual[index]).map((line) => `${name} ${line}`),
    ),
    ...shapeDifferences(unitBySaveUnits, bulkUnit).map((line) => `unit ${line}`),
  ];
  if (problems.length) throw new Error(`Bulk documents differ from the services' ones:\n  ${problems.slice(0, 20).join('\n  ')}`);
}

const idsOf = (docs: Doc[]) => ({ _id: { $in: docs.map((doc) => doc._id) } });

function seededVersion(doc: Record<string, unknown>): SeededVersion {
  const snapshot = doc.snapshot as Snapshot;
  return {
    program: doc.program as Id,
    version: doc.version as number,
    institution: doc.institution as Id,
    code: snapshot.code,
    title: snapshot.title,
    instructors: snapshot.instructors.map((instructor) => instructor.id),
    lessons: snapshot.modules.flatMap((module) => module.lessons.map((lesson) => ({ id: lesson.id, title: lesson.title }))),
  };
}

/**
 * `viewer` is the institution whose staff will read the measured lesson: published lessons are for
 * the staff of their program's institution (trainees read them through a cohort).
 */
export async function seedCurriculum(scale: number, viewer: string, log: (line: string) => void): Promise<CurriculumSeed> {
  const size = curriculumSize(scale);
  const timings: CurriculumSeed['timings'] = [];
  const context = await loadContext();
  const { institutions, admin } = context;
  if (size.programs < 2 * institutions.length) throw new Error('Too few programs for the institutions');

  let start = performance.now();
  const { bySector, all } = await buildUnits(size.units, admin.objectId);
  const counters = new Map<string, number>();
  const plans = Array.from({ length: size.programs }, (_unused, p) => planProgram(p, context, bySector, counters));
  timings.push({ name: `write ${size.units} units and ${size.programs} programs in memory`, seconds: elapsed(start) });

  // The sample: its units through saveUnits (which gives them their ids), its programs through the services.
  start = performance.now();
  const sample = plans.slice(0, institutions.length);
  const sampleUnits = [...new Set(sample.flatMap((plan) => plan.units))];
  await saveUnits(
    admin,
    sampleUnits.map((unit) => unit.input),
  );
  const saved = await CompetencyUnit.collection.find({ code: { $in: sampleUnits.map((unit) => unit.code) } }).toArray();
  const bulkUnit = sampleUnits[0]!.doc!;
  for (const unit of sampleUnits) {
    unit._id = saved.find((doc) => doc.code === unit.code)!._id;
    unit.doc = null;
  }
  const sampleIds: Id[] = [];
  for (const plan of sample) sampleIds.push(await createThroughServices(plan, admin));
  // Their programs, versions and drafts leave the collections until the end too (as stored; the shape check uses them).
  const sampleDrafts = await Promise.all(sampleIds.map(storedDraft));
  const programs = sampleDrafts.map(([program]) => program) as Doc[];
  const modules = sampleDrafts.flatMap(([, draftModules]) => draftModules) as Doc[];
  const lessons = sampleDrafts.flatMap(([, , draftLessons]) => draftLessons) as Doc[];
  const versions = await ProgramVersion.collection.find({ program: { $in: sampleIds } }).toArray();
  await Promise.all([
    Program.collection.deleteMany(idsOf(programs)),
    Module.collection.deleteMany(idsOf(modules)),
    Lesson.collection.deleteMany(idsOf(lessons)),
    ProgramVersion.collection.deleteMany({ program: { $in: sampleIds } }),
  ]);
  timings.push({ name: `create and publish ${sample.length} programs through the services`, seconds: elapsed(start) });

  start = performance.now();
  log(`Publishing ${size.programs - sample.length} programs...`);
  for (let first = sample.length; first < plans.length; first += programsPerRound) {
    const round = plans.slice(first, first + programsPerRound);
    const drafts = round.map((plan) => draftDocs(plan, new Date()));
    const units = [...new Set(round.flatMap((plan) => plan.units))].flatMap((unit) => (unit.doc ? [unit.doc] : []));
    const roundModules = drafts.flatMap((draft) => draft.modules);
    const roundLessons = drafts.flatMap((draft) => draft.lessons);
    await Promise.all([
      units.length ? CompetencyUnit.collection.insertMany(units) : undefined,
      Program.collection.insertMany(drafts.map((draft) => draft.program)),
      Module.collection.insertMany(roundModules),
      Lesson.collection.insertMany(roundLessons),
    ]);
    await Promise.all(drafts.map((draft) => publishProgram(admin, String(draft.program._id))));
    if (first === sample.length) checkShapes(sampleDrafts[0]!, await storedDraft(drafts[0]!.program._id), saved[0], bulkUnit);
    const ids = drafts.map((draft) => draft.program._id);
    const [roundPrograms, roundVersions] = await Promise.all([
      Program.collection.find({ _id: { $in: ids } }).toArray(),
      ProgramVersion.collection.find({ program: { $in: ids } }).toArray(),
    ]);
    await Promise.all([
      units.length ? CompetencyUnit.collection.deleteMany(idsOf(units)) : undefined,
      Program.collection.deleteMany({ _id: { $in: ids } }),
      Module.collection.deleteMany(idsOf(roundModules)),
      Lesson.collection.deleteMany(idsOf(roundLessons)),
      ProgramVersion.collection.deleteMany({ program: { $in: ids } }),
    ]);
    round.forEach((plan, index) => {
      plan.id = ids[index]!;
    });
    programs.push(...(roundPrograms as Doc[]));
    modules.push(...roundModules);
    lessons.push(...roundLessons);
    versions.push(...roundVersions);
    const done = first + round.length;
    if (Math.floor(done / 250) > Math.floor(first / 250) || done === plans.length) {
      log(`  ${done} programs (${elapsed(start).toFixed(0)} s)`);
    }
  }
  timings.push({ name: `publish ${size.programs - sample.length} programs with publishProgram`, seconds: elapsed(start) });

  start = performance.now();
  const units = [...bySector.values()].flat().flatMap((unit) => (unit.doc ? [unit.doc] : []));
  log(`Inserting ${units.length} units, ${programs.length} programs, ${modules.length} modules, ${lessons.length} lessons...`);
  if (versions.length !== programs.length) throw new Error(`${programs.length} programs but ${versions.length} versions`);
  await insertInBatches((batch) => Program.collection.insertMany(batch), programs);
  await insertInBatches((batch) => ProgramVersion.collection.insertMany(batch), versions);
  await writeUnitsInSlices(units, (slice, revision) =>
    CompetencyUnit.collection.insertMany(slice.map((unit) => ({ ...unit, revision }))),
  );
  await insertInBatches((batch) => Module.collection.insertMany(batch), modules);
  await insertInBatches((batch) => Lesson.collection.insertMany(batch), lessons);
  timings.push({
    name: `insert ${programs.length} programs and versions, ${units.length} units, ${modules.length} modules, ${lessons.length} lessons`,
    seconds: elapsed(start),
  });

  // What publishing costs once the collections are full: here version 2 of the first program,
  // after a change (an unchanged draft is refused).
  const firstModule = await Module.findOne({ program: sampleIds[0] }, { _id: 1 }).lean();
  await createLesson(admin, String(firstModule!._id), lessonSchema.parse({ title: 'Materi tambahan', body: 'Isi tambahan.' }));
  start = performance.now();
  await publishProgram(admin, String(sampleIds[0]));
  timings.push({ name: 'publishProgram of one program now', seconds: elapsed(start) });

  sample.forEach((plan, index) => {
    plan.id = sampleIds[index]!;
  });
  const visible = plans.filter((plan) => String(plan.fields.institution) === viewer);
  const middle = visible[Math.floor(visible.length / 2)]!;
  const picked = lessons.filter((lesson) => String(lesson.program) === String(middle.id))[2 * lessonsPerModule + 4]!;
  const modulesCount = size.programs * modulesPerProgram;
  return {
    counts: { units: size.units, programs: size.programs, modules: modulesCount, lessons: modulesCount * lessonsPerModule },
    units: all,
    programs: (
      await Program.collection
        .find(
          { 'published.version': { $gt: 0 } },
          { projection: { 'published.title': 1, 'published.sector': 1 }, comment: 'scan: the benchmark lists what it seeded' },
        )
        .toArray()
    ).map((program) => ({ id: String(program._id), title: program.published.title, sector: program.published.sector })),
    versions: versions.map(seededVersion),
    lesson: {
      url: `/programs/${middle.id}/v/1/lessons/${picked._id}`,
      title: String(picked.title),
      position: 2 * lessonsPerModule + 5,
      count: modulesPerProgram * lessonsPerModule,
    },
    timings,
  };
}
