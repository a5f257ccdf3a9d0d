import mongoose from 'mongoose';
import { Lesson, Module, Program } from '../src/programs/model.js';

/**
 * Draft documents for bulk inserts, in the shapes the services store: built through the Mongoose
 * models (defaults, casts) plus what `Model.create()` adds (timestamps, `__v`). seedCurriculum checks
 * them against documents the real services wrote; publishing is left to publishProgram itself.
 */

type Id = mongoose.Types.ObjectId;

export type ProgramFields = {
  code: string;
  title: string;
  description: string;
  sector: string;
  level: number;
  prerequisites: string;
  units: Id[];
  instructors: Id[];
  institution: Id;
};
export type ModuleFields = { title: string; description: string; hours: number; units: Id[]; elements: string[] };
export type LessonFields = {
  title: string;
  body: string;
  estimatedMinutes: number;
  video: { kind: 'none' | 'youtube'; file: null; embedId: string };
};

const created = <T extends object>(doc: T, at: Date) => ({ ...doc, createdAt: at, updatedAt: at, __v: 0 });

export const programDoc = (fields: ProgramFields, at: Date) =>
  created(new Program({ ...fields, draftChangedAt: at }).toObject(), at);
// The order of modules and lessons is a list on their parent (programs/order.ts): draftDocs fills it.
export const moduleDoc = (program: Id, fields: ModuleFields, at: Date) =>
  created(new Module({ program, ...fields }).toObject(), at);
export const lessonDoc = (program: Id, module: Id, fields: LessonFields, at: Date) =>
  created(new Lesson({ program, module, files: [], ...fields }).toObject(), at);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'date';
  if (value instanceof mongoose.Types.ObjectId) return 'objectId';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Where two documents differ in shape: a field only one has, or values of different kinds. Array
 * items are compared position by position where both have one, so [] matches any array.
 */
export function shapeDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  const kind = kindOf(expected);
  if (kind !== kindOf(actual)) return [`${path || '(document)'}: ${kind} vs ${kindOf(actual)}`];
  if (kind === 'array') {
    const [a, b] = [expected as unknown[], actual as unknown[]];
    return a.slice(0, b.length).flatMap((item, index) => shapeDifferences(item, b[index], `${path}[${index}]`));
  }
  if (kind !== 'object') return [];
  const [a, b] = [expected as Record<string, unknown>, actual as Record<string, unknown>];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) => {
    const at = path ? `${path}.${key}` : key;
    if (!(key in a)) return [`${at}: only in the bulk document`];
    if (!(key in b)) return [`${at}: missing from the bulk document`];
    return shapeDifferences(a[key], b[key], at);
  });
}
