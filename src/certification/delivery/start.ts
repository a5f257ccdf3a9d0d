import type { Logger } from '../../platform/logger.js';
import { batchPayload } from '../handoffJson.js';
import { webhookSecretOf } from './credentials.js';
import { createDeliveryWorker, type WorkerDependencies } from './worker.js';

/**
 * The body of a batch's push: the hand-off JSON (handoffJson.ts), made again from the frozen batch
 * at every attempt, so the outbox keeps no copy of the trainees' personal data; it is the same
 * bytes each time (the delivery records each attempt's SHA-256 to show it).
 */
export const batchBody = async (batchId: string) => JSON.stringify(await batchPayload(batchId));

/** The worker as the app runs it: real clock, real HTTP, the hand-off JSON and the LSP's secret. */
export function deliveryWorker(log: Logger, overrides: Partial<WorkerDependencies> = {}) {
  return createDeliveryWorker({ payloadOf: batchBody, secretOf: webhookSecretOf, log, ...overrides });
}

/** Starts this process's delivery worker (server.ts); returns how to stop it. */
export function startDeliveryWorker(log: Logger, intervalMs = 5_000): () => Promise<void> {
  const worker = deliveryWorker(log);
  worker.start(intervalMs);
  return () => worker.stop();
}
