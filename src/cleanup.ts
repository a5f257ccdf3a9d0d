import path from 'node:path';
import type mongoose from 'mongoose';
import { deleteStalePasswordResets } from './auth/passwordResetRequests.js';
import { deleteExpiredLoginFailures } from './auth/throttle.js';
import { settleRecords } from './completion/service.js';
import { repairSeats } from './enrolment/seats.js';
import { removeStaleTemporaryFiles } from './files/temporaryFiles.js';
import { markInterruptedJobs } from './platform/jobs.js';
import type { Logger } from './platform/logger.js';
import { runPeriodically } from './platform/periodic.js';
import { deleteExpiredSessions } from './platform/session.js';
import { settleStoppedPublishes } from './programs/versionStore.js';

/**
 * Periodic clean-up, composed here (like the app in app.ts) from each feature's own step.
 * FerretDB has no TTL indexes, so what MongoDB would expire by itself is deleted here; imports
 * whose process stopped are marked failed, places a crash left half-taken or half-freed are put
 * right, publishes stopped half-way are finished or undone, and temporary upload files a crash
 * left behind are removed. Every process may run it: each step is idempotent.
 */
export async function deleteExpiredRecords(connection: mongoose.Connection, now = new Date(), uploadDir?: string) {
  const [sessions, loginFailures, interruptedJobs, temporaryFiles, seatsRepaired, publishes, passwordResets, records] =
    await Promise.all([
      deleteExpiredSessions(connection, now),
      deleteExpiredLoginFailures(now),
      markInterruptedJobs(now.getTime()),
      uploadDir ? removeStaleTemporaryFiles(path.join(uploadDir, '.tmp'), now.getTime()) : 0,
      // Every change of places a crash left half-made, however long ago (by its mark, not by its age).
      repairSeats(now),
      // Publishes a crash stopped half-way: whole versions finished, silent ones undone.
      settleStoppedPublishes(now),
      // Password-reset requests and links a week old (FerretDB has no TTL index).
      deleteStalePasswordResets(now),
      // Completion records a crash left between the record and its enrolment (by their mark).
      settleRecords(now),
    ]);
  return { sessions, loginFailures, interruptedJobs, temporaryFiles, seatsRepaired, publishes, passwordResets, records };
}

export function startPeriodicCleanup(
  connection: mongoose.Connection,
  log: Logger,
  uploadDir: string,
  intervalMs = 10 * 60 * 1000,
) {
  return runPeriodically(() => deleteExpiredRecords(connection, new Date(), uploadDir), intervalMs, log, 'clean-up');
}
