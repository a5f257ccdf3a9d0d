import { randomUUID } from 'node:crypto';
import { retryAfterMs } from '../platform/http/outbound.js';
import type { Logger } from '../platform/logger.js';
import { createTicker } from '../platform/ticker.js';
import { outcomeOf, retryDelayMs } from './backoff.js';
import { storeId, XapiStatement, type XapiStatementDoc, XapiStore, type XapiStoreDoc } from './model.js';
import { type Lrs, type LrsAnswer, postStatements, requestTimeoutMs } from './sender.js';
import { utcDayOf, workersToWake } from './service.js';

/**
 * The xAPI worker: every process runs one (server.ts; tests make their own and call `tick`). A tick
 * first reads the store's state: while the LRS is down it waits for the store's `retryAt`, without
 * reading the queue. Then, batch after batch (up to `batchSize` statements each, `batchesPerTick`
 * batches), it reads the queued statements that are due and free (or whose lease ran out: their
 * process died mid-send), claims them with one conditional update (free as read, or held by the
 * same dead lease as read) under a new token, reads back what the token got, and POSTs those:
 * of two processes claiming one statement, one gets it. Only the token's holder records the end.
 */
export type XapiWorkerDependencies = {
  /** The LRS; undefined: nothing is sent (and nothing is queued: see follower.ts). */
  lrs: Lrs | undefined;
  now?: () => number;
  random?: () => number;
  fetcher?: typeof fetch;
  log?: Pick<Logger, 'warn' | 'info'>;
  /** How long a claim holds: a batch, then each of its statements alone if the LRS refused it, with time to spare. */
  leaseMs?: number;
  batchSize?: number;
  batchesPerTick?: number;
};

/** Most queued statements one batch's read looks at (the due ones first). */
const readBound = 500;
export const defaultBatchSize = 50;
export const defaultLeaseMs = (defaultBatchSize + 10) * requestTimeoutMs;

type Claimed = Pick<XapiStatementDoc, '_id' | 'json' | 'attempts'>;
type Candidate = Pick<XapiStatementDoc, '_id' | 'nextAttemptAt' | 'lease' | 'leaseUntil'>;

export function createXapiWorker(dependencies: XapiWorkerDependencies) {
  const { lrs, log } = dependencies;
  const now = dependencies.now ?? Date.now;
  const random = dependencies.random ?? Math.random;
  const leaseMs = dependencies.leaseMs ?? defaultLeaseMs;
  const batchSize = dependencies.batchSize ?? defaultBatchSize;
  const batchesPerTick = dependencies.batchesPerTick ?? 10;

  /** Takes up to one batch of due statements for a new token; what it got (another worker may have taken some). */
  async function claim(at: number): Promise<{ token: string; statements: Claimed[] }> {
    const candidates = await XapiStatement.find({ status: 'queued' }, { nextAttemptAt: 1, lease: 1, leaseUntil: 1 })
      .sort({ nextAttemptAt: 1 })
      .limit(readBound)
      .lean<Candidate[]>();
    const due = candidates
      .filter((candidate) => candidate.nextAttemptAt.getTime() <= at)
      .filter((candidate) => !candidate.lease || !candidate.leaseUntil || candidate.leaseUntil.getTime() <= at)
      .slice(0, batchSize);
    const token = randomUUID();
    if (due.length === 0) return { token, statements: [] };
    // Free ones are claimed together; those of a dead lease together with the others of that lease.
    const byLease = new Map<string, string[]>();
    for (const candidate of due)
      byLease.set(candidate.lease ?? '', [...(byLease.get(candidate.lease ?? '') ?? []), candidate._id]);
    for (const [lease, ids] of byLease) {
      await XapiStatement.updateMany(
        { _id: { $in: ids }, status: 'queued', lease },
        { $set: { lease: token, leaseUntil: new Date(at + leaseMs) }, $inc: { attempts: 1 } },
      );
    }
    const statements = await XapiStatement.find({ lease: token }, { json: 1, attempts: 1 }).limit(batchSize).lean<Claimed[]>();
    return { token, statements };
  }

  const mine = (token: string, ids: string[]) => ({ _id: { $in: ids }, lease: token });
  const released = { lease: '', leaseUntil: null };

  async function markSent(token: string, ids: string[], answer: LrsAnswer): Promise<number> {
    const at = now();
    const result = await XapiStatement.updateMany(mine(token, ids), {
      $set: {
        status: 'sent',
        sentAt: new Date(at),
        sentDay: utcDayOf(at),
        lastStatus: answer.status,
        lastError: '',
        ...released,
      },
    });
    await XapiStore.updateOne(
      { _id: storeId },
      { $inc: { sentTotal: result.modifiedCount }, $min: { firstSentDay: utcDayOf(at) }, $set: { lastSentAt: new Date(at) } },
      { upsert: true },
    );
    return result.modifiedCount;
  }

  async function markFailed(token: string, ids: string[], answer: LrsAnswer): Promise<void> {
    await XapiStatement.updateMany(mine(token, ids), {
      $set: { status: 'failed', lastStatus: answer.status, lastError: answer.error, ...released },
    });
    log?.warn({ statements: ids, status: answer.status, error: answer.error }, 'the LRS refused xAPI statements');
  }

  /** Back in the queue, each after its own backoff (by its attempts). */
  async function backOff(token: string, statements: Claimed[], answer: LrsAnswer): Promise<void> {
    const at = now();
    const waitFromStore = retryAfterMs(answer.retryAfter, at);
    const byAttempts = new Map<number, string[]>();
    for (const statement of statements)
      byAttempts.set(statement.attempts, [...(byAttempts.get(statement.attempts) ?? []), statement._id]);
    for (const [attempts, ids] of byAttempts) {
      const nextAttemptAt = new Date(at + retryDelayMs(attempts, random, waitFromStore));
      await XapiStatement.updateMany(mine(token, ids), {
        $set: { nextAttemptAt, lastStatus: answer.status, lastError: answer.error, ...released },
      });
    }
  }

  /** The store answered: it is up (even if it refused), its backoff is over. */
  async function storeAnswered(answer: LrsAnswer): Promise<void> {
    const at = new Date(now());
    const error = answer.error ? { lastError: answer.error, lastErrorAt: at } : {};
    await XapiStore.updateOne(
      { _id: storeId },
      { $set: { failures: 0, retryAt: null, lastAttemptAt: at, lastStatus: answer.status, ...error } },
      { upsert: true },
    );
  }

  /** The store did not answer or was busy: the queue waits for it, longer at each failure in a row. */
  async function storeDown(answer: LrsAnswer, failuresBefore: number): Promise<void> {
    const at = now();
    const failures = failuresBefore + 1;
    const retryAt = new Date(at + retryDelayMs(failures, random, retryAfterMs(answer.retryAfter, at)));
    await XapiStore.updateOne(
      { _id: storeId },
      {
        $set: {
          failures,
          retryAt,
          lastAttemptAt: new Date(at),
          lastStatus: answer.status,
          lastError: answer.error,
          lastErrorAt: new Date(at),
        },
      },
      { upsert: true },
    );
    log?.warn({ status: answer.status, error: answer.error, retryAt }, 'the LRS did not take xAPI statements; they wait');
  }

  /** Sends one claimed batch; false when the store is down (the tick stops). */
  async function send(
    token: string,
    statements: Claimed[],
    failuresBefore: number,
  ): Promise<{ up: boolean; sent: number; answer: LrsAnswer }> {
    const answer = await postStatements(
      lrs!,
      statements.map((statement) => statement.json),
      dependencies.fetcher,
    );
    const outcome = outcomeOf(answer.status, statements.length);
    const ids = statements.map((statement) => statement._id);
    if (outcome === 'retry') {
      await backOff(token, statements, answer);
      await storeDown(answer, failuresBefore);
      return { up: false, sent: 0, answer };
    }
    await storeAnswered(answer);
    if (outcome === 'sent') return { up: true, sent: await markSent(token, ids, answer), answer };
    if (outcome === 'fail') {
      await markFailed(token, ids, answer);
      return { up: true, sent: 0, answer };
    }
    // The LRS refused the batch whole: each alone, to send the good ones and fail only the bad.
    let sent = 0;
    for (const [index, statement] of statements.entries()) {
      const result = await send(token, [statement], failuresBefore);
      sent += result.sent;
      if (!result.up) {
        // The store went down half-way: the rest wait with it.
        await backOff(token, statements.slice(index + 1), result.answer);
        return { up: false, sent, answer: result.answer };
      }
    }
    return { up: true, sent, answer };
  }

  /** One round: sends what is due, batch after batch, until none is left or the store is down; how many were sent. */
  async function tick(): Promise<number> {
    if (!lrs) return 0;
    const at = now();
    const store = await XapiStore.findById(storeId, { failures: 1, retryAt: 1 }).lean<
      Pick<XapiStoreDoc, 'failures' | 'retryAt'>
    >();
    if (store?.retryAt && store.retryAt.getTime() > at) return 0;
    let sent = 0;
    for (let batch = 0; batch < batchesPerTick; batch += 1) {
      const { token, statements } = await claim(now());
      if (statements.length === 0) break;
      const result = await send(token, statements, store?.failures ?? 0);
      sent += result.sent;
      if (!result.up) break;
    }
    return sent;
  }

  const ticker = createTicker(tick, (error: unknown) => log?.warn({ err: error }, 'xAPI tick failed'));

  return {
    tick,
    /** Ticks every `intervalMs` in the background (the timer keeps no process alive). */
    start(intervalMs = 5_000): void {
      if (!lrs) return;
      ticker.start(intervalMs);
      workersToWake.add(ticker.wake);
    },
    /** Stops ticking and waits for the tick under way (its requests end within their 10 s timeout). */
    async stop(): Promise<void> {
      workersToWake.delete(ticker.wake);
      await ticker.stop();
    },
  };
}

export type XapiWorker = ReturnType<typeof createXapiWorker>;
