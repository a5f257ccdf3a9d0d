import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { projectRoot } from '../../src/platform/paths.js';
import { CompetencyUnit } from '../../src/units/model.js';
import { buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { testDatabaseUri, useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { codeOf, unitRows, unitsCsv } from './fixtures.js';

type Agent = Awaited<ReturnType<typeof loggedInAgent>>;

/** Uploads a file on the import page and follows the progress page until the job ends. */
async function importThroughPage(agent: Agent, fileName: string, content: string) {
  const token = await csrfTokenOf(agent, '/units/import');
  const started = await agent
    .post(`/units/import?_csrf=${encodeURIComponent(token)}`)
    .attach('file', Buffer.from(content), fileName);
  expect(started.status, started.text.slice(0, 300)).to.equal(303);
  const jobUrl = String(started.headers.location);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const page = await agent.get(jobUrl);
    if (!page.text.includes('http-equiv="refresh"')) return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the import did not finish');
}

describe('competency unit pages', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let coordinator: Agent;
  let instructor: Agent;
  let trainee: Agent;
  before(async () => {
    app = buildTestApp();
    await makeSector('ict');
    await makeSector('tourism');
    const institution = (await makeInstitution()).id;
    const accounts = await Promise.all([
      makeUser('coordinator', institution, { email: 'koordinator-unit@example.test' }),
      makeUser('instructor', institution),
      makeUser('trainee', institution),
    ]);
    const [coordinatorAccount, instructorAccount, traineeAccount] = accounts;
    coordinator = await loggedInAgent(app, coordinatorAccount.email, coordinatorAccount.password);
    instructor = await loggedInAgent(app, instructorAccount.email, instructorAccount.password);
    trainee = await loggedInAgent(app, traineeAccount.email, traineeAccount.password);
  });

  it('imports a CSV from the page, with a progress page and a line-numbered report', async () => {
    const csv = unitsCsv([
      ...unitRows(codeOf(1), 'Menggunakan Struktur Data'),
      { code: 'SALAH', title_id: 'Kode salah' },
      ...unitRows(codeOf(2), 'Membuat Basis Data'),
    ]);
    const report = await importThroughPage(coordinator, 'unit.csv', csv);
    expect(report.text).to.contain('Impor selesai.');
    expect(report.text).to.match(/<strong data-field="created">2<\/strong>/);
    expect(report.text).to.match(/<strong data-field="rejected">1<\/strong>/);
    expect(report.text).to.contain('<td>6</td><td><code>code</code>: Kode unit tidak sesuai bentuk SKKNI');

    const again = await importThroughPage(coordinator, 'unit.csv', csv);
    expect(again.text).to.match(/<strong data-field="unchanged">2<\/strong>/);
    expect(await CompetencyUnit.countDocuments()).to.equal(2);
  });

  it('refuses an import file of another kind, and a page without a file', async () => {
    const token = await csrfTokenOf(coordinator, '/units/import');
    const wrong = await coordinator
      .post(`/units/import?_csrf=${encodeURIComponent(token)}`)
      .attach('file', Buffer.from('x'), 'unit.xlsx');
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.contain('Pilih berkas .csv atau .json.');
    const none = await coordinator.post(`/units/import?_csrf=${encodeURIComponent(token)}`).field('note', 'kosong');
    expect(none.status).to.equal(422);
    expect(none.text).to.contain('Pilih berkas untuk diimpor.');
  });

  it('finds units by words (the last one as a prefix), by code prefix and by sector', async () => {
    const byWords = await coordinator.get('/units?q=struktur%20dat');
    expect(byWords.text).to.contain('Menggunakan Struktur Data');
    expect(byWords.text).not.to.contain('Membuat Basis Data');
    const byCode = await coordinator.get(`/units?code=${encodeURIComponent(codeOf(2).slice(0, 12))}`);
    expect(byCode.text).to.contain('Membuat Basis Data');
    expect(byCode.text).not.to.contain('Menggunakan Struktur Data');
    expect((await coordinator.get('/units?sector=tourism')).text).to.contain('Tidak ada unit yang cocok');
    const api = await coordinator.get('/api/v1/units?q=basis');
    expect(api.body.items.map((unit: { code: string }) => unit.code)).to.deep.equal([codeOf(2)]);
  });

  it('lets an instructor propose a unit that trainees cannot see until a coordinator approves it', async () => {
    const proposed = await submitForm(instructor, '/units', {
      code: 'tik.pr02.001.01',
      titleId: 'Mengoperasikan Pengolah Kata',
      titleEn: 'Operate word processing software',
      sector: 'ict',
      elementsText:
        '1. Menyiapkan dokumen\n1.1 Dokumen baru dibuat.\n1.2 Dokumen disimpan\ndengan nama yang jelas.\n2. Mencetak dokumen\n2.1 Dokumen dicetak.',
      knowledge: 'Menu pengolah kata\nFormat berkas',
    });
    expect(proposed.status).to.equal(303);
    const unit = await CompetencyUnit.findOne({ code: 'TIK.PR02.001.01' }).lean();
    expect(unit?.status).to.equal('proposed');
    expect(unit?.elements[0]?.criteria[1]?.text).to.equal('Dokumen disimpan dengan nama yang jelas.');
    expect(unit?.assessmentGuidance?.knowledge).to.deep.equal(['Menu pengolah kata', 'Format berkas']);

    expect((await trainee.get('/units/TIK.PR02.001.01')).status).to.equal(404);
    expect((await trainee.get('/units?q=pengolah')).text).not.to.contain('Mengoperasikan Pengolah Kata');
    expect((await submitForm(instructor, '/units/TIK.PR02.001.01/approve', {})).status).to.equal(403);
    expect((await submitForm(coordinator, '/units/TIK.PR02.001.01/approve', {})).status).to.equal(303);
    const page = await trainee.get('/units/TIK.PR02.001.01');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Dokumen disimpan dengan nama yang jelas.');
  });

  it("keeps approved units out of an instructor's reach, and shows form errors beside their fields", async () => {
    const edit = await submitForm(instructor, `/units/${codeOf(1)}`, { titleId: 'Diubah Instruktur', elementsText: '' });
    expect(edit.status).to.equal(409);
    expect(edit.text).to.contain('hanya koordinator atau admin yang dapat mengubahnya');
    const bad = await submitForm(coordinator, '/units', {
      code: 'X.1',
      titleId: 'Ab',
      elementsText: '1. Elemen\n1.2 Salah nomor',
    });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('Kode unit tidak sesuai bentuk SKKNI');
    expect(bad.text).to.contain('Kriteria harus bernomor urut');
    expect(bad.text).to.contain('1.2 Salah nomor</textarea>');
    const taken = await submitForm(coordinator, '/units', { code: codeOf(1), titleId: 'Sudah ada' });
    expect(taken.status).to.equal(409);
  });

  it('exports CSV and JSON that import back to the same units', async () => {
    const csv = await coordinator
      .get('/units/export.csv')
      .buffer(true)
      .parse((response, callback) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => callback(null, text));
      });
    expect(csv.headers['content-disposition']).to.match(/^attachment; filename="?kompeten-units-\d{4}-\d{2}-\d{2}\.csv"?$/);
    const json = await coordinator.get('/units/export.json');
    const units = JSON.parse(json.text);
    expect(units.map((unit: { code: string }) => unit.code)).to.include(codeOf(1));
    const before = await CompetencyUnit.find({}, { _id: 0, createdAt: 0, updatedAt: 0 }).sort({ code: 1 }).lean();
    await CompetencyUnit.deleteMany({});
    await importThroughPage(coordinator, 'kembali.csv', String(csv.body));
    const after = await CompetencyUnit.find({}, { _id: 0, createdAt: 0, updatedAt: 0, approvedAt: 0 }).sort({ code: 1 }).lean();
    expect(
      after.map((unit) => ({ code: unit.code, title: unit.title, elements: unit.elements, guidance: unit.assessmentGuidance })),
    ).to.deep.equal(
      before.map((unit) => ({ code: unit.code, title: unit.title, elements: unit.elements, guidance: unit.assessmentGuidance })),
    );
  });

  it('imports from the command line with a progress bar and the bad lines listed', async function () {
    this.timeout(60_000);
    const folder = await mkdtemp(path.join(os.tmpdir(), 'kompeten-cli-'));
    const file = path.join(folder, 'unit.csv');
    await writeFile(file, unitsCsv([...unitRows(codeOf(50)), { code: 'J.620100.051.01', title_id: '' }]));
    const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/units/importCli.ts', file, '--as', 'koordinator-unit@example.test'],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            MONGODB_URI: testDatabaseUri(mongoose.connection.name),
            SESSION_SECRET: 'x'.repeat(40),
            LOG_LEVEL: 'silent',
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    await rm(folder, { recursive: true, force: true });
    expect(output.stderr).to.match(/\[#+\] 100% 1\/1 units/);
    expect(output.stdout).to.contain('line 6: title_id: Required.');
    expect(output.stdout).to.match(/1 created, 0 updated, 0 unchanged, 1 rejected/);
    expect(output.code).to.equal(1); // bad lines make the exit code say so
    expect(await CompetencyUnit.exists({ code: codeOf(50) })).not.to.equal(null);
  });

  it('reports as many rejected units above the list as the figures count, a unit with two bad lines once', async () => {
    const csv = unitsCsv([
      { code: codeOf(60), title_id: 'Judul', element_no: 1, element_title: 'E', criterion_no: '1.1', criterion_text: 'K' }, // line 2
      { code: codeOf(60), title_id: 'Judul lain', element_no: 1, criterion_no: '1.2', criterion_text: 'K2' }, // line 3: conflicting title
      { code: codeOf(60), title_id: 'Judul ketiga', element_no: 1, criterion_no: '1.3', criterion_text: 'K3' }, // line 4: conflicting title
      { code: '', title_id: 'Tanpa kode' }, // line 5
      ...unitRows(codeOf(61), 'Unit yang baik'),
    ]);
    const report = await importThroughPage(coordinator, 'dua-masalah.csv', csv);
    expect(report.text).to.match(/<strong data-field="rejected">2<\/strong>/);
    expect(report.text).to.contain('Unit yang ditolak (2)');
    expect(report.text.match(/<tr><td>\d+<\/td>/g)).to.deep.equal(['<tr><td>3</td>', '<tr><td>4</td>', '<tr><td>5</td>']);
  });

  it('refuses a JSON file that holds no units on the upload form, without a job that reports "0 rejected"', async () => {
    const token = await csrfTokenOf(coordinator, '/units/import');
    const refused = await coordinator
      .post(`/units/import?_csrf=${encodeURIComponent(token)}`)
      .attach('file', Buffer.from('{"nama": "bukan daftar unit"}'), 'unit.json');
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('Berkas JSON harus berisi daftar (array) unit, atau skema beserta unitnya');
  });

  it('imports the SKKNI scheme file from the page', async () => {
    const file = await readFile(new URL('./fixtures/skkni-junior-web-programmer.json', import.meta.url), 'utf8');
    const report = await importThroughPage(coordinator, 'skkni-junior-web-programmer.json', file);
    expect(report.text).to.match(/<strong data-field="created">8<\/strong>/);
    expect(report.text).to.match(/<strong data-field="rejected">0<\/strong>/);
    expect(report.text).to.contain('Semua unit diimpor tanpa masalah.');
    const codes = (JSON.parse(file) as { scheme: { units: { code: string }[] } }).scheme.units.map((unit) => unit.code);
    expect(await CompetencyUnit.countDocuments({ code: { $in: codes } })).to.equal(8);
  });
});
