import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import { issueLspToken } from '../../src/certification/delivery/credentials.js';
import { ExportJob } from '../../src/exports/model.js';
import { apiBasePath } from '../../src/platform/api.js';
import { createLogger } from '../../src/platform/logger.js';
import { demoUnits } from '../../src/seed/demo.js';
import { startUnitImport } from '../../src/units/import.js';
import { User } from '../../src/users/model.js';
import { buildTestServer } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { demoLogins, demoPassword, seedDemoRecords } from '../support/demoRecords.js';
import { checkApiResponses, type OpenApiDocument } from '../support/openapi.js';

/**
 * The OpenAPI document is what clients build on, so it must say what the API answers. Every
 * answer an API test receives is checked against it (test/support/openapi.ts); here every GET
 * endpoint is called with real data, so none goes unchecked, and the check itself is shown to fail
 * on an answer the document does not declare.
 */
describe('the OpenAPI document declares what the API answers', () => {
  useTestDatabase(import.meta.url);

  it('every GET endpoint answers real data in the shape its document declares', async function () {
    this.timeout(120_000);
    const demo = await seedDemoRecords();
    const server = buildTestServer();
    const tokens: Record<string, string> = {};
    for (const role of ['admin', 'coordinator', 'trainee', 'graduate'] as const) {
      const issued = await supertest(server.app)
        .post(`${apiBasePath}/auth/token`)
        .send({ email: demoLogins[role], password: demoPassword })
        .expect(201);
      tokens[role] = issued.body.token;
    }
    // Import jobs, so their progress endpoints have something to report.
    const admin = await User.findOne({ email: demoLogins.admin }).lean();
    // The certification body's own token (issued by an admin on its credentials page), for its pull API.
    tokens.lsp = await issueLspToken({ id: String(admin?._id), role: 'admin', institution: null }, String(demo.lsp._id));
    const unitJob = await startUnitImport(
      { id: String(admin?._id), role: 'admin', institution: null },
      'units.json',
      JSON.stringify((await demoUnits()).slice(0, 1)),
      createLogger('silent'),
    );
    const enrolmentJob = await supertest(server.app)
      .post(`${apiBasePath}/cohorts/${demo.cohort._id}/enrolment-imports`)
      .set('Authorization', `Bearer ${tokens.coordinator}`)
      .send({ csv: 'name,email,phone\nAyu Lestari,ayu.lestari@example.test,081234567890\n', fileName: 'peserta.csv' })
      .expect(202);

    // A question in the demo program's bank (issue 10), so GET /questions/{id} has one to show.
    const question = await supertest(server.app)
      .post(`${apiBasePath}/programs/${demo.program._id}/questions`)
      .set('Authorization', `Bearer ${tokens.admin}`)
      .send({ content: { type: 'trueFalse', text: 'Kompeten menyimpan bank soal.', answer: true } })
      .expect(201);
    // A background export of the admin's (exports/), so GET /exports/{id} has one to show.
    const exportJob = await ExportJob.create({
      requester: admin!._id,
      requesterRole: 'admin',
      name: 'any-table',
      format: 'csv',
      language: 'id',
      title: 'Ekspor',
    });
    // Who may read each endpoint; the admin reads the rest.
    const reader: Record<string, keyof typeof tokens> = {
      '/intake': 'trainee',
      '/learning': 'trainee',
      '/cohorts/{id}/outline': 'trainee',
      // A trainee's own: the demo trainee's results and graded quiz attempt (src/seed/demoAssessments.ts).
      '/cohorts/{id}/my-results': 'trainee',
      '/quiz-attempts/{attempt}': 'trainee',
      '/counselling/queue': 'coordinator',
      '/cohorts/{id}/enrolment-imports/{jobId}': 'coordinator',
      // Issue 12 (src/seed/demoCompletion.ts): the graduate's own records and surveys, the
      // coordinator's hand-off JSON (full NIKs) and tracer report, the LSP's pull API.
      '/me/completion-records': 'graduate',
      '/tracer/surveys': 'graduate',
      '/completion-records/{id}': 'graduate',
      '/handoff-batches/{id}': 'coordinator',
      '/tracer/report': 'coordinator',
      '/lsp/batches': 'lsp',
      '/lsp/batches/{id}': 'lsp',
    };
    const ids: Record<string, string> = { jobId: enrolmentJob.body.id };
    const document = server.api.openapiDocument() as OpenApiDocument;
    const paths = Object.keys(document.paths).filter((path) => document.paths[path]?.get);
    const failures: string[] = [];
    for (const path of paths) {
      const given =
        path === '/units/imports/{id}'
          ? { ...ids, id: unitJob }
          : path === '/questions/{id}'
            ? { ...ids, id: question.body.id }
            : path === '/exports/{id}'
              ? { ...ids, id: String(exportJob._id) }
              : path === '/cohorts/{id}/completion'
                ? { ...ids, id: String(demo.finishedCohort._id) } // the finished cohort, with its graduates
                : ids;
      const url = `${apiBasePath}${demo.fill(path, given)}`;
      const token = tokens[reader[path] ?? 'admin'];
      try {
        const response = await supertest(server.app).get(url).set('Authorization', `Bearer ${token}`);
        if (response.status !== 200) failures.push(`GET ${url} (${path}) -> ${response.status} ${response.text.slice(0, 200)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    expect(paths).to.include.members(['/catalogue', '/catalogue/{id}', '/cohorts/{id}', '/learning', '/units', '/me']);
    if (failures.length) expect.fail(`${failures.length} GET endpoints did not answer as declared:\n${failures.join('\n')}`);
  });

  it('fails the request whose answer the document does not declare, naming what differs', async () => {
    const app = express();
    app.get(`${apiBasePath}/things`, (_req, res) => {
      res.json({ items: [], hasMore: false, total: 0 });
    });
    app.get(`${apiBasePath}/gone`, (_req, res) => {
      res.status(410).json({ gone: true });
    });
    const declared = (schema: Record<string, unknown>) => ({ '200': { content: { 'application/json': { schema } } } });
    checkApiResponses(app, () => ({
      paths: {
        '/things': {
          get: {
            responses: declared({
              type: 'object',
              properties: { programs: { type: 'array' }, total: { type: 'number' } },
              required: ['programs', 'total'],
              additionalProperties: false,
            }),
          },
        },
        '/gone': { get: { responses: declared({ type: 'object' }) } },
      },
    }));
    const failure = async (path: string) => {
      try {
        await supertest(app).get(`${apiBasePath}${path}`);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no failure';
    };
    const things = await failure('/things');
    expect(things).to.contain('GET /api/v1/things (declared as /things) answered 200 with a body the document does not declare');
    expect(things).to.contain("body must have required property 'programs'");
    expect(things).to.contain('body must NOT have additional properties (items)');
    expect(await failure('/gone')).to.contain('answered 410, a status the document does not declare');
    // Addresses the document does not describe are not checked.
    expect((await supertest(app).get(`${apiBasePath}/elsewhere`)).status).to.equal(404);
  });
});
