import { passingTrouble } from '../platform/http/outbound.js';

/**
 * When a statement the LRS did not take (no answer, 5xx, 408, 429) is tried again: failed attempt n
 * (1-based) waits 30 s × 2^(n-1), capped at one hour (30 s, 1 min, 2 min, … 32 min, then hourly),
 * with ±20 % jitter so processes that failed together do not come back at the same second, or the
 * LRS's Retry-After when longer (up to the cap). There is no giving up: while an LRS is configured,
 * a statement waits for it however long it is down. The store itself backs off the same way on its
 * consecutive failures (worker.ts).
 */
export const firstRetryMs = 30_000;
export const maxRetryMs = 60 * 60 * 1000;
export const jitterShare = 0.2;

export function retryDelayMs(attempt: number, random: () => number = Math.random, retryAfterMs = 0): number {
  const base = Math.min(maxRetryMs, firstRetryMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jittered = Math.round(base * (1 - jitterShare + 2 * jitterShare * random()));
  return Math.min(maxRetryMs, Math.max(jittered, retryAfterMs));
}

/**
 * What an answer means for a batch. 2xx: stored. 408, 425, 429, 5xx and no answer: the store is
 * busy or down, try again later. 400, 409 and 413 on a batch: the LRS refuses a batch whole when
 * one statement is bad (or is one it has with other content), so each is sent alone to find it;
 * for one statement, 409 means the LRS has a statement with this id already (ours, from an
 * attempt whose answer was lost): sent. Any other 4xx (401, 403, 404: a wrong key or address) will
 * not change by trying again: the statements fail with the answer, until an admin sends them again.
 */
export type Outcome = 'sent' | 'retry' | 'split' | 'fail';

export function outcomeOf(status: number | null, batchSize: number): Outcome {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'sent';
  if (passingTrouble(status)) return 'retry';
  if (status === 400 || status === 409 || status === 413) {
    if (batchSize > 1) return 'split';
    return status === 409 ? 'sent' : 'fail';
  }
  return 'fail';
}
