import type { Logger } from '../platform/logger.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { storeId, XapiStatement, type XapiStatementDoc, XapiStore, type XapiStoreDoc } from './model.js';
import { type Statement, voidingStatement } from './statements.js';
import { validateStatement } from './validate.js';

/**
 * A statement to queue, with the event that made it and the institution it belongs to. `subject`
 * names the record it reports where that record can be corrected later (a trainee's attendance of
 * one class, one quiz attempt's grade): a newer statement of the same subject replaces the earlier.
 */
export type Outgoing = { statement: Statement; event: string; institution: string; subject?: string };

const isDuplicate = (error: unknown) => (error as { code?: number }).code === 11000;

/** Workers of this process, woken when a statement is queued here (others find it on their next tick). */
const activeWorkers = new Set<() => void>();
export const workersToWake = activeWorkers;

export function wakeXapiWorkers(): void {
  for (const wake of activeWorkers) wake();
}

/**
 * Puts statements in the outbox. Each is validated first: one the LRS would refuse is logged as an
 * error and left out (sent, it would only fail; a fix of the builder makes it right for new events).
 * A statement already in the outbox (the same event again: the same id) is left as it is.
 */
export async function queueStatements(
  outgoing: Outgoing[],
  log?: Pick<Logger, 'error'>,
  now = new Date(),
): Promise<{ queued: number; duplicates: number; invalid: number }> {
  const counts = { queued: 0, duplicates: 0, invalid: 0 };
  for (const { statement, event, institution, subject = '' } of outgoing) {
    const validation = validateStatement(statement);
    if (!validation.valid) {
      counts.invalid += 1;
      log?.error(
        { statement: statement.id, event, errors: validation.errors },
        'an xAPI statement is invalid and was not queued',
      );
      continue;
    }
    try {
      await XapiStatement.create({
        _id: statement.id,
        json: JSON.stringify(statement),
        event,
        institution,
        subject,
        queuedAt: now,
        nextAttemptAt: now,
      });
      counts.queued += 1;
    } catch (error) {
      if (!isDuplicate(error)) throw error;
      counts.duplicates += 1;
    }
    if (subject) counts.queued += await supersede(subject, statement.id, institution, now);
  }
  if (counts.queued > 0) wakeXapiWorkers();
  return counts;
}

/**
 * Takes back the statements of `subject` other than `keep` (null: all of them, e.g. a trainee's
 * attendance corrected to absent). One that cannot have reached the LRS (never tried, or refused) is
 * removed from the outbox; one that may have is voided by a voiding statement. How many voiding
 * statements were queued.
 */
export async function supersede(subject: string, keep: string | null, institution: string, now = new Date()): Promise<number> {
  const earlier = await XapiStatement.find({ subject }, { json: 1, status: 1, attempts: 1, lease: 1, superseded: 1 })
    .limit(100)
    .lean<Pick<XapiStatementDoc, '_id' | 'json' | 'status' | 'attempts' | 'lease' | 'superseded'>[]>();
  let voids = 0;
  for (const old of earlier) {
    if (old._id === keep || old.superseded) continue;
    const unsent = (old.status === 'queued' && old.attempts === 0 && !old.lease) || old.status === 'failed';
    if (unsent) {
      const removed = await XapiStatement.deleteOne({
        _id: old._id,
        status: old.status,
        attempts: old.attempts,
        lease: old.lease ?? '',
      });
      if (removed.deletedCount === 1) continue; // a worker took it meanwhile: it may reach the LRS, so void it
    }
    const voiding = voidingStatement(JSON.parse(old.json) as Statement, now);
    try {
      await XapiStatement.create({
        _id: voiding.id,
        json: JSON.stringify(voiding),
        event: 'voided',
        institution,
        queuedAt: now,
        nextAttemptAt: now,
      });
      voids += 1;
    } catch (error) {
      if (!isDuplicate(error)) throw error;
    }
    await XapiStatement.updateOne({ _id: old._id }, { $set: { superseded: true } });
  }
  if (voids > 0) wakeXapiWorkers();
  return voids;
}

export type XapiStatus = {
  configured: boolean;
  endpoint: string | null;
  queued: number;
  failed: number;
  sent: number;
  oldestQueuedAt: Date | null;
  retryAt: Date | null;
  lastSentAt: Date | null;
  lastError: string;
  lastErrorAt: Date | null;
  /** The failed statements, newest first (at most `failedShown`), with the LRS's answer. */
  failedStatements: { id: string; event: string; queuedAt: Date; lastStatus: number | null; lastError: string }[];
};

export const failedShown = 20;

/** What the admin page shows: whether an LRS is configured, what waits, what went, what failed and why. */
export async function xapiStatus(actor: Actor | null, endpoint: string | null): Promise<XapiStatus> {
  authorize(actor, 'xapi.manage');
  const [queued, failed, oldest, store, failedStatements] = await Promise.all([
    XapiStatement.countDocuments({ status: 'queued' }),
    XapiStatement.countDocuments({ status: 'failed' }),
    XapiStatement.findOne({ status: 'queued' }, { queuedAt: 1 }).sort({ queuedAt: 1 }).lean<Pick<XapiStatementDoc, 'queuedAt'>>(),
    XapiStore.findById(storeId).lean<XapiStoreDoc>(),
    XapiStatement.find({ status: 'failed' }, { event: 1, queuedAt: 1, lastStatus: 1, lastError: 1 })
      .sort({ queuedAt: -1 })
      .limit(failedShown)
      .lean<Pick<XapiStatementDoc, '_id' | 'event' | 'queuedAt' | 'lastStatus' | 'lastError'>[]>(),
  ]);
  return {
    configured: endpoint !== null,
    endpoint,
    queued,
    failed,
    sent: store?.sentTotal ?? 0,
    oldestQueuedAt: oldest?.queuedAt ?? null,
    retryAt: store?.retryAt ?? null,
    lastSentAt: store?.lastSentAt ?? null,
    lastError: store?.lastError ?? '',
    lastErrorAt: store?.lastErrorAt ?? null,
    failedStatements: failedStatements.map((statement) => ({
      id: statement._id,
      event: statement.event,
      queuedAt: statement.queuedAt,
      lastStatus: statement.lastStatus ?? null,
      lastError: statement.lastError ?? '',
    })),
  };
}

/**
 * "Kirim ulang": every failed statement back in the queue, due now, as if new (the LRS's key or
 * address was fixed, or the LRS now accepts them), and the store's wait is over. How many.
 */
export async function retryFailedStatements(actor: Actor | null, now = new Date()): Promise<number> {
  authorize(actor, 'xapi.manage');
  const result = await XapiStatement.updateMany(
    { status: 'failed' },
    { $set: { status: 'queued', attempts: 0, nextAttemptAt: now, lease: '', leaseUntil: null } },
  );
  await XapiStore.updateOne({ _id: storeId }, { $set: { failures: 0, retryAt: null } });
  if (result.modifiedCount > 0) wakeXapiWorkers();
  return result.modifiedCount;
}

export const keepSentDays = 30;
/** Most days one clean-up run goes through (the rest are next run's). */
const daysPerRun = 100;
const dayMs = 24 * 60 * 60 * 1000;
export const utcDayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * Clean-up step (cleanup.ts): sent statements are deleted 30 days after they were sent (the LRS
 * keeps them; the outbox only needs them to answer "was it sent"). Day by day, by the indexed
 * `sentDay`, from where the last run stopped, so no run reads the whole collection. Failed and
 * queued statements are never deleted. How many were deleted.
 */
export async function deleteSentStatements(now = new Date()): Promise<number> {
  const store = await XapiStore.findById(storeId, { firstSentDay: 1, cleanedThrough: 1 }).lean<XapiStoreDoc>();
  const midnight = (day: string) => Date.parse(`${day}T00:00:00Z`);
  let start: number | null = null;
  if (store?.cleanedThrough) start = midnight(store.cleanedThrough) + dayMs;
  else if (store?.firstSentDay) start = midnight(store.firstSentDay);
  // The last whole day sent at least 30 days ago: a statement sent late on it is 30 days old now.
  const cutoff = midnight(utcDayOf(now.getTime() - (keepSentDays + 1) * dayMs));
  if (start === null || start > cutoff) return 0;
  const days: string[] = [];
  for (let day = start; day <= cutoff && days.length < daysPerRun; day += dayMs) days.push(utcDayOf(day));
  const result = await XapiStatement.deleteMany({ sentDay: { $in: days } });
  await XapiStore.updateOne({ _id: storeId }, { $set: { cleanedThrough: days.at(-1) } });
  return result.deletedCount;
}
