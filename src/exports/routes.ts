import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { NotFoundError } from '../platform/errors.js';
import { type ExportFormat, exportFormats, exportMimeTypes } from '../platform/exports/index.js';
import type { Language } from '../platform/i18n.js';
import type { Logger } from '../platform/logger.js';
import { parseInput } from '../platform/validation.js';
import {
  directLimit,
  exportFileName,
  jobFile,
  jobOf,
  type PreparedExport,
  prepareExport,
  rawParams,
  requestExport,
  streamExport,
  toJobView,
} from './service.js';

const fileParam = /^([a-z][a-z0-9-]*)\.(csv|xlsx)$/;
const startInput = z.object({
  name: z.string().min(1).max(60),
  format: z.enum(exportFormats),
  /** The table's params as a query string (`cohort=...&status=active`), as the download link had them. */
  params: z.string().max(10_000).default(''),
});
const apiStartInput = z.object({
  name: z.string().min(1).max(60).describe('a registered table, e.g. cohort-roster'),
  format: z.enum(exportFormats),
  params: z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .default({})
    .describe("the table's query parameters, as its download link has them"),
});
const jobOut = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  format: z.enum(exportFormats),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  rowsDone: z.number(),
  rowsTotal: z.number().describe('the count when asked: an estimate'),
  percent: z.number(),
  download: z.string().nullable().describe('the file, while kept (24 hours after it was made)'),
  error: z.string().nullable().describe("why it failed, in the request's language"),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

const downloadPath = (id: string) => `/exports/jobs/${id}/download`;

function jobJson(req: Request, view: ReturnType<typeof toJobView>) {
  return {
    id: view.id,
    name: view.name,
    title: view.title,
    format: view.format,
    status: view.status,
    rowsDone: view.rowsDone,
    rowsTotal: view.rowsTotal,
    percent: view.percent,
    download: view.status === 'done' ? downloadPath(view.id) : null,
    error: view.error ? req.t(view.error) : null,
    createdAt: view.createdAt.toISOString(),
    finishedAt: view.finishedAt?.toISOString() ?? null,
    expiresAt: view.expiresAt?.toISOString() ?? null,
  };
}

/** Streams a short export into the response; a failure half-way can only cut the download short. */
async function sendDirect(req: Request, res: Response, prepared: PreparedExport, format: ExportFormat, log: Logger) {
  const title = prepared.spec.title(req.t, prepared.params);
  res.status(200);
  res.setHeader('Content-Type', exportMimeTypes[format]);
  res.setHeader('Content-Disposition', contentDisposition(exportFileName(title, format, new Date())));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    await streamExport(req.actor!, prepared, format, req.t, res);
  } catch (error) {
    // The user went away (nothing to tell anyone), or the table failed after the first bytes.
    if (!res.destroyed) log.error({ err: error, export: prepared.name }, 'export failed while streaming');
    res.destroy();
  }
}

export function registerExportRoutes({ web, api, files, log }: FeatureContext): void {
  // Background jobs: the progress page, and the file while it is kept. Before `/exports/:file`.
  web.get('/exports/jobs/:id', requireLogin, async (req, res) => {
    const job = toJobView(await jobOf(req.actor!, String(req.params.id)));
    const running = job.status === 'queued' || job.status === 'running';
    res.render('exports/job', {
      title: job.title || req.t('exports.job.title'),
      job,
      running,
      download: job.status === 'done' ? downloadPath(job.id) : null,
      refreshWithoutScript: running ? 2 : 0,
    });
  });
  web.get('/exports/jobs/:id/download', requireLogin, async (req, res) => {
    const file = await jobFile(req.actor!, String(req.params.id));
    await files.sendStoredFile(req, res, file, { disposition: 'attachment' });
  });

  web.get('/exports/:file', requireLogin, async (req, res) => {
    const match = fileParam.exec(String(req.params.file));
    if (!match) throw new NotFoundError();
    const [, name, format] = match as unknown as [string, string, ExportFormat];
    const raw = rawParams(req.query);
    const prepared = await prepareExport(req.actor!, name, raw);
    if (prepared.count <= directLimit) return sendDirect(req, res, prepared, format, log);
    // Long: made in the background, on the user's word (a GET changes nothing).
    res.render('exports/large', {
      title: prepared.spec.title(req.t, prepared.params),
      name,
      format,
      params: new URLSearchParams(
        Object.entries(raw).flatMap(([key, value]) => [value].flat().map((item) => [key, item])),
      ).toString(),
      count: prepared.count,
      directLimit,
    });
  });

  web.post('/exports', requireLogin, async (req, res) => {
    const input = parseInput(startInput, req.body);
    const prepared = await prepareExport(req.actor!, input.name, rawParams(Object.fromEntries(groupParams(input.params))));
    const id = await requestExport(req.actor!, prepared, input.format, res.locals.lang as Language, req.t);
    res.redirect(303, `/exports/jobs/${id}`);
  });

  const tag = 'Exports';
  api.endpoint(
    {
      method: 'post',
      path: '/exports',
      summary: `Starts a background export of a registered table as CSV or XLSX (whatever its size; pages download short ones, up to ${directLimit} rows, at once). The table decides who may have it; at most 3 exports of one person wait at a time (429). Follow it with GET /exports/{id}`,
      tag,
      access: 'user',
      body: apiStartInput,
      response: jobOut,
      status: 201,
    },
    async ({ actor, body, req }) => {
      const prepared = await prepareExport(actor!, body.name, rawParams(body.params));
      const id = await requestExport(actor!, prepared, body.format, languageOf(req), req.t);
      return jobJson(req, toJobView(await jobOf(actor!, id)));
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/exports/{id}',
      summary:
        "A background export's status and progress (rows done of the count when asked), and its file's address once done: the requester's own, or an admin's",
      tag,
      access: 'user',
      response: jobOut,
    },
    async ({ actor, params, req }) => jobJson(req, toJobView(await jobOf(actor!, String(params.id)))),
  );
}

/** The request's language (set by the language middleware). */
const languageOf = (req: Request) => req.res!.locals.lang as Language;

/** A query string's pairs, repeated keys as lists (as Express parses a query). */
function groupParams(query: string): Map<string, string | string[]> {
  const grouped = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = grouped.get(key);
    grouped.set(key, existing === undefined ? value : [existing, value].flat());
  }
  return grouped;
}
