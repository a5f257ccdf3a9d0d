import mongoose, { type InferSchemaType } from 'mongoose';
import { z } from 'zod';
import type { Logger } from './logger.js';

/**
 * A long-running import (competency units, bulk enrolment into a cohort) with its progress and a
 * report of every rejected row. Kept in the database, so the progress page works from any app
 * process and survives a reload. Only the process running the job writes to it.
 */
const problemSchema = new mongoose.Schema(
  {
    /** 1-based line of a CSV file (counting the header) or item of a JSON array. */
    line: { type: Number, required: true },
    key: { type: String, required: true },
    params: { type: mongoose.Schema.Types.Mixed, default: {} },
    /** The column (CSV) or field (JSON) the problem is about, if one. */
    field: { type: String, default: '' },
  },
  { _id: false },
);

const jobSchema = new mongoose.Schema(
  {
    kind: { type: String, required: true },
    fileName: { type: String, default: '' },
    status: { type: String, enum: ['running', 'done', 'failed'], default: 'running' },
    total: { type: Number, default: 0 },
    processed: { type: Number, default: 0 },
    counts: {
      created: { type: Number, default: 0 },
      updated: { type: Number, default: 0 },
      unchanged: { type: Number, default: 0 },
      rejected: { type: Number, default: 0 },
      /** Bulk enrolment: rows put on the waiting list, and accounts the import created. */
      waitlisted: { type: Number, default: 0 },
      accounts: { type: Number, default: 0 },
    },
    problems: { type: [problemSchema], default: [] },
    /** Rows that were not rejected but are worth a look (put on the waiting list, a different name). */
    notes: { type: [problemSchema], default: [] },
    /** What the job works on, e.g. the cohort of a bulk enrolment; '' when nothing in particular. */
    subject: { type: String, default: '' },
    /** The accounts the job dealt with (bulk enrolment: the trainees of its good rows), bounded. */
    users: { type: [mongoose.Schema.Types.ObjectId], default: [] },
    startedBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', required: true },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
export type JobDoc = InferSchemaType<typeof jobSchema> & { _id: mongoose.Types.ObjectId };
// The clean-up looks for running jobs; there are few at any time.
jobSchema.index({ status: 1 });
export const ImportJob = mongoose.model('ImportJob', jobSchema);

/** Most problems a job keeps: enough to fix a file, bounded so a broken file cannot bloat the record. */
export const maxProblems = 1000;
/** Most accounts a job lists (see `users`). */
export const maxJobUsers = 5000;

export type Problem = { line: number; key: string; params?: Record<string, unknown>; field?: string };
export type Counts = {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  waitlisted?: number;
  accounts?: number;
};

export type JobView = {
  id: string;
  kind: string;
  fileName: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  percent: number;
  counts: Required<Counts>;
  problems: Problem[];
  problemsTruncated: boolean;
  notes: Problem[];
  subject: string;
  users: string[];
  startedBy: string;
};

const toProblem = (problem: Problem): Problem => ({
  line: problem.line,
  key: problem.key,
  params: problem.params ?? {},
  field: problem.field ?? '',
});

export function toJobView(job: JobDoc): JobView {
  return {
    id: String(job._id),
    kind: job.kind,
    fileName: job.fileName ?? '',
    status: job.status as JobView['status'],
    total: job.total ?? 0,
    processed: job.processed ?? 0,
    percent: job.total ? Math.floor(((job.processed ?? 0) / job.total) * 100) : job.status === 'running' ? 0 : 100,
    counts: {
      created: job.counts?.created ?? 0,
      updated: job.counts?.updated ?? 0,
      unchanged: job.counts?.unchanged ?? 0,
      rejected: job.counts?.rejected ?? 0,
      waitlisted: job.counts?.waitlisted ?? 0,
      accounts: job.counts?.accounts ?? 0,
    },
    problems: job.problems.map(toProblem),
    problemsTruncated: job.problems.length >= maxProblems,
    notes: (job.notes ?? []).map(toProblem),
    subject: job.subject ?? '',
    users: (job.users ?? []).map(String),
    startedBy: String(job.startedBy),
  };
}

export async function startJob(kind: string, fileName: string, startedBy: string, subject = ''): Promise<string> {
  const job = await ImportJob.create({ kind, fileName, startedBy, subject });
  return String(job._id);
}

export type Progress = {
  total: number;
  processed: number;
  counts: Counts;
  problems: Problem[];
  notes?: Problem[];
  users?: string[];
};

/** The progress a job's work reports as it goes; each call overwrites the last. */
export async function reportProgress(jobId: string, progress: Progress): Promise<void> {
  await ImportJob.updateOne(
    { _id: jobId },
    {
      $set: {
        total: progress.total,
        processed: progress.processed,
        counts: progress.counts,
        problems: progress.problems.slice(0, maxProblems),
        ...(progress.notes ? { notes: progress.notes.slice(0, maxProblems) } : {}),
        ...(progress.users ? { users: progress.users.slice(0, maxJobUsers) } : {}),
      },
    },
  );
}

export async function finishJob(jobId: string, failed = false): Promise<void> {
  await ImportJob.updateOne({ _id: jobId }, { $set: { status: failed ? 'failed' : 'done', finishedAt: new Date() } });
}

export async function findJob(jobId: string): Promise<JobView | null> {
  if (!mongoose.isValidObjectId(jobId)) return null;
  const job = await ImportJob.findById(jobId).lean<JobDoc>();
  return job ? toJobView(job) : null;
}

/**
 * Runs a job's work in the background of this process and records how it ended. A job left
 * `running` by a process that stopped is marked failed by the periodic clean-up (see
 * markInterruptedJobs); imports are idempotent, so running the same file again finishes the work.
 */
export function runInBackground(jobId: string, work: () => Promise<void>, log: Logger): void {
  work().then(
    () => finishJob(jobId),
    async (error) => {
      log.error({ err: error, jobId }, 'import failed');
      await finishJob(jobId, true).catch(() => undefined);
    },
  );
}

/** A running job reports at least every few seconds; one silent for this long has lost its process. */
const staleAfterMs = 10 * 60 * 1000;

export async function markInterruptedJobs(now = Date.now()): Promise<number> {
  const result = await ImportJob.updateMany(
    { status: 'running', updatedAt: { $lt: new Date(now - staleAfterMs) } },
    { $set: { status: 'failed', finishedAt: new Date(now) } },
  );
  return result.modifiedCount;
}

/** A problem as the API reports it: its line, its column or field, and the reason in the reader's language. */
export const problemJsonSchema = z.object({ line: z.number(), field: z.string().optional(), message: z.string() });

export function problemsJson(problems: Problem[], t: (key: string, params?: Record<string, unknown>) => string) {
  return problems.map((problem) => ({
    line: problem.line,
    field: problem.field || undefined,
    message: t(problem.key, problem.params ?? {}),
  }));
}

/** The API's view of a job's progress, with the counts the kind of job reports. */
export function jobProgressJson<C extends keyof JobView['counts']>(
  job: JobView,
  countNames: readonly C[],
  t: (key: string, params?: Record<string, unknown>) => string,
) {
  return {
    id: job.id,
    status: job.status,
    total: job.total,
    processed: job.processed,
    percent: job.percent,
    counts: Object.fromEntries(countNames.map((name) => [name, job.counts[name]])) as Record<C, number>,
    problems: problemsJson(job.problems, t),
  };
}
