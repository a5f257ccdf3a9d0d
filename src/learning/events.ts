import { publish } from '../platform/events.js';
import type { Snapshot } from '../programs/publishing.js';
import { lessonIds } from './progress.js';

type Place = { cohort: { id: string; institution: string }; snapshot: Snapshot; trainee: string };

/**
 * Tells the other features which lessons a trainee has newly done (and which modules that
 * finished), comparing the completed set before and after the write. A replay that changed
 * nothing tells nothing. Lessons no longer in the version are not counted.
 */
export async function publishCompletions(
  { cohort, snapshot, trainee }: Place,
  before: Iterable<string>,
  after: Iterable<string>,
  at: Date,
) {
  const had = new Set(before);
  const has = new Set(after);
  const lessons = snapshot.modules
    .flatMap((module) => module.lessons)
    .filter((lesson) => has.has(lesson.id) && !had.has(lesson.id));
  if (!lessons.length) return;
  const finished = (done: Set<string>) => (module: Snapshot['modules'][number]) =>
    module.lessons.length > 0 && module.lessons.every((lesson) => done.has(lesson.id));
  const modules = snapshot.modules.filter((module) => finished(has)(module) && !finished(had)(module));
  await publish('lesson.completed', {
    trainee,
    cohort: cohort.id,
    institution: cohort.institution,
    lessons: lessons.map((lesson) => ({ id: lesson.id, title: lesson.title })),
    modules: modules.map((module) => ({ id: module.id, title: module.title })),
    done: lessonIds(snapshot).filter((id) => has.has(id)).length,
    total: lessonIds(snapshot).length,
    at,
  });
}

/** A trainee undid a lesson's completion. */
export async function publishReopened({ cohort, snapshot, trainee }: Place, lesson: string, after: Iterable<string>, at: Date) {
  const has = new Set(after);
  const ids = lessonIds(snapshot);
  await publish('lesson.reopened', {
    trainee,
    cohort: cohort.id,
    institution: cohort.institution,
    lesson,
    done: ids.filter((id) => has.has(id)).length,
    total: ids.length,
    at,
  });
}
