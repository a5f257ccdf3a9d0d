import { rulesOf, rulesSummary } from './completionRules.js';
import type { Snapshot, SnapshotLesson, SnapshotModule } from './publishing.js';

/**
 * What changed between two snapshots of a program (the last published version and the draft), as
 * a list a person can read: each change names what it is about and, for text, before and after.
 */
export type Change =
  | { kind: 'field'; field: string; before: string; after: string }
  | { kind: 'unitAdded' | 'unitRemoved'; code: string; title: string }
  | { kind: 'unitChanged'; code: string; title: string; fields: string[] }
  | { kind: 'moduleAdded' | 'moduleRemoved'; module: string }
  | { kind: 'moduleChanged'; module: string; fields: string[] }
  | { kind: 'lessonAdded' | 'lessonRemoved'; module: string; lesson: string }
  | { kind: 'lessonChanged'; module: string; lesson: string; fields: string[] }
  | { kind: 'reordered'; what: 'units' | 'modules' | 'lessons'; module?: string };

const programFields = ['code', 'title', 'description', 'sector', 'level', 'prerequisites'] as const;
/** What trainees read of the program beyond its own fields; names, since ids mean nothing to a reader. */
const shownNames = {
  // Versions stored before a field was kept may lack it: that counts as a change, not as a crash.
  instructors: (snapshot: Snapshot) => (snapshot.instructors ?? []).map((instructor) => instructor.name).join(', '),
  institution: (snapshot: Snapshot) => snapshot.institution?.name ?? '',
  // Versions published before rules existed state the default rules (rulesOf): not a change by itself.
  completion: (snapshot: Snapshot) =>
    rulesSummary(rulesOf(snapshot), (id) => snapshot.modules.find((module) => module.id === id)?.title ?? id),
} as const;
const unitFields = ['title', 'status', 'elements'] as const;
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

/**
 * Every difference a trainee could notice between two snapshots: an empty list means the draft is
 * the published version again, and publishing it is refused (publishing.ts), so anything a
 * snapshot shows must be compared here.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const field of programFields) {
    if (String(before[field]) !== String(after[field]))
      changes.push({ kind: 'field', field, before: String(before[field]), after: String(after[field]) });
  }
  for (const [field, shown] of Object.entries(shownNames)) {
    const [was, is] = [shown(before), shown(after)];
    if (was !== is) changes.push({ kind: 'field', field, before: was, after: is });
  }
  const beforeUnits = new Map(before.units.map((unit) => [unit.code, unit]));
  const afterUnits = new Set(after.units.map((unit) => unit.code));
  for (const unit of after.units) {
    const earlier = beforeUnits.get(unit.code);
    if (!earlier) {
      changes.push({ kind: 'unitAdded', code: unit.code, title: unit.title.id });
      continue;
    }
    // A unit edited since (its title, status or elements) shows differently in the new version.
    const fields = unitFields.filter((field) => JSON.stringify(earlier[field]) !== JSON.stringify(unit[field]));
    if (fields.length) changes.push({ kind: 'unitChanged', code: unit.code, title: unit.title.id, fields });
  }
  for (const unit of before.units)
    if (!afterUnits.has(unit.code)) changes.push({ kind: 'unitRemoved', code: unit.code, title: unit.title.id });
  const keptUnits = new Set(after.units.map((unit) => unit.code).filter((code) => beforeUnits.has(code)));
  const unitOrder = (units: Snapshot['units']) => units.map((unit) => unit.code).filter((code) => keptUnits.has(code));
  if (JSON.stringify(unitOrder(before.units)) !== JSON.stringify(unitOrder(after.units))) {
    changes.push({ kind: 'reordered', what: 'units' });
  }

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
