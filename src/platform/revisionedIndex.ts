import mongoose from 'mongoose';

type Counter = { _id: string; value: number };
const revisionCounters = () => mongoose.connection.collection<Counter>('revisions');

/**
 * Claims the next revision of `name`. The counter is one atomic `$inc` (on FerretDB, updates
 * share one connection and are atomic too).
 */
async function claimRevision(name: string): Promise<number> {
  const counter = await revisionCounters().findOneAndUpdate(
    { _id: name },
    { $inc: { value: 1 } },
    { upsert: true, returnDocument: 'after' },
  );
  return counter?.value ?? 1;
}

/**
 * Runs `write` with a new revision of `name` to stamp on what it writes (field `revision`,
 * indexed), so that every process's RevisionedIndex reads just those documents; then moves the
 * counter once more, so readers look again at the revisions written meanwhile, this one included.
 */
export async function writeWithRevision<T>(name: string, write: (revision: number) => Promise<T>): Promise<T> {
  const result = await write(await claimRevision(name));
  await claimRevision(name);
  return result;
}

async function currentRevision(name: string): Promise<number> {
  return (await revisionCounters().findOne({ _id: name }))?.value ?? 0;
}

export type RevisionedIndexOptions<Doc, Entry> = {
  /** The counter's name, usually the collection's. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: any model whose documents carry `revision`
  model: mongoose.Model<any>;
  /** The fields `toEntry` needs; small entries keep the index small. */
  projection: Record<string, 0 | 1>;
  /** The key and entry of a document, or undefined to leave it out (or remove it). */
  toEntry(document: Doc): { key: string; entry: Entry | undefined };
  /** How stale the index may be in a process that did not make the change itself. */
  checkEveryMs?: number;
};

/**
 * A few fields of every document of a collection, in memory, for listings that search, sort and
 * page thousands of documents per request (unit search, the catalogue). FerretDB sorts and pages
 * by decoding every matching document (about 0.2 ms each), so such a listing over 20,000 units
 * cannot answer in a few milliseconds from the database; from memory it does, on any backend.
 *
 * Every process keeps its own copy and brings it up to date at most once per `checkEveryMs`: it
 * reads the collection's revision counter (one `_id` lookup) and, when it moved, the documents
 * stamped with each revision since (indexed equality on `revision`), the last few it had read
 * included: a writer moves the counter again when it has finished (writeWithRevision), so a
 * write that finished after a later one is read then. A change made in this process shows at
 * once (call `changed()`), one made in another within `checkEveryMs`.
 */
export class RevisionedIndex<Doc, Entry> {
  private entries = new Map<string, Entry>();
  private seen = 0;
  private loadedFrom: string | undefined;
  private checkedAt = 0;
  private refreshing: Promise<void> | undefined;
  private static readonly rereadWindow = 10;
  /** Revisions read one by one at most; further behind, the index is loaded again whole. */
  private static readonly catchUpLimit = 200;

  constructor(private readonly options: RevisionedIndexOptions<Doc, Entry>) {}

  /** Marks the index as stale, so the next read brings it up to date first. */
  changed(): void {
    this.checkedAt = 0;
  }

  /**
   * The entries, up to date within `checkEveryMs`: at most once in that time, a read waits for the
   * look at the counter (one `_id` lookup, and the changed documents when it moved).
   */
  async all(): Promise<ReadonlyMap<string, Entry>> {
    const database = mongoose.connection.name;
    const due = Date.now() - this.checkedAt >= (this.options.checkEveryMs ?? 1_000);
    if (this.loadedFrom !== database || due) {
      this.refreshing ??= this.refresh(database).finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    return this.entries;
  }

  private apply(documents: Doc[]): void {
    for (const document of documents) {
      const { key, entry } = this.options.toEntry(document);
      if (entry === undefined) this.entries.delete(key);
      else this.entries.set(key, entry);
    }
  }

  private async refresh(database: string): Promise<void> {
    const { model, projection, name } = this.options;
    const checkedAt = Date.now();
    const current = await currentRevision(name);
    const behind = current - this.seen;
    if (this.loadedFrom !== database || current < this.seen || behind > RevisionedIndex.catchUpLimit) {
      // First use, another database (tests), a counter that went back (a restored backup), or so
      // many changes since the last look (a process long idle during imports) that one read is cheaper.
      const documents = await model.find({}, projection).comment('scan: loading an in-memory index').lean<Doc[]>();
      this.entries = new Map();
      this.apply(documents);
      this.loadedFrom = database;
      this.seen = current;
    } else if (current !== this.seen) {
      const from = Math.max(1, this.seen - RevisionedIndex.rereadWindow + 1);
      const revisions = Array.from({ length: current - from + 1 }, (_, index) => from + index);
      // An indexed lookup per revision (the FerretDB adapter splits `$in`, a few at a time).
      this.apply(await model.find({ revision: { $in: revisions } }, projection).lean<Doc[]>());
      this.seen = current;
    }
    this.checkedAt = checkedAt;
  }
}
