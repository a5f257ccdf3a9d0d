import { stringify } from 'csv-stringify/sync';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { manageableCohort } from '../cohorts/service.js';
import { acceptTextFile } from '../files/textUpload.js';
import { ValidationError } from '../platform/errors.js';
import { form } from '../platform/http/forms.js';
import { originOf } from '../platform/http/origin.js';
import { jobProgressJson, problemJsonSchema, problemsJson } from '../platform/jobs.js';
import { spreadsheetSafe } from '../platform/text.js';
import { enrolmentImportJob, firstLoginLinks, startEnrolmentImport } from './import.js';
import { decodeCsv, maxEnrolmentRows } from './importCsv.js';

/** The file is read into memory and parsed at once; a cohort's list is small, 2 MB is plenty. */
export const enrolmentFileLimitBytes = 2 * 1024 * 1024;
const acceptFile = acceptTextFile({
  limitBytes: enrolmentFileLimitBytes,
  tooLargeKey: 'enrolmentImport.errors.tooLarge',
  missingKey: 'enrolmentImport.errors.missingFile',
});

/** Checks the cohort before the upload is read: only its managers may send a file. */
async function cohortManaged(req: Request, _res: Response, next: NextFunction): Promise<void> {
  await manageableCohort(req.actor!, String(req.params.id));
  next();
}

const countNames = ['created', 'waitlisted', 'unchanged', 'rejected', 'accounts'] as const;

/** The template's header names in the user's language (both are accepted), with two example rows. */
function templateCsv(language: string): string {
  const header = language === 'en' ? ['name', 'email', 'phone'] : ['nama', 'email', 'telepon'];
  return `\uFEFF${stringify([header, ['Siti Aminah', 'siti.aminah@example.com', '081234567890'], ['Budi Santoso', 'budi.santoso@example.com', '']], { record_delimiter: 'windows' })}`;
}

const problemList = z.array(problemJsonSchema);
const progressView = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  total: z.number(),
  processed: z.number(),
  percent: z.number(),
  counts: z.object({
    created: z.number().describe('enrolled by this import'),
    waitlisted: z.number(),
    unchanged: z.number().describe('already in the cohort (enrolled, completed or waiting)'),
    rejected: z.number(),
    accounts: z.number().describe('trainee accounts created'),
  }),
  problems: problemList,
  notes: problemList,
  firstLogin: z
    .array(z.object({ name: z.string(), email: z.string(), phone: z.string(), link: z.string() }))
    .describe('when done: trainees of the import who have not set a password yet, with a first-login link (valid 14 days)'),
});
const importBody = z.object({
  /** Bounded by the JSON body limit (1 MB) before this; the upload form takes up to 2 MB. */
  csv: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .describe('the CSV text, as a file would hold it'),
  fileName: z.string().trim().max(200).default('enrolment.csv'),
});

export function registerEnrolmentImportRoutes({ web, api, log, sessionSecret, highlights }: FeatureContext): void {
  highlights.add('coordinators', 'enrolmentImport.highlight');
  const importLocals = async (req: Request) => {
    const cohort = await manageableCohort(req.actor!, String(req.params.id));
    return { title: req.t('enrolmentImport.title'), cohort, maxRows: maxEnrolmentRows };
  };
  web.get('/cohorts/:id/enrolments/import', requirePermission('cohort.manage'), async (req, res) => {
    res.render('enrolment/import', { values: {}, errors: {}, ...(await importLocals(req)) });
  });
  web.post(
    '/cohorts/:id/enrolments/import',
    requirePermission('cohort.manage'),
    cohortManaged,
    form('enrolment/import', importLocals),
    acceptFile,
    async (req, res) => {
      const file = req.file;
      if (!file) throw new ValidationError([{ field: 'file', key: 'enrolmentImport.errors.missingFile' }]);
      const cohortId = String(req.params.id);
      const content = decodeCsv(file.buffer);
      const jobId = await startEnrolmentImport(req.actor!, cohortId, { name: file.originalname, content }, log);
      res.redirect(303, `/cohorts/${cohortId}/enrolments/imports/${jobId}`);
    },
  );

  web.get('/cohorts/:id/enrolments/template.csv', requirePermission('cohort.manage'), async (req, res) => {
    await manageableCohort(req.actor!, String(req.params.id));
    const name = req.language === 'en' ? 'kompeten-enrolment-template.csv' : 'kompeten-templat-pendaftaran.csv';
    res.attachment(name).type('text/csv; charset=utf-8').send(templateCsv(req.language));
  });

  web.get('/cohorts/:id/enrolments/imports/:jobId', requirePermission('cohort.manage'), async (req, res) => {
    const { cohort, job } = await enrolmentImportJob(req.actor!, String(req.params.id), String(req.params.jobId));
    const links = job.status === 'running' ? [] : await firstLoginLinks(req.actor!, cohort, job, sessionSecret, originOf(req));
    res.set('Cache-Control', 'no-store');
    res.render('enrolment/importProgress', {
      title: req.t('enrolmentImport.progressTitle'),
      cohort,
      job,
      links,
      countNames,
    });
  });

  web.get('/cohorts/:id/enrolments/imports/:jobId/links.csv', requirePermission('cohort.manage'), async (req, res) => {
    const { cohort, job } = await enrolmentImportJob(req.actor!, String(req.params.id), String(req.params.jobId));
    const links = await firstLoginLinks(req.actor!, cohort, job, sessionSecret, originOf(req));
    const header = ['name', 'email', 'phone', 'link'];
    const rows = links.map((entry) => [spreadsheetSafe(entry.name), spreadsheetSafe(entry.email), entry.phone, entry.link]);
    res.set('Cache-Control', 'no-store');
    res
      .attachment(`kompeten-first-login-${new Date().toISOString().slice(0, 10)}.csv`)
      .type('text/csv; charset=utf-8')
      .send(`\uFEFF${stringify([header, ...rows], { record_delimiter: 'windows' })}`);
  });

  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/enrolment-imports',
      summary:
        'Enrol trainees into a cohort from CSV text (columns name, email, phone; comma or semicolon); creates missing trainee accounts. Returns the job to follow.',
      tag: 'Enrolment',
      access: 'user',
      permission: 'cohort.manage',
      body: importBody,
      response: z.object({ id: z.string() }),
      status: 202,
    },
    async ({ actor, params, body, res }) => {
      const id = await startEnrolmentImport(actor, String(params.id), { name: body.fileName, content: body.csv }, log, 'csv');
      res.location(`/api/v1/cohorts/${params.id}/enrolment-imports/${id}`);
      return { id };
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/enrolment-imports/{jobId}',
      summary: 'Progress and report of a bulk enrolment, with first-login links once done',
      tag: 'Enrolment',
      access: 'user',
      permission: 'cohort.manage',
      response: progressView,
    },
    async ({ actor, params, req }) => {
      const { cohort, job } = await enrolmentImportJob(actor, String(params.id), String(params.jobId));
      const links = job.status === 'running' ? [] : await firstLoginLinks(actor!, cohort, job, sessionSecret, originOf(req));
      return {
        ...jobProgressJson(job, countNames, req.t),
        notes: problemsJson(job.notes, req.t),
        firstLogin: links.map(({ name, email, phone, link }) => ({ name, email, phone, link })),
      };
    },
  );
}
