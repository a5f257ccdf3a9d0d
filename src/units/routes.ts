import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { acceptTextFile } from '../files/textUpload.js';
import { listSectors } from '../institutions/service.js';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { findJob, jobProgressJson, problemJsonSchema } from '../platform/jobs.js';
import { can } from '../platform/permissions.js';
import { pageOf, parseInput } from '../platform/validation.js';
import { csvHeaderLine, unitCsvLines, unitJson } from './export.js';
import { parseUnitForm, unitToForm } from './form.js';
import { startUnitImport } from './import.js';
import { unitInput, unitSearchQuery, unitSummary, unitView } from './schemas.js';
import { approveUnit, exportUnits, getUnit, pickUnits, saveUnits, searchUnits } from './service.js';

const outcome = z.enum(['created', 'updated', 'unchanged']);

/** The unit picker's search (GET /api/v1/units/search): a few results as the instructor types. */
const unitPickerQuery = z.object({
  q: z.string().trim().max(200).default(''),
  sector: z.string().trim().max(40).default(''),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** The import's progress, for the page and the API; only its starter and approvers may read it. */
async function importJobFor(req: Request) {
  const job = await findJob(String(req.params.id));
  if (job?.kind !== 'units' || (job.startedBy !== req.actor?.id && !can(req.actor, 'unit.approve'))) throw new NotFoundError();
  return job;
}

async function streamExport(req: Request, res: Response, format: 'csv' | 'json') {
  const { page: _page, ...query } = parseInput(unitSearchQuery, req.query);
  const date = new Date().toISOString().slice(0, 10);
  res.attachment(`kompeten-units-${date}.${format}`);
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8').write(`\uFEFF${csvHeaderLine}`);
    for await (const unit of exportUnits(req.actor!, query)) res.write(unitCsvLines(unit));
  } else {
    res.type('application/json; charset=utf-8').write('[');
    let first = true;
    for await (const unit of exportUnits(req.actor!, query)) {
      res.write(`${first ? '\n' : ',\n'}${JSON.stringify(unitJson(unit))}`);
      first = false;
    }
    res.write('\n]\n');
  }
  res.end();
}

/** The import file, read into memory and parsed at once (CSV and JSON are text: nothing to sniff or keep). */
const acceptImportFile = acceptTextFile({
  limitBytes: 20 * 1024 * 1024,
  tooLargeKey: 'units.import.tooLarge',
  missingKey: 'units.import.missingFile',
});

export function registerUnitRoutes({ web, api, log, highlights }: FeatureContext): void {
  highlights.add('instructors', 'units.highlight');
  web.get('/units', requireLogin, async (req, res) => {
    const query = parseInput(unitSearchQuery, req.query);
    const [result, sectors] = await Promise.all([searchUnits(req.actor!, query), listSectors()]);
    res.render('units/list', { title: req.t('units.title'), result, query, sectors });
  });
  web.get('/units/export.csv', requireLogin, (req, res) => streamExport(req, res, 'csv'));
  web.get('/units/export.json', requireLogin, (req, res) => streamExport(req, res, 'json'));

  const newLocals = async (req: Request) => ({ title: req.t('units.new.title'), sectors: await listSectors(), unit: null });
  web.get('/units/new', requirePermission('unit.propose'), showForm('units/form', newLocals));
  web.post('/units', requirePermission('unit.propose'), form('units/form', newLocals), async (req, res) => {
    const input = parseUnitForm(req.body);
    const existing = await getUnit(req.actor!, input.code).catch(() => null);
    if (existing) throw new ConflictError('validation.codeTaken', 'code');
    const [result] = await saveUnits(req.actor!, [input]);
    if (typeof result === 'object') throw new ConflictError(result.error, 'code');
    res.redirect(303, `/units/${encodeURIComponent(input.code)}?saved=created`);
  });

  const importLocals = (req: Request) => ({ title: req.t('units.import.title') });
  web.get('/units/import', requirePermission('unit.import'), showForm('units/import', importLocals));
  web.post(
    '/units/import',
    requirePermission('unit.import'),
    form('units/import', importLocals),
    acceptImportFile,
    async (req, res) => {
      const file = req.file;
      if (!file) throw new ValidationError([{ field: 'file', key: 'units.import.missingFile' }]);
      const jobId = await startUnitImport(req.actor!, file.originalname, file.buffer.toString('utf8'), log);
      res.redirect(303, `/units/imports/${jobId}`);
    },
  );

  web.get('/units/imports/:id', requireLogin, async (req, res) => {
    const job = await importJobFor(req);
    res.render('units/importProgress', { title: req.t('units.import.progressTitle'), job });
  });

  web.get('/units/:code', requireLogin, async (req, res) => {
    const unit = await getUnit(req.actor!, String(req.params.code));
    res.render('units/show', {
      title: `${unit.code} ${unit.title[req.language] || unit.title.id}`,
      unit,
      sectors: await listSectors(),
      canEdit: can(req.actor, 'unit.edit', { status: unit.status, proposedBy: unit.proposedBy }),
      saved: req.query.saved,
    });
  });
  const editLocals = async (req: Request) => {
    const unit = await getUnit(req.actor!, String(req.params.code));
    return { title: unit.code, unit, values: unitToForm(unit), sectors: await listSectors() };
  };
  web.get('/units/:code/edit', requirePermission('unit.propose'), showForm('units/form', editLocals));
  web.post('/units/:code', requirePermission('unit.propose'), form('units/form', editLocals), async (req, res) => {
    const code = String(req.params.code).toUpperCase();
    const input = { ...parseUnitForm({ ...req.body, code }), code };
    await getUnit(req.actor!, code); // 404 for a unit that does not exist
    const [result] = await saveUnits(req.actor!, [input]);
    if (typeof result === 'object') throw new ConflictError(result.error, 'code');
    res.redirect(303, `/units/${encodeURIComponent(code)}?saved=updated`);
  });
  web.post('/units/:code/approve', requirePermission('unit.approve'), async (req, res) => {
    await approveUnit(req.actor!, String(req.params.code));
    res.redirect(303, `/units/${encodeURIComponent(String(req.params.code))}?saved=approved`);
  });

  api.endpoint(
    {
      method: 'get',
      path: '/units',
      summary: 'Search competency units by words, code prefix and sector',
      tag: 'Competency units',
      access: 'user',
      query: unitSearchQuery,
      response: pageOf(unitSummary),
    },
    async ({ actor, query }) => searchUnits(actor, query),
  );
  // Declared before /units/{code}, which would otherwise take "search" for a code.
  api.endpoint(
    {
      method: 'get',
      path: '/units/search',
      summary: 'Units for a picker: one box for a code prefix ("J.620100") or words ("basis data"), a sector, a short list',
      tag: 'Competency units',
      access: 'user',
      query: unitPickerQuery,
      response: z.object({ items: z.array(unitSummary), hasMore: z.boolean() }),
    },
    async ({ actor, query }) => pickUnits(actor, { text: query.q, sector: query.sector, limit: query.limit }),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/units/{code}',
      summary: 'One competency unit',
      tag: 'Competency units',
      access: 'user',
      response: unitView,
    },
    async ({ actor, params }) => {
      const { proposedBy: _proposedBy, ...unit } = await getUnit(actor, String(params.code));
      return unit;
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/units/{code}',
      summary: 'Create or update a unit by its code (instructors: proposals)',
      tag: 'Competency units',
      access: 'user',
      permission: 'unit.propose',
      body: unitInput,
      response: z.object({ outcome }),
    },
    async ({ actor, params, body }) => {
      const code = String(params.code).toUpperCase();
      if (body.code !== code) throw new ConflictError('units.errors.codeMismatch', 'code');
      const [result] = await saveUnits(actor, [body]);
      if (typeof result === 'object') throw new ConflictError(result.error, 'code');
      return { outcome: result };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/units/{code}/approve',
      summary: 'Approve a proposed unit (coordinators, admins)',
      tag: 'Competency units',
      access: 'user',
      permission: 'unit.approve',
    },
    async ({ actor, params }) => approveUnit(actor, String(params.code)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/units/imports/{id}',
      summary: 'Progress and report of a unit import',
      tag: 'Competency units',
      access: 'user',
      response: z.object({
        id: z.string(),
        status: z.enum(['running', 'done', 'failed']),
        total: z.number(),
        processed: z.number(),
        percent: z.number(),
        counts: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), rejected: z.number() }),
        problems: z.array(problemJsonSchema),
      }),
    },
    async ({ req }) => jobProgressJson(await importJobFor(req), ['created', 'updated', 'unchanged', 'rejected'], req.t),
  );
}
