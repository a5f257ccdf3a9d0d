import type mongoose from 'mongoose';

export type KeysetOptions = {
  /** Documents per page: each page is one bounded find (at most wholeResultBatch, so its cursor closes at once). */
  pageSize?: number;
  /** The fields to read (`_id` is always read: the pages follow it). */
  projection?: Record<string, 0 | 1>;
  /** `scan: <why>` when the filter has no indexed equality on purpose (see db/queryGuard.ts). */
  comment?: string;
};

export const defaultPageSize = 2000;

// biome-ignore lint/suspicious/noExplicitAny: any model's documents are read as plain (lean) objects
type AnyModel = mongoose.Model<any>;

/**
 * A long collection read in bounded pages ordered by `_id`, each page the documents after the last
 * one's `_id`: a plain find with a limit, never a cursor left open while the rows are written (on
 * FerretDB an open cursor holds one of its PostgreSQL connections until it is exhausted: see
 * db/ferretdbAdapter.ts). Documents added or removed during the read are seen or not, as with any
 * cursor; none is read twice.
 *
 * On MongoDB each page is an index range on `_id`. FerretDB 1.24 does not push `$gt` down: each
 * page reads what the filter's indexed equality matches and then takes the page from it, so a
 * page costs as much as the whole match. Keep the matched set bounded: a long table is read as
 * several keyset reads of a bounded scope each (per cohort rather than per institution), which is
 * as fast on both databases (bench/exports.ts measures both ways).
 */
export async function* keysetPages<T extends { _id: unknown } = { _id: unknown } & Record<string, unknown>>(
  model: AnyModel,
  filter: Record<string, unknown>,
  options: KeysetOptions = {},
): AsyncGenerator<T[]> {
  if ('_id' in filter) throw new Error('keysetPages pages by _id: the filter cannot hold its own _id condition');
  const pageSize = options.pageSize ?? defaultPageSize;
  const projection =
    options.projection && Object.values(options.projection).some((value) => value === 1)
      ? { ...options.projection, _id: 1 as const }
      : options.projection;
  let last: unknown;
  for (;;) {
    const page = await model
      .find(
        last === undefined ? filter : { ...filter, _id: { $gt: last } },
        projection,
        options.comment ? { comment: options.comment } : {},
      )
      .sort({ _id: 1 })
      .limit(pageSize)
      .lean<T[]>();
    if (page.length) yield page;
    if (page.length < pageSize) return;
    last = page.at(-1)!._id;
  }
}

/** The documents of keysetPages one by one. */
export async function* keysetDocuments<T extends { _id: unknown } = { _id: unknown } & Record<string, unknown>>(
  model: AnyModel,
  filter: Record<string, unknown>,
  options: KeysetOptions = {},
): AsyncGenerator<T> {
  for await (const page of keysetPages<T>(model, filter, options)) yield* page;
}
