import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type supertest from 'supertest';
import { createExportWorker } from '../../src/exports/worker.js';
import { LocalDiskStorage } from '../../src/files/storage.js';
import { type DomainEvents, follow, unfollow } from '../../src/platform/events.js';
import { exportLinks } from '../../src/platform/exports/index.js';
import { buildTestServer, csrfTokenOf, loggedInAgent, submitForm, visibleText } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { defineTestTable, testRow } from './tables.js';

const csvRows = (text: string) => parse(text.replace(/^\uFEFF/, '')) as string[][];
const binary = (response: supertest.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
};
const uploadDir = () => process.env.TEST_UPLOAD_DIR!;
/** Waits (briefly) until `check` holds: a download's event follows the last byte the client got. */
async function eventually(check: () => boolean) {
  for (let waited = 0; !check() && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}
/** A script's POST to the API with the session cookie: it sends the page's CSRF token. */
const postApi = async (agent: supertest.Agent, path: string, body: object) =>
  agent
    .post(path)
    .set('x-csrf-token', await csrfTokenOf(agent))
    .send(body);

describe('exports: downloads and background jobs over HTTP', () => {
  useTestDatabase(import.meta.url);
  const server = buildTestServer();
  const { app } = server;
  let unregister: () => void;
  let institution: string;
  let other: string;
  let coordinator: Awaited<ReturnType<typeof loggedInAgent>>;
  let coordinatorId: string;
  let colleague: Awaited<ReturnType<typeof loggedInAgent>>;
  let outsider: Awaited<ReturnType<typeof loggedInAgent>>;
  let admin: Awaited<ReturnType<typeof loggedInAgent>>;
  const made: DomainEvents['export.made'][] = [];
  const worker = () =>
    createExportWorker({ storage: new LocalDiskStorage(uploadDir()), temporaryFolder: path.join(uploadDir(), '.tmp') });

  before(async () => {
    unregister = defineTestTable();
    follow('exports-test', { 'export.made': (event) => void made.push(event) });
    institution = (await makeInstitution()).id;
    other = (await makeInstitution()).id;
    const users = await Promise.all([
      makeUser('coordinator', institution),
      makeUser('coordinator', institution),
      makeUser('coordinator', other),
      makeUser('admin'),
    ]);
    coordinatorId = users[0].id;
    const agents = await Promise.all(users.map((user) => loggedInAgent(app, user.email, user.password)));
    [coordinator, colleague, outsider, admin] = agents as [
      typeof coordinator,
      typeof coordinator,
      typeof coordinator,
      typeof coordinator,
    ];
  });
  after(() => {
    unregister();
    unfollow('exports-test');
  });
  beforeEach(() => {
    made.length = 0;
  });

  it('streams a short table as CSV, named after its title, and publishes export.made once', async () => {
    const response = await coordinator.get(`/exports/test-people.csv?institution=${institution}&rows=12`).buffer(true);
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.match(/^text\/csv/);
    expect(response.headers['content-disposition']).to.match(/^attachment; filename="?Ekspor-tabel-12-\d{4}-\d{2}-\d{2}\.csv"?$/);
    const rows = csvRows(response.text);
    expect(rows).to.have.length(13);
    expect(rows[0]).to.deep.equal(['Nama', 'Nilai', 'Waktu']);
    expect(rows[1]).to.deep.equal(['Peserta 0 Ñoño “Dwi”', '0', '2025-01-01 08:00']);
    expect(rows[4]![0], 'a formula-looking name stays text').to.equal("'=SUM(A3)");
    await eventually(() => made.length > 0);
    expect(made).to.have.length(1);
    expect(made[0]).to.deep.include({ actor: coordinatorId, institution, what: 'test-people', format: 'csv', rows: 12 });
  });

  it('streams XLSX the same way', async () => {
    const response = await coordinator
      .get(`/exports/test-people.xlsx?institution=${institution}&rows=4`)
      .buffer(true)
      .parse(binary);
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.body as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).to.equal(5);
    expect((sheet.getRow(2).values as unknown[]).slice(1, 3)).to.deep.equal([testRow(0).name, 0]);
    await eventually(() => made.length > 0);
    expect(made.map((event) => [event.format, event.rows])).to.deep.equal([['xlsx', 4]]);
  });

  it('refuses another institution, a bad parameter (400 with the reason) and an unknown table', async () => {
    expect((await outsider.get(`/exports/test-people.csv?institution=${institution}`)).status).to.equal(403);
    const bad = await coordinator.get('/exports/test-people.csv?institution=nope&rows=-1');
    expect(bad.status).to.equal(400);
    expect(visibleText(bad.text)).to.include('Parameter tabel tidak valid');
    const api = await postApi(coordinator, '/api/v1/exports', {
      name: 'test-people',
      format: 'csv',
      params: { institution, rows: 'banyak' },
    });
    expect(api.status).to.equal(400);
    expect(api.headers['content-type']).to.match(/problem\+json/);
    expect(api.body.detail).to.equal('Parameter tabel tidak valid. Periksa alamat unduhan.');
    expect(api.body.errors.map((error: { field: string }) => error.field)).to.deep.equal(['rows']);
    expect((await coordinator.get(`/exports/no-such-table.csv?institution=${institution}`)).status).to.equal(404);
    expect((await coordinator.get(`/exports/test-people.pdf?institution=${institution}`)).status).to.equal(404);
    expect(made).to.have.length(0);
  });

  it('downloads up to 5,000 rows at once; a longer table becomes a background job with its progress page', async () => {
    const direct = await coordinator.get(`/exports/test-people.csv?institution=${institution}&rows=5000`).buffer(true);
    expect(csvRows(direct.text)).to.have.length(5001);
    await eventually(() => made.length > 0);
    made.length = 0;

    const asked = await coordinator.get(`/exports/test-people.csv?institution=${institution}&rows=5001`);
    expect(asked.status).to.equal(200);
    expect(asked.headers['content-type']).to.match(/^text\/html/);
    expect(visibleText(asked.text)).to.include('sekitar 5001 baris');
    expect(asked.text).to.include('action="/exports"');
    expect(made, 'asking is not exporting').to.have.length(0);

    const started = await submitForm(coordinator, '/exports', {
      name: 'test-people',
      format: 'csv',
      params: `institution=${institution}&rows=5001`,
    });
    expect(started.status).to.equal(303);
    const page = started.headers.location as string;
    expect(page).to.match(/^\/exports\/jobs\/[0-9a-f]{24}$/);
    const waiting = await coordinator.get(page);
    expect(visibleText(waiting.text)).to.include('Menunggu giliran');
    expect(waiting.text).to.include('<meta http-equiv="refresh" content="2">');

    expect(await worker().tick()).to.equal(1);
    const done = await coordinator.get(page);
    expect(done.text).not.to.include('http-equiv="refresh"');
    const link = /href="(\/exports\/jobs\/[0-9a-f]{24}\/download)"/.exec(done.text)?.[1];
    expect(link, 'the download link').to.be.a('string');
    const file = await coordinator.get(link!).buffer(true);
    expect(file.status).to.equal(200);
    expect(file.headers['content-disposition']).to.match(/^attachment; filename="?Ekspor-tabel-5001-/);
    const rows = csvRows(file.text);
    expect(rows).to.have.length(5002);
    expect(rows[5001]![1]).to.equal('5000');
    expect(made.map((event) => [event.what, event.format, event.rows, event.institution])).to.deep.equal([
      ['test-people', 'csv', 5001, institution],
    ]);
  });

  it('shows and serves a job only to who asked and to admins; the API reports its progress', async () => {
    const created = await postApi(coordinator, '/api/v1/exports', {
      name: 'test-people',
      format: 'xlsx',
      params: { institution, rows: '7' },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.deep.include({ status: 'queued', rowsDone: 0, rowsTotal: 7, download: null, format: 'xlsx' });
    const id = created.body.id as string;
    await worker().tick();
    const status = await coordinator.get(`/api/v1/exports/${id}`);
    expect(status.body).to.deep.include({ status: 'done', rowsDone: 7, percent: 100, download: `/exports/jobs/${id}/download` });

    for (const [who, agent] of [
      ['a colleague of the same institution', colleague],
      ['a coordinator of another institution', outsider],
    ] as const) {
      expect((await agent.get(`/exports/jobs/${id}`)).status, who).to.equal(404);
      expect((await agent.get(`/exports/jobs/${id}/download`)).status, who).to.equal(404);
      expect((await agent.get(`/api/v1/exports/${id}`)).status, who).to.equal(404);
    }
    expect((await admin.get(`/exports/jobs/${id}`)).status).to.equal(200);
    expect((await admin.get(`/exports/jobs/${id}/download`)).status).to.equal(200);
    expect(made).to.have.length(1);

    const paths = (server.api.openapiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(Object.keys(paths['/exports']!)).to.deep.equal(['post']);
    expect(Object.keys(paths['/exports/{id}']!)).to.deep.equal(['get']);
  });

  it('lets one person have at most 3 exports waiting', async () => {
    const ask = () =>
      postApi(colleague, '/api/v1/exports', { name: 'test-people', format: 'csv', params: { institution, rows: '1' } });
    for (let index = 0; index < 3; index += 1) expect((await ask()).status).to.equal(201);
    const refused = await ask();
    expect(refused.status).to.equal(429);
    while ((await worker().tick()) > 0) {
      // the queue worked off
    }
    expect((await ask()).status).to.equal(201);
  });

  it('gives dashboards the links under a table: direct links, or forms that start a job when the table is long', async () => {
    const render = (locals: Record<string, unknown>) =>
      new Promise<string>((resolve, reject) =>
        app.render(
          'partials/exportLinks',
          {
            t: (key: string, options?: { count?: number }) => `${key}${options?.count ?? ''}`,
            csrfToken: () => 'token',
            ...locals,
          },
          (error, html) => (error ? reject(error) : resolve(html)),
        ),
      );
    const short = await render(exportLinks('test-people', { institution, rows: '3' }, 3));
    expect(short).to.include(`href="/exports/test-people.csv?institution=${institution}&amp;rows=3"`);
    expect(short).to.include(`href="/exports/test-people.xlsx?institution=${institution}&amp;rows=3"`);
    const long = await render(exportLinks('test-people', { institution, rows: '9000' }, 9000));
    expect(long).not.to.include('href="/exports/');
    expect(long.match(/<form method="post" action="\/exports"/g)).to.have.length(2);
    expect(long).to.include(`name="params" value="institution=${institution}&amp;rows=9000"`);
    expect(() => exportLinks('no-such-table')).to.throw(/no-such-table/);
  });
});
