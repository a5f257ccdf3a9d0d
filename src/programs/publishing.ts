import mongoose from 'mongoose';
import { StoredFile } from '../files/index.js';
import { Institution } from '../institutions/model.js';
import { type FieldIssue, NotFoundError, ValidationError } from '../platform/errors.js';
import { type MarkdownImage, renderMarkdown } from '../platform/markdown.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { sha256Hex } from '../platform/text.js';
import { CompetencyUnit } from '../units/model.js';
import { User } from '../users/model.js';
import { type CompletionRules, draftRules, rulesOf } from './completionRules.js';
import { diffSnapshots } from './diff.js';
import { Lesson, Module, Program, type ProgramDoc, ProgramVersion, type VersionDoc, versionId } from './model.js';
import { inOrder } from './order.js';
import { cachedLessonHtml, cachedVersion } from './publishedCache.js';
import { editableProgram, programRef } from './service.js';
import { storeVersion } from './versionStore.js';

/** A file as a published lesson refers to it. */
export type FileRef = { id: string; name: string; size: number; mimeType: string };
/** An image of a lesson's text: its file with the stored copy's size in pixels and narrower copies' widths. */
export type ImageRef = MarkdownImage;
/** A lesson in a version's outline; its text is stored apart (PublishedLesson), read when opened. */
export type SnapshotLesson = {
  id: string;
  title: string;
  /** SHA-256 of the markdown, to tell whether the text changed without reading it. */
  bodyHash: string;
  estimatedMinutes: number;
  video: { kind: string; embedId: string; file: FileRef | null };
  files: FileRef[];
  /** Absent in versions published before lessons had images. */
  images?: ImageRef[];
};
export type SnapshotModule = {
  id: string;
  title: string;
  description: string;
  hours: number;
  units: string[];
  elements: string[];
  lessons: SnapshotLesson[];
};
/** A program as published: its outline, frozen; lesson texts are kept beside it. */
export type Snapshot = {
  code: string;
  title: string;
  description: string;
  sector: string;
  level: number;
  prerequisites: string;
  hours: number;
  institution: { id: string; name: string; province: string };
  instructors: { id: string; name: string }[];
  units: { code: string; title: { id: string; en: string }; status: string; elements: { no: number; title: string }[] }[];
  modules: SnapshotModule[];
  /** What completing the program takes (completionRules.ts); absent in versions published before rules existed. */
  completion?: CompletionRules;
};

export type LessonText = { body: string; html: string };
export type Draft = { snapshot: Snapshot; texts: Map<string, LessonText> };

/**
 * Builds the outline of a program's current draft and its lessons' texts, rendered; publishing
 * stores both, the diff compares outlines, the preview shows a draft lesson.
 */
export async function buildDraft(program: ProgramDoc): Promise<Draft> {
  const [modules, lessons, units, institution, instructors] = await Promise.all([
    Module.find({ program: program._id }).lean(),
    Lesson.find({ program: program._id }).lean(),
    CompetencyUnit.find({ _id: { $in: program.units } }, { code: 1, title: 1, status: 1, elements: 1 }).lean(),
    Institution.findById(program.institution, { name: 1, province: 1 }).lean(),
    User.find({ _id: { $in: program.instructors } }, { name: 1 })
      .sort({ name: 1 })
      .lean(),
  ]);
  const fileIds = lessons.flatMap((lesson) => [
    ...lesson.files,
    ...(lesson.video?.file ? [lesson.video.file] : []),
    ...(lesson.images ?? []).map((image) => image.file),
  ]);
  const files = await StoredFile.find({ _id: { $in: fileIds } }).lean();
  const fileRef = (id: unknown): FileRef | null => {
    const file = files.find((candidate) => String(candidate._id) === String(id));
    return file ? { id: String(file._id), name: file.originalName, size: file.size, mimeType: file.mimeType } : null;
  };
  const imagesOf = (lesson: (typeof lessons)[number]): ImageRef[] =>
    (lesson.images ?? []).flatMap(({ file: id, alt }) => {
      const image = files.find((candidate) => String(candidate._id) === String(id))?.image;
      if (!image) return [];
      return [{ id: String(id), alt, width: image.width, height: image.height, widths: image.variants.map((v) => v.width) }];
    });
  const unitById = new Map(units.map((unit) => [String(unit._id), unit]));
  const orderedUnits = program.units.map((id) => unitById.get(String(id))).filter((unit) => unit !== undefined);
  const texts = new Map<string, LessonText>(
    lessons.map((lesson) => [
      String(lesson._id),
      { body: lesson.body ?? '', html: renderMarkdown(lesson.body ?? '', { images: imagesOf(lesson) }) },
    ]),
  );
  const snapshot: Snapshot = {
    code: program.code,
    title: program.title,
    description: program.description ?? '',
    sector: program.sector ?? '',
    level: program.level,
    prerequisites: program.prerequisites ?? '',
    hours: modules.reduce((sum, module) => sum + (module.hours ?? 0), 0),
    institution: { id: String(program.institution), name: institution?.name ?? '', province: institution?.province ?? '' },
    instructors: instructors.map((user) => ({ id: String(user._id), name: user.name })),
    units: orderedUnits.map((unit) => ({
      code: unit.code,
      title: { id: unit.title?.id ?? '', en: unit.title?.en ?? '' },
      status: unit.status,
      elements: unit.elements.map((element) => ({ no: element.no, title: element.title })),
    })),
    modules: inOrder(modules, program.moduleOrder).map((module) => ({
      id: String(module._id),
      title: module.title,
      description: module.description ?? '',
      hours: module.hours ?? 0,
      units: module.units.map((id) => unitById.get(String(id))?.code ?? '').filter(Boolean),
      elements: module.elements ?? [],
      lessons: inOrder(
        lessons.filter((lesson) => String(lesson.module) === String(module._id)),
        module.lessonOrder,
      ).map((lesson) => ({
        id: String(lesson._id),
        title: lesson.title,
        bodyHash: sha256Hex(lesson.body ?? ''),
        estimatedMinutes: lesson.estimatedMinutes ?? 0,
        video: { kind: lesson.video?.kind ?? 'none', embedId: lesson.video?.embedId ?? '', file: fileRef(lesson.video?.file) },
        files: lesson.files.map(fileRef).filter((file) => file !== null),
        images: imagesOf(lesson),
      })),
    })),
  };
  // Required modules deleted from the draft since are left out (rulesOf), so a version never names a module it lacks.
  snapshot.completion = rulesOf({ modules: snapshot.modules, completion: draftRules(program) });
  return { snapshot, texts };
}

/** The outline of a program's current draft. */
export async function buildSnapshot(program: ProgramDoc): Promise<Snapshot> {
  return (await buildDraft(program)).snapshot;
}

/** The files a lesson of a snapshot serves: its downloads, its video and the images in its text. */
export function lessonFileIds(lesson: SnapshotLesson): string[] {
  return [
    ...lesson.files.map((file) => file.id),
    ...(lesson.video.file ? [lesson.video.file.id] : []),
    ...(lesson.images ?? []).map((image) => image.id),
  ];
}

/** Units the program covers that no module covers: a program cannot be published with any. */
export function uncoveredUnits(snapshot: Snapshot): string[] {
  const covered = new Set(snapshot.modules.flatMap((module) => module.units));
  return snapshot.units.map((unit) => unit.code).filter((code) => !covered.has(code));
}

/**
 * Freezes the draft into the next numbered version. Two editors publishing at once cannot both
 * make version N: its `_id` lets only one insert it; the other is told so. A publish that stopped
 * half-way is finished or undone first (versionStore.ts).
 */
export async function publishProgram(actor: Actor | null, programId: string): Promise<number> {
  const program = await editableProgram(actor, programId);
  const { snapshot, texts } = await buildDraft(program);
  if (!snapshot.modules.length) throw new ValidationError([{ field: 'publish', key: 'programs.errors.noModules' }]);
  // Every reason the draft cannot be published yet, at once, so one round of fixes is enough.
  const issues: FieldIssue[] = [];
  const uncovered = uncoveredUnits(snapshot);
  if (uncovered.length) {
    issues.push({ field: 'units', key: 'programs.errors.unitsWithoutModule', params: { codes: uncovered.join(', ') } });
  }
  const empty = snapshot.modules.filter((module) => !module.lessons.length).map((module) => module.title);
  if (empty.length) {
    // A trainee would open a module with nothing to study in it.
    issues.push({ field: 'modules', key: 'programs.errors.modulesWithoutLessons', params: { modules: empty.join(', ') } });
  }
  if (issues.length) throw new ValidationError(issues);
  await refuseUnchanged(program, snapshot);
  // Only the lessons the outline shows are published (a lesson of a deleted module is not).
  const html = new Map(
    snapshot.modules.flatMap((module) => module.lessons.map((lesson) => [lesson.id, texts.get(lesson.id)?.html ?? ''] as const)),
  );
  return storeVersion({ program, publishedBy: actor!.id, snapshot, html });
}

/**
 * Refuses a publish that would make a version trainees cannot tell from the newest one. It
 * compares with the version the program points at now, which is the one the new version would
 * follow: should another publish get in first, storeVersion refuses this one anyway.
 */
async function refuseUnchanged(program: ProgramDoc, snapshot: Snapshot): Promise<void> {
  const latest = program.publishedVersion;
  if (!latest) return;
  const published = await cachedVersion(program._id, latest);
  if (published && !diffSnapshots(published.snapshot, snapshot).length) {
    throw new ValidationError([{ field: 'publish', key: 'programs.errors.nothingChanged', params: { version: latest } }]);
  }
}

export type PublishedVersion = {
  program: string;
  version: number;
  publishedAt: Date;
  snapshot: Snapshot;
  ref: ReturnType<typeof programRef>;
};

/**
 * A published version; `latest` picks the newest. The program is read every time (which version
 * is the newest, and who may see it, can change); the version itself comes from the cache.
 */
export async function getVersion(programId: string, version: number | 'latest'): Promise<PublishedVersion> {
  if (!mongoose.isValidObjectId(programId)) throw new NotFoundError();
  const program = await Program.findById(programId, { publishedVersion: 1, institution: 1, instructors: 1 }).lean<ProgramDoc>();
  const number = version === 'latest' ? program?.publishedVersion : version;
  if (!program || !number) throw new NotFoundError();
  const found = await cachedVersion(program._id, number);
  if (!found) throw new NotFoundError();
  return {
    program: programId,
    version: number,
    publishedAt: found.publishedAt,
    snapshot: found.snapshot,
    ref: programRef(program),
  };
}

/**
 * The outline of a complete published version, with no permission check and no read of the
 * program: for features that already checked access to it (a cohort's trainees and staff). It
 * never changes, so it is served from memory; do not change what it returns.
 */
export async function versionSnapshot(programId: unknown, version: number): Promise<Snapshot> {
  const found = await cachedVersion(programId, version);
  if (!found) throw new NotFoundError();
  return found.snapshot;
}

/**
 * The rendered text of a lesson of a complete published version (check with versionSnapshot that
 * the version is complete and holds the lesson), with no permission check; from memory.
 */
export async function publishedLessonHtml(programId: unknown, version: number, lessonId: string): Promise<string> {
  const html = await cachedLessonHtml(programId, version, lessonId);
  if (html === undefined) throw new NotFoundError();
  return html;
}

export async function listVersions(actor: Actor | null, programId: string) {
  const program = await editableProgram(actor, programId);
  const ids = Array.from({ length: program.publishedVersion ?? 0 }, (_, index) => versionId(program._id, index + 1));
  const versions = (
    await ProgramVersion.find({ _id: { $in: ids }, complete: true }, { version: 1, publishedAt: 1, publishedBy: 1 }).lean<
      VersionDoc[]
    >()
  ).sort((a, b) => b.version - a.version);
  const names = new Map(
    (await User.find({ _id: { $in: versions.map((v) => v.publishedBy) } }, { name: 1 }).lean()).map((user) => [
      String(user._id),
      user.name,
    ]),
  );
  return versions.map((v) => ({
    version: v.version,
    publishedAt: v.publishedAt,
    publishedBy: names.get(String(v.publishedBy)) ?? '',
  }));
}

export type LessonInSnapshot = ReturnType<typeof lessonInSnapshot>;

/** One lesson of a snapshot with its module and its neighbours, for the lesson page. */
export function lessonInSnapshot(snapshot: Snapshot, lessonId: string) {
  const sequence = snapshot.modules.flatMap((module) => module.lessons.map((lesson) => ({ module, lesson })));
  const index = sequence.findIndex((entry) => entry.lesson.id === lessonId);
  if (index < 0) throw new NotFoundError();
  const entry = sequence[index]!;
  return {
    module: entry.module,
    lesson: entry.lesson,
    previous: sequence[index - 1]?.lesson ?? null,
    next: sequence[index + 1]?.lesson ?? null,
    position: index + 1,
    count: sequence.length,
  };
}

/** A lesson of a published version, with its text, for whoever may see it. */
export async function publishedLesson(actor: Actor | null, programId: string, version: number, lessonId: string) {
  const found = await getVersion(programId, version);
  authorize(actor, 'lesson.view', { published: true, program: found.ref });
  const place = lessonInSnapshot(found.snapshot, lessonId);
  return { version: found, ...place, html: await publishedLessonHtml(programId, version, lessonId) };
}

/** A lesson of the draft, as a trainee will see it once published: for the program's editors. */
export async function draftLessonPreview(actor: Actor | null, programId: string, lessonId: string) {
  const program = await editableProgram(actor, programId);
  authorize(actor, 'lesson.view', { published: false, program: programRef(program) });
  const { snapshot, texts } = await buildDraft(program);
  const place = lessonInSnapshot(snapshot, lessonId);
  return { snapshot, ...place, html: texts.get(lessonId)?.html ?? '' };
}
