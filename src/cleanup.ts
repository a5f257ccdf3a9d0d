import path from 'node:path';
import type mongoose from 'mongoose';
import { deleteStalePasswordResets } from './auth/passwordResetRequests.js';
import { deleteExpiredLoginFailures } from './auth/throttle.js';
import { settleRecords } from './completion/service.js';
import { repairSeats } from './enrolment/seats.js';
import { removeExpiredExports } from './exports/cleanup.js';
import { removeStaleTemporaryFiles } from './files/temporaryFiles.js';
import { markInterruptedJobs } from './platform/jobs.js';
import type { Logger } from './platform/logger.js';
import { runPeriodically } from './platform/periodic.js';
import { deleteExpiredSessions } from './platform/session.js';
import { settleStoppedPublishes } from './programs/versionStore.js';
import { createTracerSurveys } from './tracer/creation.js';
import { deleteSentStatements } from './xapi/service.js';

/**
 * Periodic clean-up, composed here (like the app in app.ts) from each feature's own step.
 * FerretDB has no TTL indexes, so what MongoDB would expire by itself is deleted here; imports
 * whose process stopped are marked failed, places a crash left half-taken or half-freed are put
 * right, publishes stopped half-way are finished or undone, and temporary upload files a crash
 * left behind are removed. Every process may run it: each step is idempotent.
 */
export async function deleteExpiredRecords(connection: mongoose.Connection, now = new Date(), uploadDir?: string) {
  return allOf({
    sessions: deleteExpiredSessions(connection, now),
    loginFailures: deleteExpiredLoginFailures(now),
    interruptedJobs: markInterruptedJobs(now.getTime()),
    temporaryFiles: uploadDir ? removeStaleTemporaryFiles(path.join(uploadDir, '.tmp'), now.getTime()) : Promise.resolve(0),
    // Every change of places a crash left half-made, however long ago (by its mark, not by its age).
    seatsRepaired: repairSeats(now),
    // Publishes a crash stopped half-way: whole versions finished, silent ones undone.
    publishes: settleStoppedPublishes(now),
    // Password-reset requests and links a week old (FerretDB has no TTL index).
    passwordResets: deleteStalePasswordResets(now),
    // Employment surveys of new graduates made, and those of revoked records stopped (a share of the cohorts each run).
    tracerSurveys: createTracerSurveys(now),
    // Completion records a crash left between the record and its enrolment (by their mark).
    records: settleRecords(now),
    // Background exports' files (and records) a day after they were made.
    exports: removeExpiredExports(now, uploadDir),
    // xAPI statements the LRS took more than 30 days ago (day by day, by the indexed day sent).
    xapiSent: deleteSentStatements(now),
  });
}

/** Runs the steps at once and names each one's result as the step is named. */
async function allOf<Steps extends Record<string, Promise<unknown>>>(
  steps: Steps,
): Promise<{ [Name in keyof Steps]: Awaited<Steps[Name]> }> {
  const results = await Promise.all(Object.values(steps));
  return Object.fromEntries(Object.keys(steps).map((name, index) => [name, results[index]])) as {
    [Name in keyof Steps]: Awaited<Steps[Name]>;
  };
}

export function startPeriodicCleanup(
  connection: mongoose.Connection,
  log: Logger,
  uploadDir: string,
  intervalMs = 10 * 60 * 1000,
) {
  return runPeriodically(() => deleteExpiredRecords(connection, new Date(), uploadDir), intervalMs, log, 'clean-up');
}
