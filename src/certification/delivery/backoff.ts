import { passingTrouble } from '../../platform/http/outbound.js';

/**
 * When a webhook push is tried again, and when it is given up. A failed attempt n (1-based) waits
 * 30 s × 4^(n-1), capped at 6 hours (30 s, 2 min, 8 min, 32 min, 2 h 8 min, then 6 h each), with
 * ±20 % jitter so pushes that failed together (the LSP was down) do not all come back at the same
 * second. A delivery still not acknowledged three days after it was queued (or retried by hand)
 * is given up: `failed`, with a "retry now" for the coordinator.
 */
export const firstRetryMs = 30_000;
export const retryFactor = 4;
export const maxRetryMs = 6 * 60 * 60 * 1000;
export const giveUpAfterMs = 3 * 24 * 60 * 60 * 1000;
export const jitterShare = 0.2;

/**
 * The wait after failed attempt `attempt` (1-based). `random` (0 ≤ r < 1) picks the jitter;
 * `retryAfterMs`, a receiver's Retry-After, is honoured when longer (up to the cap).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random, retryAfterMs = 0): number {
  const base = Math.min(maxRetryMs, firstRetryMs * retryFactor ** Math.max(0, attempt - 1));
  const jittered = Math.round(base * (1 - jitterShare + 2 * jitterShare * random()));
  return Math.min(maxRetryMs, Math.max(jittered, retryAfterMs));
}

/** What an answer of the receiver means for the delivery. */
export type Outcome = 'delivered' | 'retry' | 'fail';

/**
 * 2xx acknowledges. 409 means the LSP has the batch already (the same Idempotency-Key): delivered
 * too. 408, 425, 429 and 5xx are passing troubles: retry. Any other 4xx (and a redirect, which a
 * push does not follow) will not change by trying again: the delivery fails at once, with the
 * answer shown, until someone fixes the URL or the LSP's side and retries.
 */
export function outcomeOf(status: number): Outcome {
  if ((status >= 200 && status < 300) || status === 409) return 'delivered';
  if (passingTrouble(status)) return 'retry';
  return 'fail';
}
