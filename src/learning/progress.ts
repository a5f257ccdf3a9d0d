import { sha256Hex } from '../platform/text.js';
import type { Snapshot, SnapshotLesson } from '../programs/publishing.js';

/** What finishes a lesson by itself; a trainee may always mark a lesson complete by hand as well. */
export type CompletesBy = 'video' | 'text' | 'files' | 'manual';

/** The fingerprint publishing gives a lesson without text (the same sha256Hex). */
const emptyTextHash = sha256Hex('');

/**
 * A lesson with an uploaded video is done when most of the video was watched; otherwise one with
 * text when the text was read to its end; otherwise one with files when they were downloaded.
 * Embedded (YouTube, Vimeo) players do not tell the page what was watched, so they count as text.
 */
export function completesBy(lesson: SnapshotLesson): CompletesBy {
  if (lesson.video.kind === 'upload' && lesson.video.file) return 'video';
  if (lesson.bodyHash !== emptyTextHash) return 'text';
  if (lesson.files.length) return 'files';
  return 'manual';
}

export type Tally = { done: number; total: number; percent: number };
const tally = (done: number, total: number): Tally => ({
  done,
  total,
  percent: total ? Math.floor((done / total) * 100) : 0,
});

export type ProgramProgress = {
  overall: Tally;
  modules: (Tally & { id: string; title: string })[];
  /** A unit's lessons are those of the modules that cover it. */
  units: (Tally & { code: string; title: { id: string; en: string } })[];
  /** The lesson to open next: the one left unfinished, else the first not done. */
  next: { id: string; title: string; module: string } | null;
};

export function lessonIds(snapshot: Snapshot): string[] {
  return snapshot.modules.flatMap((module) => module.lessons.map((lesson) => lesson.id));
}

export function computeProgress(snapshot: Snapshot, completed: Iterable<string>, lastLesson = ''): ProgramProgress {
  const done = new Set(completed);
  const count = (lessons: { id: string }[]) => lessons.filter((lesson) => done.has(lesson.id)).length;
  const modules = snapshot.modules.map((module) => ({
    id: module.id,
    title: module.title,
    ...tally(count(module.lessons), module.lessons.length),
  }));
  const units = snapshot.units.map((unit) => {
    const lessons = snapshot.modules.filter((module) => module.units.includes(unit.code)).flatMap((module) => module.lessons);
    return { code: unit.code, title: unit.title, ...tally(count(lessons), lessons.length) };
  });
  const sequence = snapshot.modules.flatMap((module) => module.lessons.map((lesson) => ({ lesson, module })));
  const unfinished =
    sequence.find((entry) => entry.lesson.id === lastLesson && !done.has(lastLesson)) ??
    sequence.find((entry) => !done.has(entry.lesson.id));
  return {
    overall: tally(count(sequence.map((entry) => entry.lesson)), sequence.length),
    modules,
    units,
    next: unfinished ? { id: unfinished.lesson.id, title: unfinished.lesson.title, module: unfinished.module.title } : null,
  };
}
