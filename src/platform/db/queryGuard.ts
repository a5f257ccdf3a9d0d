import type { Document } from 'mongodb';
import mongoose from 'mongoose';
import { hasIndexedEquality, isPlainValue, splitFilter } from './expansion.js';

/**
 * Which filters FerretDB 1.24 on PostgreSQL answers from an index, and which make it read and
 * decode a whole collection (measured, and read in its source: handler/msg_find.go and
 * backends/postgresql/query.go). It pushes down to PostgreSQL only top-level fields compared
 * with a plain value (a string, number, boolean, date or ObjectId, or `{ $eq: value }`) as
 * `_jsonb->'field' @> value`, which the GIN twin of a declared index serves (ginTwins.ts). An
 * array field matches when it contains the value. Everything else (`$in`, `$or`, `$and`, ranges,
 * regular expressions, dotted paths, `$exists`) is applied in FerretDB after reading every
 * document. So a filter is answered from an index when at least one of its pushed-down fields is
 * indexed; the rest of the filter is then applied to the few documents found. `$in` and `$or`
 * over indexed fields are split into indexed queries by the adapter (expansion.ts).
 *
 * - `throw` (tests): such a query of the app fails with its shape, so a regression cannot pass
 *   unseen (a query written in a test file, looking at everything the test made, is let through);
 * - `warn` (the app): it is logged once per shape;
 * - `off`.
 * A query that means to scan says so: `{ comment: 'scan: <why>' }` in its options.
 */
export type QueryGuardMode = 'throw' | 'warn' | 'off';

const smallCollections = new Map<string, string>();

/**
 * Declares a collection small enough to read whole (reference data such as sectors and
 * institutions: tens to a few thousand documents), so the guard lets any query on it through.
 */
export function declareSmallCollection(model: { collection: { collectionName: string } }, why: string): void {
  smallCollections.set(model.collection.collectionName, why);
}

/**
 * The comment that lets an admin's unscoped list read a whole collection (empty filter), and
 * nothing else: everyone else's lists are scoped to an institution or to themselves and read by
 * index. National summaries kept as events happen belong to the monitoring work.
 */
export function nationwideScan(filter: object): string | undefined {
  return Object.keys(filter).length === 0 ? 'scan: a nationwide list for an admin' : undefined;
}

type IndexedFields = { models: number; byCollection: Map<string, Set<string>> };
let cache: IndexedFields | undefined;

/** Top-level fields of every declared index, by collection (any field of one: GIN serves each). */
export function indexedFieldsOf(collection: string): Set<string> {
  const models = mongoose.modelNames();
  if (!cache || cache.models !== models.length) {
    const byCollection = new Map<string, Set<string>>();
    for (const name of models) {
      const model = mongoose.model(name);
      const fields = byCollection.get(model.collection.collectionName) ?? new Set(['_id']);
      for (const [keys] of model.schema.indexes()) {
        for (const key of Object.keys(keys)) if (!key.includes('.')) fields.add(key);
      }
      byCollection.set(model.collection.collectionName, fields);
    }
    cache = { models: models.length, byCollection };
  }
  return cache.byCollection.get(collection) ?? new Set(['_id']);
}

/** The filter with its values replaced by `?`, to name a query without its data. */
export function shapeOf(filter: unknown): string {
  const shape = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
    if (value && typeof value === 'object' && !isPlainValue(value) && !(value instanceof RegExp)) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
    }
    return '?';
  };
  return JSON.stringify(shape(filter ?? {}));
}

/**
 * The filter's shape when FerretDB would read the whole collection for it, else undefined. A
 * filter the adapter splits into indexed queries (`$in`, `$or`: expansion.ts) is served too.
 */
export function scanShape(collection: string, filter: unknown, indexed: Set<string>): string | undefined {
  if (smallCollections.has(collection)) return undefined;
  const document = (filter && typeof filter === 'object' ? filter : {}) as Document;
  if (hasIndexedEquality(document, indexed) || splitFilter(document, indexed)) return undefined;
  return shapeOf(filter);
}
