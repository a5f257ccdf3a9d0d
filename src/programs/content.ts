import mongoose from 'mongoose';
import { type FieldIssue, NotFoundError, ValidationError } from '../platform/errors.js';
import { markdownImageProblems } from '../platform/markdown.js';
import type { Actor } from '../platform/permissions.js';
import { unitOfRef } from '../units/refs.js';
import { Lesson, type LessonDoc, Module, type ModuleDoc } from './model.js';
import { addToList, lessonsOf, modulesOf, moveInList, removeFromList } from './order.js';
import { type LessonInput, type ModuleInput, parseVideoLink } from './schemas.js';
import { editableProgram, touchDraft, unitIds } from './service.js';

/** Modules and lessons of a program's draft. Every change marks the draft as changed. */

async function editableModule(actor: Actor | null, moduleId: string): Promise<ModuleDoc> {
  if (!mongoose.isValidObjectId(moduleId)) throw new NotFoundError();
  const module = await Module.findById(moduleId).lean<ModuleDoc>();
  if (!module) throw new NotFoundError();
  await editableProgram(actor, String(module.program));
  return module;
}

export async function editableLesson(actor: Actor | null, lessonId: string): Promise<LessonDoc> {
  if (!mongoose.isValidObjectId(lessonId)) throw new NotFoundError();
  const lesson = await Lesson.findById(lessonId).lean<LessonDoc>();
  if (!lesson) throw new NotFoundError();
  await editableProgram(actor, String(lesson.program));
  return lesson;
}

/** A module may cover only units of its program, and elements only of the units it covers. */
async function moduleFields(programUnits: mongoose.Types.ObjectId[], input: ModuleInput) {
  const units = await unitIds(input.units, 'units');
  const outside = units.filter((unit) => !programUnits.some((programUnit) => String(programUnit) === String(unit)));
  if (outside.length) throw new ValidationError([{ field: 'units', key: 'programs.errors.unitNotInProgram' }]);
  const elements = input.elements.filter((element) => input.units.includes(unitOfRef(element)));
  return { title: input.title, description: input.description, hours: input.hours, units, elements };
}

/** A new module goes last; its place is kept in the program's order (order.ts). */
export async function createModule(actor: Actor | null, programId: string, input: ModuleInput): Promise<string> {
  const program = await editableProgram(actor, programId);
  const module = await Module.create({ program: program._id, ...(await moduleFields(program.units, input)) });
  await addToList(modulesOf(program._id), program, module._id);
  await touchDraft(program._id);
  return String(module._id);
}

export async function updateModule(actor: Actor | null, moduleId: string, input: ModuleInput): Promise<void> {
  const module = await editableModule(actor, moduleId);
  const program = await editableProgram(actor, String(module.program));
  await Module.updateOne({ _id: module._id }, { $set: await moduleFields(program.units, input) });
  await touchDraft(program._id);
}

export async function deleteModule(actor: Actor | null, moduleId: string): Promise<string> {
  const module = await editableModule(actor, moduleId);
  await Lesson.deleteMany({ module: module._id });
  await Module.deleteOne({ _id: module._id });
  await removeFromList(modulesOf(module.program), module._id);
  await touchDraft(module.program);
  return String(module.program);
}

export async function moveModule(actor: Actor | null, moduleId: string, direction: 'up' | 'down'): Promise<string> {
  const module = await editableModule(actor, moduleId);
  await moveInList(modulesOf(module.program), String(module._id), direction);
  await touchDraft(module.program);
  return String(module.program);
}

type Video = { kind: 'none' | 'upload' | 'youtube' | 'vimeo'; file: mongoose.Types.ObjectId | null; embedId: string };
const noVideo: Video = { kind: 'none', file: null, embedId: '' };

/** A pasted link replaces the video, "-" removes it, nothing keeps what there is (an upload, say). */
function videoFields(input: LessonInput, current?: LessonDoc['video']): Video {
  if (input.videoLink === '-') return noVideo;
  const link = input.videoLink ? parseVideoLink(input.videoLink) : undefined;
  if (link) return { kind: link.kind, file: null, embedId: link.embedId };
  return current ? { kind: current.kind, file: current.file ?? null, embedId: current.embedId ?? '' } : noVideo;
}

/**
 * A lesson text may show only the lesson's own uploaded images: the security policy blocks
 * images from other sites, and a reference to an image the lesson lacks shows nothing. Refused
 * with the reason, so the author fixes it instead of trainees meeting a broken picture.
 */
function checkImages(body: string, images: readonly { file: unknown }[] = []): void {
  const problems = markdownImageProblems(
    body,
    images.map((image) => String(image.file)),
  );
  if (problems.external.length) {
    throw new ValidationError([
      { field: 'body', key: 'programs.errors.externalImage', params: { urls: problems.external.join(', ') } },
    ]);
  }
  if (problems.missing.length) {
    throw new ValidationError([
      { field: 'body', key: 'programs.errors.unknownImage', params: { refs: problems.missing.join(', ') } },
    ]);
  }
}

/** What is wrong with the images of a lesson's saved text, for the editor to show before the next save. */
export function imageProblemsOf(lesson: Pick<LessonDoc, 'body' | 'images'>): FieldIssue | undefined {
  try {
    checkImages(lesson.body ?? '', lesson.images);
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error.fields[0];
    throw error;
  }
}

/** A new lesson goes last in its module; its place is kept in the module's order (order.ts). */
export async function createLesson(actor: Actor | null, moduleId: string, input: LessonInput): Promise<string> {
  const module = await editableModule(actor, moduleId);
  checkImages(input.body);
  const lesson = await Lesson.create({
    program: module.program,
    module: module._id,
    title: input.title,
    body: input.body,
    estimatedMinutes: input.estimatedMinutes,
    video: videoFields(input),
  });
  await addToList(lessonsOf(module._id), module, lesson._id);
  await touchDraft(module.program);
  return String(lesson._id);
}

export async function updateLesson(actor: Actor | null, lessonId: string, input: LessonInput): Promise<void> {
  const lesson = await editableLesson(actor, lessonId);
  checkImages(input.body, lesson.images);
  await Lesson.updateOne(
    { _id: lesson._id },
    {
      $set: {
        title: input.title,
        body: input.body,
        estimatedMinutes: input.estimatedMinutes,
        video: videoFields(input, lesson.video),
      },
    },
  );
  await touchDraft(lesson.program);
}

export async function deleteLesson(actor: Actor | null, lessonId: string): Promise<string> {
  const lesson = await editableLesson(actor, lessonId);
  await Lesson.deleteOne({ _id: lesson._id });
  await removeFromList(lessonsOf(lesson.module), lesson._id);
  await touchDraft(lesson.program);
  return String(lesson.program);
}

export async function moveLesson(actor: Actor | null, lessonId: string, direction: 'up' | 'down'): Promise<string> {
  const lesson = await editableLesson(actor, lessonId);
  await moveInList(lessonsOf(lesson.module), String(lesson._id), direction);
  await touchDraft(lesson.program);
  return String(lesson.program);
}

/** Attaches an uploaded file to a lesson, as its video or as a download. */
export async function attachToLesson(actor: Actor | null, lessonId: string, fileId: string, as: 'video' | 'file'): Promise<void> {
  const lesson = await editableLesson(actor, lessonId);
  const update =
    as === 'video' ? { $set: { video: { kind: 'upload', file: fileId, embedId: '' } } } : { $addToSet: { files: fileId } };
  await Lesson.updateOne({ _id: lesson._id }, update);
  await touchDraft(lesson.program);
}

/**
 * Adds an uploaded image to a lesson, to be placed in its text. The file stays stored when the
 * image is removed again: published versions that show it keep showing it.
 */
export async function attachImage(actor: Actor | null, lessonId: string, fileId: string, alt: string): Promise<void> {
  const lesson = await editableLesson(actor, lessonId);
  await Lesson.updateOne({ _id: lesson._id }, { $push: { images: { file: fileId, alt } } });
  await touchDraft(lesson.program);
}

export async function detachFromLesson(actor: Actor | null, lessonId: string, fileId: string): Promise<void> {
  const lesson = await editableLesson(actor, lessonId);
  const image = (lesson.images ?? []).find((candidate) => String(candidate.file) === fileId);
  if (String(lesson.video?.file) === fileId) {
    await Lesson.updateOne({ _id: lesson._id }, { $set: { video: noVideo } });
  } else if (image) {
    // The whole entry as stored: MongoDB matches it as a condition, FerretDB only as an equal value.
    await Lesson.updateOne({ _id: lesson._id }, { $pull: { images: { file: image.file, alt: image.alt } } });
  } else {
    await Lesson.updateOne({ _id: lesson._id }, { $pull: { files: fileId } });
  }
  await touchDraft(lesson.program);
}
