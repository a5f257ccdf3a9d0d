import { createFiles } from '../files/index.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { createExportWorker } from './worker.js';

/** Starts this process's export worker (server.ts), on the same file storage as the app's downloads; returns how to stop it. */
export function startExportWorker(config: Config, log: Logger, intervalMs = 2_000): () => Promise<void> {
  const files = createFiles(config);
  const worker = createExportWorker({ storage: files.storage, temporaryFolder: files.temporaryFolder, log });
  worker.start(intervalMs);
  return () => worker.stop();
}
