import type { Logger } from './logger.js';

/**
 * Runs `task` every `intervalMs` in the background (the timer never keeps the process alive) and
 * logs what it returned or why it failed. Returns how to stop it. Used for the clean-up, which
 * src/cleanup.ts composes from the features' own steps: the platform knows no feature.
 */
export function runPeriodically(task: () => Promise<unknown>, intervalMs: number, log: Logger, name: string): () => void {
  const timer = setInterval(() => {
    task().then(
      (result) => log.debug({ result }, `${name} done`),
      (error) => log.warn({ err: error }, `${name} failed`),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
