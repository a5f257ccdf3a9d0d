import mongoose from 'mongoose';
import { Institution } from '../institutions/model.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, can, type ProgramRef, scope } from '../platform/permissions.js';
import { CompetencyUnit } from '../units/model.js';
import { User } from '../users/model.js';
import { type ProgramSummary, programDirectory, summaryProjection, toProgramSummary, writeProgram } from './listings.js';
import { Lesson, Module, Program, type ProgramDoc } from './model.js';
import { inOrder } from './order.js';
import type { ProgramInput } from './schemas.js';

export type { ProgramSummary };

export function programRef(program: Pick<ProgramDoc, 'institution' | 'instructors'>): ProgramRef {
  return { institution: String(program.institution), instructors: program.instructors.map(String) };
}

/** The program with this id, if the actor may edit it; otherwise not found or forbidden. */
export async function editableProgram(actor: Actor | null, id: string): Promise<ProgramDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFoundError();
  const program = await Program.findById(id).lean<ProgramDoc>();
  if (!program) throw new NotFoundError();
  authorize(actor, 'program.edit', programRef(program));
  return program;
}

/** Unit codes to ids, in the order given; an unknown code is an error on `field`. */
export async function unitIds(codes: string[], field: string): Promise<mongoose.Types.ObjectId[]> {
  const unique = [...new Set(codes)];
  const found = await CompetencyUnit.find({ code: { $in: unique } }, { code: 1 }).lean();
  const byCode = new Map(found.map((unit) => [unit.code, unit._id]));
  const missing = unique.filter((code) => !byCode.has(code));
  if (missing.length)
    throw new ValidationError([{ field, key: 'programs.errors.unknownUnits', params: { codes: missing.join(', ') } }]);
  return unique.map((code) => byCode.get(code)!);
}

/** Owner instructors must be instructors of the program's institution. */
async function checkInstructors(ids: string[], institution: string): Promise<void> {
  const unique = [...new Set(ids)];
  const count = await User.countDocuments({ _id: { $in: unique }, role: 'instructor', institution });
  if (count !== unique.length) throw new ValidationError([{ field: 'instructors', key: 'programs.errors.instructorsOutside' }]);
}

async function programFields(actor: Actor, input: ProgramInput, institution: string) {
  const instructors = new Set(input.instructors);
  if (actor.role === 'instructor') instructors.add(actor.id); // an instructor always owns what they create
  await checkInstructors([...instructors], institution);
  return {
    code: input.code,
    title: input.title,
    description: input.description,
    sector: input.sector,
    level: input.level,
    units: await unitIds(input.units, 'units'),
    prerequisites: input.prerequisites,
    instructors: [...instructors],
    draftChangedAt: new Date(),
  };
}

function duplicateCode(error: unknown): never {
  if (isDuplicateKeyError(error)) throw new ConflictError('programs.errors.codeTaken', 'code');
  throw error;
}

export async function createProgram(actor: Actor | null, input: ProgramInput): Promise<string> {
  authorize(actor, 'program.create');
  const institution = can(actor, 'institution.chooseAny') ? input.institution : (actor.institution ?? undefined);
  if (!institution || !(await Institution.exists({ _id: institution }))) {
    throw new ValidationError([{ field: 'institution', key: 'validation.choice' }]);
  }
  authorize(actor, 'program.create', { institution });
  const fields = await programFields(actor, input, institution);
  try {
    const program = await writeProgram((revision) => Program.create({ ...fields, institution, revision }));
    return String(program._id);
  } catch (error) {
    duplicateCode(error);
  }
}

export async function updateProgram(actor: Actor | null, id: string, input: ProgramInput): Promise<void> {
  const program = await editableProgram(actor, id);
  const fields = await programFields(actor!, input, String(program.institution));
  try {
    await writeProgram((revision) => Program.updateOne({ _id: program._id }, { $set: { ...fields, revision } }));
  } catch (error) {
    duplicateCode(error);
  }
}

/** At most this many programs are listed (by code). */
const listedPrograms = 500;

/**
 * Programs the actor edits: admins all, coordinators their institution's, instructors their own.
 * Admins' list comes from memory (listings.ts): every program would be read from the database.
 */
export async function listEditablePrograms(actor: Actor | null): Promise<ProgramSummary[]> {
  authorize(actor, 'program.edit');
  if (actor.role === 'admin') {
    const all = [...(await programDirectory.all()).values()];
    const byCode = all.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return byCode.slice(0, listedPrograms).map((summary) => ({ ...summary }));
  }
  const programs = await Program.find(scope(actor, 'programs'), summaryProjection)
    .sort({ code: 1 })
    .limit(listedPrograms)
    .lean<ProgramDoc[]>();
  return programs.map(toProgramSummary);
}

/** Records that the draft changed, so the program page can say it differs from the published version. */
export async function touchDraft(programId: unknown): Promise<void> {
  await Program.updateOne({ _id: programId }, { $set: { draftChangedAt: new Date() } });
}

/** The draft as the editor sees it: the program, its modules in order, each with its lessons in order. */
export async function loadDraft(actor: Actor | null, id: string) {
  const program = await editableProgram(actor, id);
  const [modules, lessons, units, institution, instructors] = await Promise.all([
    Module.find({ program: program._id }).lean(),
    Lesson.find({ program: program._id }, { body: 0 }).lean(),
    CompetencyUnit.find({ _id: { $in: program.units } }, { code: 1, title: 1, elements: 1, status: 1 }).lean(),
    Institution.findById(program.institution, { name: 1 }).lean(),
    User.find({ _id: { $in: program.instructors } }, { name: 1 }).lean(),
  ]);
  const ordered = inOrder(modules, program.moduleOrder);
  const unitById = new Map(units.map((unit) => [String(unit._id), unit]));
  return {
    program,
    institutionName: institution?.name ?? '',
    instructors: instructors.map((user) => ({ id: String(user._id), name: user.name })),
    units: program.units.map((unitId) => unitById.get(String(unitId))).filter((unit) => unit !== undefined),
    modules: ordered.map((module) => ({
      ...module,
      unitCodes: module.units.map((unitId) => unitById.get(String(unitId))?.code).filter(Boolean) as string[],
      lessons: inOrder(
        lessons.filter((lesson) => String(lesson.module) === String(module._id)),
        module.lessonOrder,
      ),
    })),
    totalHours: modules.reduce((sum, module) => sum + (module.hours ?? 0), 0),
  };
}
