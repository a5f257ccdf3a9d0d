import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { newStorageKey } from '../files/names.js';
import type { FileStorage } from '../files/storage.js';
import { AppError } from '../platform/errors.js';
import { type ExportFormat, exportMimeTypes, exportTable, writeExport } from '../platform/exports/index.js';
import { type Language, translator } from '../platform/i18n.js';
import type { Logger } from '../platform/logger.js';
import type { Actor, Role } from '../platform/permissions.js';
import { createTicker } from '../platform/ticker.js';
import { ExportJob, type ExportJobDoc } from './model.js';
import { exportFileName, madeEvent, parseParams } from './service.js';
import { addWaker } from './wake.js';

/**
 * The export worker: every process runs one (server.ts starts it; tests make their own and call
 * `tick`). A tick reads the queued and the running jobs (indexed equality on `status`, bounded),
 * picks the oldest queued one or one whose lease ran out (its process died), and claims it with
 * one conditional update; of two processes claiming one job, one matches. It writes the file to
 * a temporary file, renewing the lease and recording the rows done as it goes, then keeps it in
 * the file storage. Only the lease holder records the end: a worker that lost its lease (it was
 * thought dead) stops at its next progress write and throws its file away.
 */
export type ExportWorkerDependencies = {
  storage: FileStorage;
  /** Where files are written before they are stored (UPLOAD_DIR/.tmp). */
  temporaryFolder: string;
  /** The clock, in milliseconds (tests drive time with it). */
  now?: () => number;
  log?: Logger;
  /** How long a claim holds without a progress write. */
  leaseMs?: number;
  /** Rows between progress writes (each renews the lease). */
  progressEvery?: number;
};

export const defaultLeaseMs = 2 * 60_000;
/** Claims of one job before it is given up (a table that brings its process down each time). */
const maxAttempts = 3;
/** Most waiting jobs of each status one tick reads. */
const readBound = 100;

class LeaseLost extends Error {}
class Stopping extends Error {}

type Claimable = Pick<ExportJobDoc, '_id' | 'status' | 'attempts' | 'leaseUntil' | 'createdAt'>;
const claimFields = { status: 1, attempts: 1, leaseUntil: 1, createdAt: 1 };

export function createExportWorker(dependencies: ExportWorkerDependencies) {
  const now = dependencies.now ?? Date.now;
  const leaseMs = dependencies.leaseMs ?? defaultLeaseMs;
  const progressEvery = dependencies.progressEvery ?? 2000;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Set by stop(): the job under way is handed back rather than finished. */
  let stopping = false;

  async function due(at: number): Promise<Claimable[]> {
    const [queued, running] = await Promise.all([
      ExportJob.find({ status: 'queued' }, claimFields).limit(readBound).lean<Claimable[]>(),
      ExportJob.find({ status: 'running' }, claimFields).limit(readBound).lean<Claimable[]>(),
    ]);
    return [...queued, ...running.filter((job) => !job.leaseUntil || job.leaseUntil.getTime() <= at)].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
  }

  async function claim(job: Claimable, at: number): Promise<ExportJobDoc | null> {
    const claimed = await ExportJob.findOneAndUpdate(
      { _id: job._id, status: job.status, attempts: job.attempts },
      {
        $set: { status: 'running', leaseUntil: new Date(at + leaseMs), leaseOwner: owner, rowsDone: 0, startedAt: new Date(at) },
        $inc: { attempts: 1 },
      },
      { new: true },
    ).lean<ExportJobDoc>();
    return claimed && claimed.leaseOwner === owner ? claimed : null;
  }

  /** Sets fields of the job if this worker still holds it; false when it does not. */
  async function record(job: ExportJobDoc, fields: Record<string, unknown>): Promise<boolean> {
    const result = await ExportJob.updateOne({ _id: job._id, status: 'running', leaseOwner: owner }, { $set: fields });
    return result.matchedCount === 1;
  }

  async function fail(job: ExportJobDoc, error: string): Promise<void> {
    await record(job, { status: 'failed', error, finishedAt: new Date(now()), leaseUntil: null, leaseOwner: '' });
  }

  async function run(job: ExportJobDoc): Promise<void> {
    if (job.attempts > maxAttempts) return fail(job, 'exports.errors.interrupted');
    const spec = exportTable(job.name);
    if (!spec) return fail(job, 'exports.errors.gone');
    const actor: Actor = {
      id: String(job.requester),
      role: job.requesterRole as Role,
      institution: job.requesterInstitution ? String(job.requesterInstitution) : null,
    };
    const t = translator(job.language as Language);
    const format = job.format as ExportFormat;
    let params: unknown;
    try {
      params = parseParams(spec, job.params);
      // As the requester, now: access taken away since they asked ends the export here.
      await spec.authorize(actor, params);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return fail(job, error.status === 400 ? 'exports.errors.params' : 'exports.errors.forbidden');
    }
    const scope = { institution: job.institution ? String(job.institution) : null };
    await mkdir(dependencies.temporaryFolder, { recursive: true });
    const temporary = path.join(dependencies.temporaryFolder, `${randomBytes(16).toString('hex')}.part`);
    let reportedAt = now();
    let reportedRows = 0;
    const onRow = async (rows: number) => {
      if (stopping) throw new Stopping();
      if (rows - reportedRows < progressEvery && now() - reportedAt < leaseMs / 3) return;
      if (!(await record(job, { rowsDone: rows, leaseUntil: new Date(now() + leaseMs) }))) throw new LeaseLost();
      reportedRows = rows;
      reportedAt = now();
    };
    let key: string | undefined;
    try {
      const rows = await writeExport(
        format,
        spec.columns(t, params),
        spec.rows(params),
        createWriteStream(temporary, { flags: 'wx' }),
        {
          sheetName: job.title,
          onRow,
        },
      );
      const size = (await stat(temporary)).size;
      const hash = createHash('sha256');
      await pipeline(createReadStream(temporary), hash);
      key = newStorageKey();
      await dependencies.storage.save(key, temporary);
      const finishedAt = new Date(now());
      const file = {
        key,
        name: exportFileName(job.title, format, finishedAt),
        mimeType: exportMimeTypes[format],
        size,
        sha256: hash.digest('hex'),
      };
      if (!(await record(job, { status: 'done', rowsDone: rows, file, finishedAt, leaseUntil: null, leaseOwner: '' }))) {
        throw new LeaseLost();
      }
      key = undefined; // the job has it now
      await madeEvent(actor.id, scope, job.name, format, rows, finishedAt);
    } catch (error) {
      if (error instanceof Stopping) {
        // Handed back at once, so the next process (or this one restarted) need not wait for the lease.
        await ExportJob.updateOne(
          { _id: job._id, leaseOwner: owner, status: 'running' },
          { $set: { status: 'queued', rowsDone: 0, leaseUntil: null, leaseOwner: '' }, $inc: { attempts: -1 } },
        );
      } else if (error instanceof LeaseLost) {
        dependencies.log?.warn({ job: String(job._id) }, 'export job taken over by another worker');
      } else {
        dependencies.log?.error({ err: error, job: String(job._id) }, 'export failed');
        await fail(job, 'exports.errors.failed');
      }
    } finally {
      await rm(temporary, { force: true });
      if (key) await dependencies.storage.remove(key);
    }
  }

  /** One round: claims the oldest job due and writes it; how many jobs were run (0 or 1). */
  async function tick(): Promise<number> {
    const at = now();
    for (const candidate of await due(at)) {
      const job = await claim(candidate, at);
      if (!job) continue;
      await run(job);
      return 1;
    }
    return 0;
  }

  let removeWaker: (() => void) | undefined;
  // Runs ticks until nothing is due (a new job need not wait for the interval).
  const ticker = createTicker(
    async () => {
      while (!ticker.stopped && (await tick()) > 0) {
        // the next job at once
      }
    },
    (error: unknown) => dependencies.log?.warn({ err: error }, 'export tick failed'),
  );

  return {
    owner,
    tick,
    /** Ticks every `intervalMs` in the background (the timer keeps no process alive). */
    start(intervalMs = 5_000): void {
      stopping = false;
      ticker.start(intervalMs);
      removeWaker = addWaker(ticker.wake);
    },
    /** Stops: a job under way is handed back to the queue at its next row, and this waits for that. */
    async stop(): Promise<void> {
      stopping = true;
      removeWaker?.();
      await ticker.stop();
    },
  };
}

export type ExportWorker = ReturnType<typeof createExportWorker>;
