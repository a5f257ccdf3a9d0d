import type { Document } from 'mongodb';

/**
 * FerretDB reads a whole collection for `$in` and `$or`, while it answers an equality on an
 * indexed field from an index. A filter such as `{ _id: { $in: ids } }` or
 * `{ $or: [{ trainee: a }, { cohort: b }] }` is therefore split here into one indexed query per
 * value or branch, and the results are united. Domain code keeps the MongoDB idiom; only the
 * FerretDB adapter (ferretdbAdapter.ts) uses this.
 */

/** More values than this are not split: a query per value would cost more than it saves. */
export const maxSplitQueries = 500;

export function isPlainValue(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (value instanceof Date) return true;
  return (value as { _bsontype?: string })._bsontype === 'ObjectId';
}

/** Whether FerretDB sends this condition on a top-level field to PostgreSQL. */
export function isPushedDown(field: string, condition: unknown): boolean {
  if (field.startsWith('$') || field.includes('.')) return false;
  if (isPlainValue(condition)) return true;
  const operators = condition && typeof condition === 'object' ? Object.keys(condition) : [];
  return operators.includes('$eq') && isPlainValue((condition as { $eq: unknown }).$eq);
}

/** Whether the filter has an equality FerretDB answers from an index. */
export function hasIndexedEquality(filter: Document, indexed: Set<string>): boolean {
  return Object.entries(filter).some(([field, condition]) => indexed.has(field) && isPushedDown(field, condition));
}

const valueKey = (value: unknown) => (value instanceof Date ? `d${value.getTime()}` : `${typeof value}:${String(value)}`);

/**
 * Indexed filters whose results together are exactly the filter's, or undefined when the filter
 * cannot be split so (then FerretDB reads the whole collection for it).
 */
export function splitFilter(filter: Document, indexed: Set<string>): Document[] | undefined {
  if (hasIndexedEquality(filter, indexed)) return undefined;
  for (const [field, condition] of Object.entries(filter)) {
    if (!indexed.has(field) || field.includes('.') || !condition || typeof condition !== 'object') continue;
    const operators = Object.keys(condition);
    const values = (condition as { $in?: unknown }).$in;
    if (operators.length !== 1 || !Array.isArray(values) || values.length > maxSplitQueries) continue;
    if (!values.every(isPlainValue)) continue;
    const distinct = [...new Map(values.map((value) => [valueKey(value), value])).values()];
    return distinct.map((value) => ({ ...filter, [field]: value }));
  }
  const branches = filter.$or;
  if (Array.isArray(branches) && branches.length > 0 && branches.length <= maxSplitQueries) {
    const { $or: _branches, ...rest } = filter;
    const split: Document[] = [];
    for (const branch of branches as Document[]) {
      if (Object.keys(branch).some((key) => key in rest)) return undefined;
      const merged = { ...rest, ...branch };
      if (hasIndexedEquality(merged, indexed)) split.push(merged);
      else {
        const inner = splitFilter(merged, indexed);
        if (!inner) return undefined;
        split.push(...inner);
      }
    }
    return split.length <= maxSplitQueries ? split : undefined;
  }
  return undefined;
}

/** The value at a dotted path of a document. */
function valueAt(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split('.')) value = (value as Document | undefined)?.[part];
  return value;
}

/** MongoDB's order of BSON types, for the types our documents hold. */
function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (Array.isArray(value)) return 4;
  if ((value as { _bsontype?: string })._bsontype === 'ObjectId') return 5;
  if (typeof value === 'boolean') return 6;
  if (value instanceof Date) return 7;
  return 3;
}

function compareValues(a: unknown, b: unknown): number {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

export type SortSpec = [string, 1 | -1][];

/** The driver's sort option (object, array of pairs, or a field name) as ordered pairs. */
export function sortPairs(sort: unknown): SortSpec {
  if (!sort) return [];
  if (typeof sort === 'string') return [[sort, 1]];
  if (sort instanceof Map) return [...sort.entries()].map(([key, direction]) => [key, Number(direction) < 0 ? -1 : 1]);
  if (Array.isArray(sort)) {
    if (sort.length === 2 && typeof sort[0] === 'string' && !Array.isArray(sort[1]))
      return [[sort[0], Number(sort[1]) < 0 ? -1 : 1]];
    return sort.map((pair) => [String(pair[0]), Number(pair[1]) < 0 ? -1 : 1]);
  }
  return Object.entries(sort as Document).map(([key, direction]) => [key, Number(direction) < 0 ? -1 : 1]);
}

export function sortDocuments(documents: Document[], sort: SortSpec): Document[] {
  if (sort.length === 0) return documents;
  return documents.sort((a, b) => {
    for (const [path, direction] of sort) {
      const order = compareValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return order * direction;
    }
    return 0;
  });
}

/** Documents of several queries, each once (an array field may match more than one value). */
export function uniteById(results: Document[][]): Document[] {
  const seen = new Map<string, Document>();
  for (const documents of results) {
    for (const document of documents) {
      const key = valueKey(document._id);
      if (!seen.has(key)) seen.set(key, document);
    }
  }
  return [...seen.values()];
}

/**
 * A projection that also returns `_id` and the sort keys (results are united by `_id` and sorted here), and the
 * keys to remove afterwards because the caller did not ask for them.
 */
export function projectionWithSortKeys(projection: Document | undefined, sort: SortSpec) {
  if (!projection) return { projection, added: [] as string[] };
  const inclusive = Object.entries(projection).some(([key, value]) => key !== '_id' && (value === 1 || value === true));
  const extended: Document = { ...projection };
  const added: string[] = [];
  // `_id` tells the documents of several queries apart, so it is read even when not wanted.
  if (extended._id !== undefined && !extended._id) {
    delete extended._id;
    added.push('_id');
  }
  for (const [path] of sort) {
    const top = path.split('.')[0] as string;
    if (inclusive && !(top in extended)) {
      extended[top] = 1;
      added.push(top);
    } else if (!inclusive && extended[top] !== undefined && !extended[top]) {
      delete extended[top];
      added.push(top);
    }
  }
  return { projection: extended, added };
}

/** Runs `run` over `items`, at most `parallel` at a time, keeping their order. */
export async function inBatches<T, R>(items: T[], parallel: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await run(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
