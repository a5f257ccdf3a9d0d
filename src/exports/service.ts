import type { Writable } from 'node:stream';
import type { TFunction } from 'i18next';
import mongoose from 'mongoose';
import { AppError, NotFoundError, TooManyRequestsError, ValidationError } from '../platform/errors.js';
import { publish } from '../platform/events.js';
import {
  directExportLimit,
  type ExportFormat,
  type ExportScope,
  type ExportSpec,
  exportTable,
  writeExport,
} from '../platform/exports/index.js';
import type { Language } from '../platform/i18n.js';
import { type Actor, can } from '../platform/permissions.js';
import { parseInput } from '../platform/validation.js';
import { institutionZone } from '../platform/zone.js';
import { ExportJob, type ExportJobDoc, type JobStatus } from './model.js';
import { wakeExportWorkers } from './wake.js';

/**
 * Exports of the registered tables (platform/exports): a short table is streamed straight into the
 * response; a long one becomes a background job (model.ts, worker.ts) whose file its requester
 * downloads when it is ready. Every export that ends publishes `export.made` (the audit log).
 */

/** Rows up to which a table is streamed straight away; beyond, it is made in the background. */
export const directLimit = directExportLimit;
/** Background exports a person may have queued or running at once. */
export const maxWaitingPerPerson = 3;
/** How long a finished job's file is kept. */
export const keepFilesMs = 24 * 3600_000;

/** A table's query string as given: strings only, bounded (it is kept on the job). */
export type RawParams = Record<string, string | string[]>;
const maxParams = 20;
const maxParamLength = 500;

const badParams = (fields: { field: string; key: string; params?: Record<string, unknown> }[] = []) =>
  new AppError(400, 'exports.errors.params', {}, fields);

/** The query string's values that are text, the controls of the export (format, _csrf) left out. */
export function rawParams(query: unknown): RawParams {
  const raw: RawParams = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (key.startsWith('_')) continue;
    if (typeof value === 'string') raw[key] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) raw[key] = value as string[];
    else throw badParams([{ field: key, key: 'validation.invalid' }]);
  }
  const entries = Object.entries(raw);
  if (entries.length > maxParams) throw badParams();
  for (const [key, value] of entries) {
    if (key.length > 60 || [value].flat().some((item) => item.length > maxParamLength)) {
      throw badParams([{ field: key, key: 'validation.tooLong', params: { max: maxParamLength } }]);
    }
  }
  return raw;
}

/** The table's params from the query string: a clear 400 naming each field, never a 500. */
export function parseParams(spec: ExportSpec, raw: RawParams): unknown {
  try {
    return parseInput(spec.params, raw);
  } catch (error) {
    if (error instanceof ValidationError) throw badParams(error.fields);
    throw error;
  }
}

export function tableOf(name: string): ExportSpec {
  const spec = exportTable(name);
  if (!spec) throw new NotFoundError();
  return spec;
}

export type PreparedExport = {
  name: string;
  spec: ExportSpec;
  raw: RawParams;
  params: unknown;
  scope: ExportScope;
  count: number;
};

/** Whether `actor` may have the table with these params, and how many rows it has. */
export async function prepareExport(actor: Actor, name: string, raw: RawParams): Promise<PreparedExport> {
  const spec = tableOf(name);
  const params = parseParams(spec, raw);
  const scope = await spec.authorize(actor, params);
  const count = await spec.count(params);
  return { name, spec, raw, params, scope, count };
}

/** `Peserta berisiko: Angkatan 3` on 2025-03-01 as `Peserta-berisiko-Angkatan-3-2025-03-01.csv`. */
export function exportFileName(title: string, format: ExportFormat, at: Date): string {
  const words = title
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  const day = new Date(at.getTime() + institutionZone.offsetMs).toISOString().slice(0, 10);
  return `${words || 'kompeten'}-${day}.${format}`;
}

export const madeEvent = (actor: string, scope: ExportScope, name: string, format: ExportFormat, rows: number, at: Date) =>
  publish('export.made', { actor, institution: scope.institution, what: name, format, rows, at });

/**
 * Streams a prepared export into `out` (an HTTP response whose headers the caller set) and
 * publishes `export.made` once it has ended; the rows written. A destination that closes
 * half-way (the user went away) rejects, and nothing is published.
 */
export async function streamExport(
  actor: Actor,
  prepared: PreparedExport,
  format: ExportFormat,
  t: TFunction,
  out: Writable,
  now = () => new Date(),
): Promise<number> {
  const { spec, params } = prepared;
  const rows = await writeExport(format, spec.columns(t, params), spec.rows(params), out, {
    sheetName: spec.title(t, params),
  });
  await madeEvent(actor.id, prepared.scope, prepared.name, format, rows, now());
  return rows;
}

/** Queues a background export; its id. */
export async function requestExport(
  actor: Actor,
  prepared: PreparedExport,
  format: ExportFormat,
  language: Language,
  t: TFunction,
): Promise<string> {
  const mine = await ExportJob.find({ requester: actor.id }, { status: 1 }).limit(200).lean<Pick<ExportJobDoc, 'status'>[]>();
  const waiting = mine.filter((job) => job.status === 'queued' || job.status === 'running').length;
  if (waiting >= maxWaitingPerPerson) throw new TooManyRequestsError(60, 'exports.errors.tooMany');
  const job = await ExportJob.create({
    requester: actor.id,
    requesterRole: actor.role,
    requesterInstitution: actor.institution,
    institution: prepared.scope.institution,
    name: prepared.name,
    params: prepared.raw,
    format,
    language,
    title: prepared.spec.title(t, prepared.params),
    rowsTotal: prepared.count,
  });
  wakeExportWorkers();
  return String(job._id);
}

export type JobView = {
  id: string;
  name: string;
  title: string;
  format: ExportFormat;
  status: JobStatus;
  rowsDone: number;
  rowsTotal: number;
  percent: number;
  fileName: string | null;
  size: number | null;
  /** Why it failed, an i18n key ('' unless failed). */
  error: string;
  createdAt: Date;
  finishedAt: Date | null;
  /** When the file is removed (done jobs). */
  expiresAt: Date | null;
};

export function toJobView(job: ExportJobDoc): JobView {
  const total = Math.max(job.rowsTotal ?? 0, job.rowsDone ?? 0);
  const percent = job.status === 'done' ? 100 : total ? Math.min(99, Math.floor(((job.rowsDone ?? 0) / total) * 100)) : 0;
  return {
    id: String(job._id),
    name: job.name,
    title: job.title ?? '',
    format: job.format as ExportFormat,
    status: job.status,
    rowsDone: job.rowsDone ?? 0,
    rowsTotal: job.rowsTotal ?? 0,
    percent,
    fileName: job.file?.name ?? null,
    size: job.file?.size ?? null,
    error: job.error ?? '',
    createdAt: job.createdAt,
    finishedAt: job.finishedAt ?? null,
    expiresAt: job.status === 'done' && job.finishedAt ? new Date(job.finishedAt.getTime() + keepFilesMs) : null,
  };
}

/** A job as its requester (or an admin) sees it; anyone else is told it does not exist. */
export async function jobOf(actor: Actor, id: string): Promise<ExportJobDoc> {
  const job = mongoose.isValidObjectId(id) ? await ExportJob.findById(id).lean<ExportJobDoc>() : null;
  if (!job || !can(actor, 'export.job', { requester: String(job.requester) })) throw new NotFoundError();
  return job;
}

/** The file of a finished job, to download. */
export async function jobFile(actor: Actor, id: string) {
  const job = await jobOf(actor, id);
  if (job.status !== 'done' || !job.file) throw new NotFoundError();
  return {
    key: job.file.key,
    originalName: job.file.name,
    mimeType: job.file.mimeType,
    sha256: job.file.sha256,
    createdAt: job.finishedAt!,
  };
}
