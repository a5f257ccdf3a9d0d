import {
  BSON,
  type BulkWriteOptions,
  type BulkWriteResult,
  Collection,
  type DeleteResult,
  type Document,
  type FindCursor,
  MongoClient,
} from 'mongodb';
import { inBatches, projectionWithSortKeys, sortDocuments, sortPairs, splitFilter, uniteById } from './expansion.js';
import { indexedFieldsOf, type QueryGuardMode, scanShape } from './queryGuard.js';

/**
 * What FerretDB 1.24 needs from a client so that code written for MongoDB is correct and fast on
 * it. The driver's Collection methods are wrapped once per process; a client is adapted only when
 * the server it connected to says it is FerretDB (buildInfo.ferretdbVersion), so on MongoDB
 * nothing changes.
 *
 * - Atomic updates. FerretDB applies an update by reading the document, changing it in Go and
 *   writing it back, with no lock: two concurrent updates of one document lose one. It runs one
 *   connection's commands in order, so every update goes through one writer connection of its
 *   own (reads, inserts and deletes keep the pool). Measured in the README.
 * - No open cursors. A cursor holds one of FerretDB's PostgreSQL connections until exhausted;
 *   once open cursors fill its pool, everything waits forever. So finds and aggregations ask for
 *   a first batch that takes the whole (bounded) result, which closes the cursor at once.
 * - Indexed `$in` and `$or`: FerretDB reads a whole collection for them, so a filter made of them
 *   is split into indexed queries whose results are united here (expansion.ts).
 * - The query guard (queryGuard.ts): a filter FerretDB cannot answer from an index is reported.
 */
type Adaptation = { writer: MongoClient; guard: QueryGuardMode; onScan: (shape: string) => void };

const adaptations = new WeakMap<MongoClient, Adaptation>();

/** The driver keeps each collection's client on it (not in its public type). */
const adaptationOf = (collection: Collection) => adaptations.get((collection as unknown as { client: MongoClient }).client);

/** A first batch large enough for any result a page or an API call reads (they are bounded). */
export const wholeResultBatch = 10_000;

/** Updates: read-modify-write in FerretDB, so they share one connection. */
const updateMethods = ['updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace'] as const;

/**
 * Statements per bulk write. FerretDB 1.24 hangs, for good, on an update command with more
 * statements than its PostgreSQL pool has connections (41 of 40: measured), so larger bulk writes
 * are sent in parts; one connection carries every update anyway.
 */
const bulkWritePart = 20;

export async function isFerretdb(client: MongoClient): Promise<boolean> {
  const info = await client.db('admin').command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

/** The indexed queries a filter is split into on FerretDB, or undefined to send it as it is. */
function splitFor(collection: Collection, filter: unknown): Document[] | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  return splitFilter(filter as Document, indexedFieldsOf(collection.collectionName));
}

/**
 * Whether the query was written in a test file (`*.test.ts`: a test looking at everything it
 * made) rather than in the app: the first frame of the project's own code says.
 */
function calledFromTest(): boolean {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const own = frames.find(
    (frame) => !frame.includes('node_modules') && !frame.includes('/src/platform/db/') && /\/(src|test|bench)\//.test(frame),
  );
  return own ? /\.test\.ts:\d+/.test(own) : false;
}

function check(collection: Collection, adaptation: Adaptation, method: string, filter: unknown, options: unknown): void {
  if (adaptation.guard === 'off') return;
  const comment = (options as { comment?: unknown } | undefined)?.comment;
  if (typeof comment === 'string' && comment.startsWith('scan:')) return;
  const shape = scanShape(collection.collectionName, filter, indexedFieldsOf(collection.collectionName));
  if (!shape) return;
  const message =
    `Query reads the whole collection on FerretDB: ${collection.collectionName}.${method}(${shape}). ` +
    'Filter by an indexed field with a plain value, or pass { comment: "scan: <why>" } when a scan is meant.';
  if (adaptation.guard === 'throw') {
    if (!calledFromTest()) throw new Error(message);
    return;
  }
  adaptation.onScan(message);
}

/** Parallel queries of one split, so that one request does not take the whole pool. */
const splitParallelism = 8;

type FindFunction = (this: Collection, filter?: Document, options?: Document) => FindCursor;

/**
 * What `find` returns for a split filter: the cursor methods Mongoose and the driver's findOne
 * use, over the united, sorted and paged results of the indexed queries.
 */
class SplitCursor {
  private options: Document;
  private results: Document[] | undefined;
  constructor(
    private readonly collection: Collection,
    private readonly find: FindFunction,
    private readonly filters: Document[],
    options: Document | undefined,
  ) {
    this.options = { ...options };
  }
  limit(value: number) {
    this.options.limit = value;
    return this;
  }
  skip(value: number) {
    this.options.skip = value;
    return this;
  }
  sort(value: unknown) {
    this.options.sort = value;
    return this;
  }
  project(value: Document) {
    this.options.projection = value;
    return this;
  }
  batchSize() {
    return this;
  }
  addCursorFlag() {
    return this;
  }
  async toArray(): Promise<Document[]> {
    if (this.results) return this.results.splice(0);
    const { sort, skip = 0, limit = 0, projection, batchSize: _batchSize, ...rest } = this.options;
    const order = sortPairs(sort);
    const wanted = Math.abs(Number(limit));
    const extended = projectionWithSortKeys(projection as Document | undefined, order);
    const perQuery: Document = { ...rest, projection: extended.projection, batchSize: wholeResultBatch };
    if (order.length) perQuery.sort = sort;
    if (wanted > 0) perQuery.limit = Number(skip) + wanted;
    const parts = await inBatches(this.filters, splitParallelism, (filter) =>
      this.find.call(this.collection, filter, perQuery).toArray(),
    );
    let documents = sortDocuments(uniteById(parts), order).slice(Number(skip));
    if (wanted > 0) documents = documents.slice(0, wanted);
    for (const key of extended.added) for (const document of documents) delete document[key];
    return documents;
  }
  async next(): Promise<Document | null> {
    this.results ??= await this.toArray();
    return this.results.shift() ?? null;
  }
  async hasNext(): Promise<boolean> {
    this.results ??= await this.toArray();
    return this.results.length > 0;
  }
  async tryNext(): Promise<Document | null> {
    return this.next();
  }
  rewind() {
    this.results = undefined;
  }
  async close(): Promise<void> {
    this.results = [];
  }
  async *[Symbol.asyncIterator]() {
    for (;;) {
      const document = await this.next();
      if (!document) return;
      yield document;
    }
  }
}

/** `_id`s of the documents a split filter matches, each once. */
async function matchingIds(collection: Collection, find: FindFunction, filters: Document[]): Promise<unknown[]> {
  const parts = await inBatches(filters, splitParallelism, (filter) =>
    find.call(collection, filter, { projection: { _id: 1 }, batchSize: wholeResultBatch }).toArray(),
  );
  return uniteById(parts).map((document) => document._id);
}

/** FNV-1a (32 bits) of an index name, which FerretDB puts in its PostgreSQL index names. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * An update that a unique index refuses is answered by FerretDB with PostgreSQL's error (code 1,
 * `duplicate key value violates unique constraint "<table>_<name>_<fnv1a of the index name>_idx"
 * (SQLSTATE 23505)`) rather than MongoDB's duplicate key error (code 11000 with the index's
 * `keyPattern`), which is what services and the error handler recognise. Rethrown as that.
 */
async function asDuplicateKeyError(collection: Collection, error: unknown): Promise<never> {
  const failed = error as { code?: unknown; message?: unknown; keyPattern?: unknown };
  const constraint = /unique constraint "[^"]*_([0-9a-f]{8})_idx" \(SQLSTATE 23505\)/.exec(String(failed.message ?? ''));
  if (!constraint || failed.code === 11000) throw error;
  const indexes = await collection.indexes().catch(() => []);
  const index = indexes.find((candidate) => candidate.name && fnv1a(candidate.name) === constraint[1]);
  Object.assign(failed, { code: 11000, codeName: 'DuplicateKey', ...(index ? { keyPattern: index.key } : {}) });
  throw error;
}

let installed = false;
function installWrappers(): void {
  if (installed) return;
  installed = true;
  // biome-ignore lint/suspicious/noExplicitAny: the driver's methods are wrapped whatever their signature
  const prototype = Collection.prototype as unknown as Record<string, (...args: any[]) => any>;
  const find = prototype.find as FindFunction;
  const onWriter = (collection: Collection, adaptation: Adaptation) =>
    adaptation.writer.db(collection.dbName).collection(collection.collectionName);

  for (const method of updateMethods) {
    const original = prototype[method] as (...args: unknown[]) => Promise<unknown>;
    prototype[method] = function (this: Collection, ...args: unknown[]) {
      const adaptation = adaptationOf(this);
      if (!adaptation) return original.apply(this, args);
      if (method === 'updateMany') {
        const split = splitFor(this, args[0]);
        if (split) return updateEach(this, adaptation, split, args).catch((error: unknown) => asDuplicateKeyError(this, error));
      }
      check(this, adaptation, method, args[0], args[2]);
      return (original.apply(onWriter(this, adaptation), args) as Promise<unknown>).catch((error: unknown) =>
        asDuplicateKeyError(this, error),
      );
    };
  }

  const bulkWrite = prototype.bulkWrite as (operations: Document[], options?: BulkWriteOptions) => Promise<BulkWriteResult>;
  prototype.bulkWrite = async function (this: Collection, operations: Document[], options?: BulkWriteOptions) {
    const adaptation = adaptationOf(this);
    if (!adaptation) return bulkWrite.call(this, operations, options);
    const writer = onWriter(this, adaptation);
    if (operations.length <= bulkWritePart) return bulkWrite.call(writer, operations, options);
    const total = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
    const insertedIds: Record<number, unknown> = {};
    const upsertedIds: Record<number, unknown> = {};
    const writeErrors: { index: number; code?: number; errmsg?: string }[] = [];
    for (let start = 0; start < operations.length; start += bulkWritePart) {
      let result: Partial<BulkWriteResult> | undefined;
      try {
        result = await bulkWrite.call(writer, operations.slice(start, start + bulkWritePart), options);
      } catch (error) {
        const failed = error as { writeErrors?: { index: number; code?: number; errmsg?: string }[]; result?: BulkWriteResult };
        if (!failed.writeErrors) throw error;
        writeErrors.push(
          ...failed.writeErrors.map((writeError) => ({
            index: writeError.index + start,
            code: writeError.code,
            errmsg: writeError.errmsg,
          })),
        );
        result = failed.result;
        if (options?.ordered !== false) break; // ordered: the first failure ends the write, as on MongoDB
      }
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += result?.[key] ?? 0;
      for (const [index, id] of Object.entries(result?.insertedIds ?? {})) insertedIds[Number(index) + start] = id;
      for (const [index, id] of Object.entries(result?.upsertedIds ?? {})) upsertedIds[Number(index) + start] = id;
    }
    const combined = { ...total, insertedIds, upsertedIds, ok: 1 };
    if (writeErrors.length) {
      throw Object.assign(new Error(`Bulk write failed: ${writeErrors[0]?.errmsg ?? ''}`), {
        name: 'MongoBulkWriteError',
        code: writeErrors[0]?.code,
        writeErrors,
        result: combined,
      });
    }
    return combined;
  };

  /** updateMany of a split filter: the matching `_id`s, then each document by `_id` on the writer. */
  async function updateEach(collection: Collection, adaptation: Adaptation, split: Document[], args: unknown[]) {
    const [filter, update, options] = args as [Document, Document, Document | undefined];
    const ids = await matchingIds(collection, find, split);
    const writer = onWriter(collection, adaptation);
    const results = await inBatches(ids, splitParallelism, (id) =>
      writer.updateOne({ ...filter, _id: id as never }, update, { ...options, upsert: false }),
    );
    return {
      acknowledged: true,
      matchedCount: results.reduce((sum, result) => sum + result.matchedCount, 0),
      modifiedCount: results.reduce((sum, result) => sum + result.modifiedCount, 0),
      upsertedCount: 0,
      upsertedId: null,
    };
  }

  const deleteMany = prototype.deleteMany as (filter: Document, options?: Document) => Promise<DeleteResult>;
  const deleteOne = prototype.deleteOne as (filter: Document, options?: Document) => Promise<DeleteResult>;
  prototype.deleteMany = async function (this: Collection, filter: Document = {}, options?: Document) {
    const adaptation = adaptationOf(this);
    const split = adaptation && splitFor(this, filter);
    if (!adaptation || !split) {
      if (adaptation) check(this, adaptation, 'deleteMany', filter, options);
      return deleteMany.call(this, filter, options);
    }
    const ids = await matchingIds(this, find, split);
    const results = await inBatches(ids, splitParallelism, (id) => deleteOne.call(this, { ...filter, _id: id }, options));
    return { acknowledged: true, deletedCount: results.reduce((sum, result) => sum + result.deletedCount, 0) };
  };
  prototype.deleteOne = function (this: Collection, filter: Document = {}, options?: Document) {
    const adaptation = adaptationOf(this);
    if (adaptation) check(this, adaptation, 'deleteOne', filter, options);
    return deleteOne.call(this, filter, options);
  };

  const countDocuments = prototype.countDocuments as (filter: Document, options?: Document) => Promise<number>;
  prototype.countDocuments = async function (this: Collection, filter: Document = {}, options?: Document) {
    const adaptation = adaptationOf(this);
    const split = adaptation && splitFor(this, filter);
    if (!adaptation || !split) {
      if (adaptation) check(this, adaptation, 'countDocuments', filter, options);
      return countDocuments.call(this, filter, options);
    }
    return (await matchingIds(this, find, split)).length;
  };

  const distinct = prototype.distinct as (key: string, filter?: Document, options?: Document) => Promise<unknown[]>;
  prototype.distinct = async function (this: Collection, key: string, filter: Document = {}, options?: Document) {
    const adaptation = adaptationOf(this);
    const split = adaptation && splitFor(this, filter);
    if (!adaptation || !split) {
      if (adaptation) check(this, adaptation, 'distinct', filter, options);
      return distinct.call(this, key, filter, options);
    }
    const parts = await inBatches(split, splitParallelism, (part) => distinct.call(this, key, part, options));
    return [...new Map(parts.flat().map((value) => [BSON.EJSON.stringify({ value }), value])).values()];
  };

  const findOneAndDelete = prototype.findOneAndDelete as (filter: Document, options?: Document) => Promise<unknown>;
  prototype.findOneAndDelete = function (this: Collection, filter: Document, options?: Document) {
    const adaptation = adaptationOf(this);
    if (adaptation) check(this, adaptation, 'findOneAndDelete', filter, options);
    return findOneAndDelete.call(this, filter, options);
  };

  prototype.find = function (this: Collection, filter?: Document, options?: Document) {
    const adaptation = adaptationOf(this);
    if (!adaptation) return find.call(this, filter, options);
    const split = splitFor(this, filter);
    if (split) return new SplitCursor(this, find, split, options);
    // No filter, no sort and a limit: FerretDB sends the LIMIT to PostgreSQL, nothing is scanned.
    const limited = !options?.sort && Number(options?.limit) > 0 && Object.keys(filter ?? {}).length === 0;
    if (!limited) check(this, adaptation, 'find', filter ?? {}, options);
    if (options?.batchSize !== undefined) return find.call(this, filter, options);
    const limit = typeof options?.limit === 'number' && options.limit > 0 ? options.limit : undefined;
    return find.call(this, filter, { ...options, batchSize: limit ?? wholeResultBatch });
  };

  const aggregate = prototype.aggregate as (pipeline?: Document[], options?: Document) => unknown;
  prototype.aggregate = function (this: Collection, pipeline?: Document[], options?: Document) {
    const adaptation = adaptationOf(this);
    if (!adaptation) return aggregate.call(this, pipeline, options);
    const first = pipeline?.[0];
    check(this, adaptation, 'aggregate', first && '$match' in first ? first.$match : {}, options);
    return aggregate.call(this, pipeline, { batchSize: wholeResultBatch, ...options });
  };
}

/**
 * Adapts `client` (connected to FerretDB at `uri`) as described above. Returns the writer client
 * and how to close it, to be called before the client itself is closed.
 */
export async function adaptToFerretdb(
  client: MongoClient,
  uri: string,
  options: { guard: QueryGuardMode; onScan: (shape: string) => void },
): Promise<{ writer: MongoClient; close: () => Promise<void> }> {
  installWrappers();
  const writer = new MongoClient(uri, { ...writerOptions(client), maxPoolSize: 1, minPoolSize: 1 });
  await writer.connect();
  adaptations.set(client, { writer, guard: options.guard, onScan: options.onScan });
  return {
    writer,
    close: async () => {
      adaptations.delete(client);
      await writer.close();
    },
  };
}

/** The writer waits as the pool does (same timeouts) and is watched as it is. */
function writerOptions(client: MongoClient) {
  const { serverSelectionTimeoutMS, socketTimeoutMS, connectTimeoutMS, waitQueueTimeoutMS, monitorCommands } = client.options;
  return { serverSelectionTimeoutMS, socketTimeoutMS, connectTimeoutMS, waitQueueTimeoutMS, monitorCommands };
}
