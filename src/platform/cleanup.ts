import type mongoose from 'mongoose';
import { deleteExpiredLoginFailures } from '../auth/throttle.js';
import type { Logger } from './logger.js';

/**
 * Periodic clean-up of expiring records. FerretDB has no TTL indexes, so what MongoDB would
 * expire by itself is deleted here. Every process may run it: the deletes are idempotent.
 */
export async function deleteExpiredRecords(connection: mongoose.Connection, now = new Date()) {
  const [sessions, loginFailures] = await Promise.all([
    connection.collection('sessions').deleteMany({ expires: { $lt: now } }),
    deleteExpiredLoginFailures(now),
  ]);
  return { sessions: sessions.deletedCount, loginFailures };
}

export function startPeriodicCleanup(connection: mongoose.Connection, log: Logger, intervalMs = 10 * 60 * 1000) {
  const timer = setInterval(() => {
    deleteExpiredRecords(connection).then(
      (deleted) => log.debug({ deleted }, 'expired records deleted'),
      (error) => log.warn({ err: error }, 'clean-up of expired records failed'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
