import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { retryAfterMs } from '../../platform/http/outbound.js';
import type { Logger } from '../../platform/logger.js';
import { sha256Hex } from '../../platform/text.js';
import { createTicker } from '../../platform/ticker.js';
import { type Outcome, outcomeOf, retryDelayMs } from './backoff.js';
import { type DeliveryAttempt, maxHistory, WebhookDelivery, type WebhookDeliveryDoc } from './model.js';
import { type PushAnswer, requestTimeoutMs, sendPush } from './sender.js';

/**
 * The delivery worker: every process runs one (server.ts starts it; tests make their own and call
 * `tick`). A tick reads the pending and the delivering pushes (two reads by indexed equality on
 * `status`, bounded: few are ever waiting), picks in JS those due (`nextAttemptAt` passed) and those
 * whose lease ran out (their process died mid-send), and claims each with one conditional update
 * (status, attempt count and lease as read): of two processes claiming one push, one matches and
 * sends, the other matches nothing. Only the lease holder records how the attempt ended.
 */
export type WorkerDependencies = {
  /** The clock, in milliseconds (tests drive time with it). */
  now?: () => number;
  random?: () => number;
  fetcher?: typeof fetch;
  /** The exact JSON body of a batch's push (handoffJson.ts by default: see payload.ts). */
  payloadOf: (batchId: string) => Promise<string>;
  /** The LSP's current webhook secret ('' when none has been issued). */
  secretOf: (lspId: string) => Promise<string>;
  log?: Logger;
  /** How long a claim holds: well over one request's timeout. */
  leaseMs?: number;
  /** Most pushes one tick sends (at once). */
  perTick?: number;
};

/** Most waiting pushes of each status one tick reads; more wait for the next tick. */
const readBound = 200;
export const defaultLeaseMs = 6 * requestTimeoutMs;

type Claimable = Pick<
  WebhookDeliveryDoc,
  '_id' | 'batch' | 'lsp' | 'url' | 'status' | 'attempts' | 'nextAttemptAt' | 'leaseUntil' | 'giveUpAt' | 'history'
>;

const claimFields = {
  batch: 1,
  lsp: 1,
  url: 1,
  status: 1,
  attempts: 1,
  nextAttemptAt: 1,
  leaseUntil: 1,
  giveUpAt: 1,
  history: 1,
};

const withAttempt = (history: DeliveryAttempt[], attempt: DeliveryAttempt) => [...history, attempt].slice(-maxHistory);

export function createDeliveryWorker(dependencies: WorkerDependencies) {
  const now = dependencies.now ?? Date.now;
  const random = dependencies.random ?? Math.random;
  const leaseMs = dependencies.leaseMs ?? defaultLeaseMs;
  const perTick = dependencies.perTick ?? 5;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  /** The pushes due now, oldest first: pending ones whose time came, delivering ones whose lease ran out. */
  async function due(at: number): Promise<Claimable[]> {
    const [pending, delivering] = await Promise.all([
      WebhookDelivery.find({ status: 'pending' }, claimFields).limit(readBound).lean<Claimable[]>(),
      WebhookDelivery.find({ status: 'delivering' }, claimFields).limit(readBound).lean<Claimable[]>(),
    ]);
    return [
      ...pending.filter((delivery) => delivery.nextAttemptAt.getTime() <= at),
      ...delivering.filter((delivery) => !delivery.leaseUntil || delivery.leaseUntil.getTime() <= at),
    ].sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
  }

  /** Takes the push for this worker if nobody did since it was read; the claimed state, or null. */
  async function claim(delivery: Claimable, at: number): Promise<Claimable | null> {
    // A lease that ran out: that attempt's end is unknown (the receiver may have it: the same
    // Idempotency-Key makes sending again harmless), and it is recorded as interrupted.
    const history =
      delivery.status === 'delivering'
        ? withAttempt(delivery.history, {
            number: delivery.attempts,
            at: new Date(at),
            status: null,
            error: 'interrupted: the process sending it stopped before an answer',
            outcome: 'interrupted',
            durationMs: 0,
            payloadHash: '',
          })
        : delivery.history;
    const leaseUntil = new Date(at + leaseMs);
    const claimed = await WebhookDelivery.updateOne(
      { _id: delivery._id, status: delivery.status, attempts: delivery.attempts },
      { $set: { status: 'delivering', leaseUntil, leaseOwner: owner, history }, $inc: { attempts: 1 } },
    );
    if (claimed.modifiedCount !== 1) return null;
    return { ...delivery, status: 'delivering', attempts: delivery.attempts + 1, leaseUntil, history };
  }

  /** The body and key of the push, or why it cannot be sent at all. */
  async function prepare(delivery: Claimable): Promise<{ body: string; secret: string } | { problem: string; lasting: boolean }> {
    let body: string;
    try {
      body = await dependencies.payloadOf(String(delivery.batch));
    } catch (error) {
      // Perhaps the database did not answer: tried again on the schedule, given up in three days.
      dependencies.log?.warn({ err: error, delivery: String(delivery._id) }, 'webhook payload could not be made');
      return { problem: 'the batch could not be read for sending', lasting: false };
    }
    const secret = await dependencies.secretOf(String(delivery.lsp));
    // Pushing unsigned is no option; trying again will not help until an admin issues a secret.
    if (!secret) return { problem: 'the LSP has no webhook secret (an admin issues one)', lasting: true };
    return { body, secret };
  }

  /** Writes how the attempt ended, if this worker still holds the lease. */
  async function record(delivery: Claimable, answer: PushAnswer, payloadHash: string, at: number, lasting = false) {
    let outcome: Outcome = lasting ? 'fail' : answer.status === null ? 'retry' : outcomeOf(answer.status);
    let nextAttemptAt: Date | null = null;
    let error = answer.error;
    if (outcome === 'retry') {
      const delay = retryDelayMs(delivery.attempts, random, retryAfterMs(answer.retryAfter, at));
      if (at + delay > delivery.giveUpAt.getTime()) {
        outcome = 'fail';
        error = `gave up after ${delivery.attempts} attempts: ${error}`;
      } else nextAttemptAt = new Date(at + delay);
    }
    const attempt: DeliveryAttempt = {
      number: delivery.attempts,
      at: new Date(at),
      status: answer.status,
      error,
      outcome: outcome as DeliveryAttempt['outcome'],
      durationMs: answer.durationMs,
      payloadHash,
    };
    const done = outcome !== 'retry';
    await WebhookDelivery.updateOne(
      { _id: delivery._id, status: 'delivering', attempts: delivery.attempts, leaseOwner: owner },
      {
        $set: {
          status: outcome === 'delivered' ? 'delivered' : outcome === 'fail' ? 'failed' : 'pending',
          ...(done ? { activeKey: `done:${delivery._id}` } : {}),
          ...(nextAttemptAt ? { nextAttemptAt } : {}),
          ...(outcome === 'delivered' ? { deliveredAt: new Date(at) } : {}),
          leaseUntil: null,
          leaseOwner: '',
          payloadHash,
          lastStatus: answer.status,
          lastError: outcome === 'delivered' ? '' : error,
          lastAttemptAt: new Date(at),
          history: withAttempt(delivery.history, attempt),
        },
      },
    );
  }

  async function attempt(delivery: Claimable): Promise<void> {
    const prepared = await prepare(delivery);
    if ('problem' in prepared) {
      const answer = { status: null, error: prepared.problem, retryAfter: null, durationMs: 0 };
      await record(delivery, answer, '', now(), prepared.lasting);
      return;
    }
    const answer = await sendPush(
      {
        url: delivery.url,
        body: prepared.body,
        secret: prepared.secret,
        idempotencyKey: String(delivery.batch),
        deliveryId: String(delivery._id),
        attempt: delivery.attempts,
        nowSeconds: Math.floor(now() / 1000),
      },
      dependencies.fetcher,
    );
    await record(delivery, answer, sha256Hex(prepared.body), now());
  }

  /** One round: claims what is due and sends it; how many attempts were made. */
  async function tick(): Promise<number> {
    const at = now();
    const claimed: Claimable[] = [];
    for (const candidate of await due(at)) {
      if (claimed.length >= perTick) break;
      const mine = await claim(candidate, at);
      if (mine) claimed.push(mine);
    }
    await Promise.all(
      claimed.map((delivery) =>
        attempt(delivery).catch((error: unknown) =>
          // The lease runs out and another tick tries again.
          dependencies.log?.warn({ err: error, delivery: String(delivery._id) }, 'webhook attempt failed'),
        ),
      ),
    );
    return claimed.length;
  }

  // A tick at once when woken, unless one is running (a new push need not wait for the interval).
  const ticker = createTicker(tick, (error: unknown) => dependencies.log?.warn({ err: error }, 'webhook delivery tick failed'));

  return {
    owner,
    tick,
    /** Ticks every `intervalMs` in the background (the timer keeps no process alive). */
    start(intervalMs = 5_000): void {
      ticker.start(intervalMs);
      activeWorkers.add(ticker.wake);
    },
    /** Stops ticking and waits for the tick under way (its requests time out within 10 s). */
    async stop(): Promise<void> {
      activeWorkers.delete(ticker.wake);
      await ticker.stop();
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

/** The started workers of this process, woken when a push is queued here (others find it on their next tick). */
const activeWorkers = new Set<() => void>();

export function wakeDeliveryWorkers(): void {
  for (const wake of activeWorkers) wake();
}
