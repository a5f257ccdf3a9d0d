import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { statementsUrl } from './sender.js';
import { createXapiWorker } from './worker.js';

/**
 * Starts this process's xAPI worker (server.ts), after saying in one line where statements go, or
 * that none are made; returns how to stop it.
 */
export function startXapiWorker(config: Pick<Config, 'xapi'>, log: Logger, intervalMs = 5_000): () => Promise<void> {
  if (!config.xapi) {
    log.info('xAPI: no LRS configured (XAPI_ENDPOINT), so no learning-record statements are made');
    return async () => undefined;
  }
  log.info(
    { lrs: statementsUrl(config.xapi.endpoint) },
    `xAPI: learning-record statements go to ${statementsUrl(config.xapi.endpoint)}`,
  );
  const worker = createXapiWorker({ lrs: config.xapi, log });
  worker.start(intervalMs);
  return () => worker.stop();
}
