import type { Snapshot } from '../programs/publishing.js';
import { computeProgress, type ProgramProgress, type Tally } from './progress.js';

/** Where the trainee stands in the cohort, as their enrolment stores it. */
export type Place = { completed: readonly string[]; lastLesson: string; position: number };

/**
 * How far into the lesson to open next they had come: the stored position, if that lesson is the
 * one they left unfinished. Something done or a position kept reads "Continue", else "Start".
 */
export function resumeOf(progress: Pick<ProgramProgress, 'next'>, place: Pick<Place, 'lastLesson' | 'position'>): number {
  return progress.next && progress.next.id === place.lastLesson ? place.position : 0;
}

export type CourseOutline = {
  overall: Tally;
  /** The lesson to open next (the current position); null once every lesson is done. */
  next: ProgramProgress['next'];
  resume: number;
  modules: (Tally & {
    id: string;
    title: string;
    hours: number;
    units: string[];
    lessons: { id: string; title: string; estimatedMinutes: number; done: boolean; current: boolean }[];
  })[];
  /** The competency units the program covers, each with the modules that cover it (ids, in order). */
  units: (Tally & { code: string; title: { id: string; en: string }; modules: string[] })[];
};

/**
 * A cohort's course home for one trainee: every module and lesson of the published version in
 * order, done or not, the current position, and the units covered. The tallies are those of
 * computeProgress, so the outline, My learning and the API count alike.
 */
export function courseOutline(snapshot: Snapshot, place: Place): CourseOutline {
  const done = new Set(place.completed);
  const progress = computeProgress(snapshot, done, place.lastLesson);
  return {
    overall: progress.overall,
    next: progress.next,
    resume: resumeOf(progress, place),
    modules: snapshot.modules.map((module, index) => ({
      ...progress.modules[index]!,
      hours: module.hours,
      units: module.units,
      lessons: module.lessons.map((lesson) => ({
        id: lesson.id,
        title: lesson.title,
        estimatedMinutes: lesson.estimatedMinutes,
        done: done.has(lesson.id),
        current: lesson.id === progress.next?.id,
      })),
    })),
    units: snapshot.units.map((unit, index) => ({
      ...progress.units[index]!,
      modules: snapshot.modules.filter((module) => module.units.includes(unit.code)).map((module) => module.id),
    })),
  };
}
