import type { Snapshot, SnapshotLesson, SnapshotModule } from './publishing.js';

/**
 * What changed between two snapshots of a program (the last published version and the draft), as
 * a list a person can read: each change names what it is about and, for text, before and after.
 */
export type Change =
  | { kind: 'field'; field: string; before: string; after: string }
  | { kind: 'unitAdded' | 'unitRemoved'; code: string; title: string }
  | { kind: 'moduleAdded' | 'moduleRemoved'; module: string }
  | { kind: 'moduleChanged'; module: string; fields: string[] }
  | { kind: 'lessonAdded' | 'lessonRemoved'; module: string; lesson: string }
  | { kind: 'lessonChanged'; module: string; lesson: string; fields: string[] }
  | { kind: 'reordered'; what: 'modules' | 'lessons'; module?: string };

const programFields = ['code', 'title', 'description', 'sector', 'level', 'prerequisites'] as const;
const moduleFields = ['title', 'description', 'hours', 'units', 'elements'] as const;

function lessonChanges(before: SnapshotLesson, after: SnapshotLesson): string[] {
  const fields: string[] = [];
  if (before.title !== after.title) fields.push('title');
  if (before.bodyHash !== after.bodyHash) fields.push('body');
  if (before.estimatedMinutes !== after.estimatedMinutes) fields.push('estimatedMinutes');
  if (JSON.stringify(before.video) !== JSON.stringify(after.video)) fields.push('video');
  if (JSON.stringify(before.files) !== JSON.stringify(after.files)) fields.push('files');
  return fields;
}

function moduleChanges(before: SnapshotModule, after: SnapshotModule): string[] {
  return moduleFields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}

const order = <T extends { id: string }>(items: T[], kept: Set<string>) =>
  items.map((item) => item.id).filter((id) => kept.has(id));

export function diffSnapshots(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const field of programFields) {
    if (String(before[field]) !== String(after[field]))
      changes.push({ kind: 'field', field, before: String(before[field]), after: String(after[field]) });
  }
  const beforeUnits = new Set(before.units.map((unit) => unit.code));
  const afterUnits = new Set(after.units.map((unit) => unit.code));
  for (const unit of after.units)
    if (!beforeUnits.has(unit.code)) changes.push({ kind: 'unitAdded', code: unit.code, title: unit.title.id });
  for (const unit of before.units)
    if (!afterUnits.has(unit.code)) changes.push({ kind: 'unitRemoved', code: unit.code, title: unit.title.id });

  const beforeModules = new Map(before.modules.map((module) => [module.id, module]));
  const afterModules = new Map(after.modules.map((module) => [module.id, module]));
  for (const module of after.modules) {
    const earlier = beforeModules.get(module.id);
    if (!earlier) {
      changes.push({ kind: 'moduleAdded', module: module.title });
      continue;
    }
    const fields = moduleChanges(earlier, module);
    if (fields.length) changes.push({ kind: 'moduleChanged', module: module.title, fields });
    const beforeLessons = new Map(earlier.lessons.map((lesson) => [lesson.id, lesson]));
    const afterLessons = new Set(module.lessons.map((lesson) => lesson.id));
    for (const lesson of module.lessons) {
      const previous = beforeLessons.get(lesson.id);
      if (!previous) changes.push({ kind: 'lessonAdded', module: module.title, lesson: lesson.title });
      else {
        const lessonFields = lessonChanges(previous, lesson);
        if (lessonFields.length)
          changes.push({ kind: 'lessonChanged', module: module.title, lesson: lesson.title, fields: lessonFields });
      }
    }
    for (const lesson of earlier.lessons) {
      if (!afterLessons.has(lesson.id)) changes.push({ kind: 'lessonRemoved', module: module.title, lesson: lesson.title });
    }
    const kept = new Set(module.lessons.map((lesson) => lesson.id).filter((id) => beforeLessons.has(id)));
    if (JSON.stringify(order(earlier.lessons, kept)) !== JSON.stringify(order(module.lessons, kept))) {
      changes.push({ kind: 'reordered', what: 'lessons', module: module.title });
    }
  }
  for (const module of before.modules)
    if (!afterModules.has(module.id)) changes.push({ kind: 'moduleRemoved', module: module.title });
  const keptModules = new Set(after.modules.map((module) => module.id).filter((id) => beforeModules.has(id)));
  if (JSON.stringify(order(before.modules, keptModules)) !== JSON.stringify(order(after.modules, keptModules))) {
    changes.push({ kind: 'reordered', what: 'modules' });
  }
  return changes;
}
