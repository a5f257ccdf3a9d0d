import path from 'node:path';
import type mongoose from 'mongoose';
import { deleteExpiredLoginFailures } from '../auth/throttle.js';
import { reconcileSeats } from '../enrolment/seats.js';
import { removeStaleTemporaryFiles } from '../files/temporaryFiles.js';
import { markInterruptedJobs } from './jobs.js';
import type { Logger } from './logger.js';
import { deleteExpiredSessions } from './session.js';

/**
 * Periodic clean-up. FerretDB has no TTL indexes, so what MongoDB would expire by itself is
 * deleted here; imports whose process stopped are marked failed, places a crash left half-taken
 * or half-freed are put right, and temporary upload files a
 * crash left behind are removed. Every process may run it: each step is idempotent.
 */
export async function deleteExpiredRecords(connection: mongoose.Connection, now = new Date(), uploadDir?: string) {
  const [sessions, loginFailures, interruptedJobs, temporaryFiles, seatsRepaired] = await Promise.all([
    deleteExpiredSessions(connection, now),
    deleteExpiredLoginFailures(now),
    markInterruptedJobs(now.getTime()),
    uploadDir ? removeStaleTemporaryFiles(path.join(uploadDir, '.tmp'), now.getTime()) : 0,
    // Clean-up runs every 10 minutes; an hour back covers a missed run or two.
    reconcileSeats(new Date(now.getTime() - 60 * 60 * 1000)),
  ]);
  return { sessions, loginFailures, interruptedJobs, temporaryFiles, seatsRepaired };
}

export function startPeriodicCleanup(
  connection: mongoose.Connection,
  log: Logger,
  uploadDir: string,
  intervalMs = 10 * 60 * 1000,
) {
  const timer = setInterval(() => {
    deleteExpiredRecords(connection, new Date(), uploadDir).then(
      (deleted) => log.debug({ deleted }, 'expired records deleted'),
      (error) => log.warn({ err: error }, 'clean-up of expired records failed'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
