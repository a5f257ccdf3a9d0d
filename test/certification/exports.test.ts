import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import supertest from 'supertest';
import yauzl from 'yauzl';
import { recordEvidence } from '../../src/assessments/results/record.js';
import { createBatch } from '../../src/certification/batches.js';
import { bnspColumns } from '../../src/certification/exports/assesseeSheet.js';
import { batchPayload } from '../../src/certification/handoffJson.js';
import type { RecordView } from '../../src/completion/records.js';
import { approveCompletion } from '../../src/completion/service.js';
import { unitRef } from '../../src/units/refs.js';
import { forgetContact } from '../../src/users/directory.js';
import { User } from '../../src/users/model.js';
import { binary } from '../files/samples.js';
import { type Agent, buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { completionCohort, completionUnits, giveVerdicts } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { askForCertification, makeAdmin, makeLsp, person, photoJpeg } from './handoffFixtures.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;
const sneakyName = '=HYPERLINK("http://example.test","klik")';

const download = async (agent: Agent, path: string) => {
  const response = await agent.get(path).buffer(true).parse(binary);
  return {
    status: response.status,
    type: String(response.headers['content-type']),
    body: response.body as Buffer,
    headers: response.headers,
  };
};

const pdfText = (pdf: Buffer) => {
  const run = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf });
  if (run.status !== 0) throw new Error(`pdftotext failed: ${run.stderr}`);
  return run.stdout.toString('utf8');
};

describe('certification: exports of a handed batch', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let setup: Awaited<ReturnType<typeof completionCohort>>;
  let records: RecordView[];
  let coordinator: Agent;
  let batchId: string;
  let lsp: Awaited<ReturnType<typeof makeLsp>>;

  before(async () => {
    app = buildTestApp();
    setup = await completionCohort({ trainees: 2 });
    // The second trainee's name is typed as a formula, as a spreadsheet would run it.
    await User.updateOne({ _id: setup.trainees[1]!.id }, { $set: { name: sneakyName } });
    // Written behind the users service's back: the name cache (filled by the activity log's follower) forgets it.
    forgetContact(setup.trainees[1]!.id);
    // Evidence behind the first trainee's first unit: an assignment that showed criterion 1.1.
    const unit = completionUnits[0].code;
    await recordEvidence({
      cohort: setup.cohort,
      trainee: setup.trainees[0]!.id,
      unit,
      source: 'assignment',
      id: 'tugas-1',
      title: 'Tugas praktik struktur data',
      criteria: [{ ref: unitRef(unit, '1.1'), met: true }],
      by: setup.instructor.id,
      at: new Date('2026-02-10T03:00:00Z'),
    });
    records = [];
    for (const trainee of setup.trainees) {
      await giveVerdicts(setup, trainee.id);
      records.push(await approveCompletion(setup.coordinator.actor, trainee.enrollment));
    }
    const admin = await makeAdmin();
    lsp = await makeLsp(admin.actor, { name: 'LSP Digital', licence: 'BNSP-LSP-0042-ID' });
    const photo = await photoJpeg();
    for (const [index, trainee] of setup.trainees.entries()) {
      const agent = await loggedInAgent(app, trainee.email, trainee.password);
      expect((await askForCertification(agent, { ...[person.man, person.woman][index] }, photo)).status).to.equal(303);
    }
    batchId = await createBatch(setup.coordinator.actor, {
      lsp: lsp.id,
      scheme: 'JWP',
      records: records.map((record) => record.id),
      requestKey: randomBytes(16).toString('hex'),
    });
    coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    expect((await submitForm(coordinator, `/certification/batches/${batchId}/hand-over`, {})).status).to.equal(303);
  });

  it('the assessee spreadsheet: BNSP’s columns, NIK as text, K/BK per unit, formulas kept as text', async () => {
    const file = await download(coordinator, `/certification/batches/${batchId}/assessees.xlsx`);
    expect(file.status).to.equal(200);
    expect(file.type).to.include('spreadsheetml');
    expect(String(file.headers['cache-control'])).to.include('no-store');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Daftar Asesi')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).to.deep.equal([...bnspColumns, 'SKEMA', 'J.620100.004.02', 'J.620100.009.01']);
    const column = (name: string) => header.indexOf(name) + 1;

    const first = sheet.getRow(2);
    expect(first.getCell(column('NO')).value).to.equal(1);
    expect(first.getCell(column('NAMA ASESI')).value).to.equal('Peserta Uji 1');
    const nik = first.getCell(column('NIK'));
    expect(nik.type).to.equal(ExcelJS.ValueType.String);
    expect(nik.value).to.equal(person.man.nik);
    expect(nik.numFmt).to.equal('@');
    expect(first.getCell(column('TEMPAT LAHIR')).value).to.equal('Bandung');
    expect(first.getCell(column('TANGGAL LAHIR (hh/bb/yyyy)')).value).to.equal('01/01/1990');
    expect(first.getCell(column('JENIS KELAMIN')).value).to.equal('L');
    expect(first.getCell(column('EMAIL')).value).to.equal(setup.trainees[0]!.email);
    expect(first.getCell(column('SKEMA')).value).to.equal('JWP Junior Web Programmer');
    expect(first.getCell(column('J.620100.004.02')).value).to.equal('K');
    expect(first.getCell(column('J.620100.009.01')).value).to.equal('K');
    // What the LSP fills in itself is left empty for it.
    for (const left of ['TEMPAT TINGGAL', 'KODE PROVINSI', 'KODE JADWAL', 'NOMOR REGISTRASI ASESOR', 'K/BK']) {
      expect(first.getCell(column(left)).value ?? null, left).to.equal(null);
    }

    const second = sheet.getRow(3);
    const name = second.getCell(column('NAMA ASESI'));
    expect(name.type).to.equal(ExcelJS.ValueType.String);
    expect(name.value).to.equal(`'${sneakyName}`);
    expect(second.getCell(column('NIK')).value).to.equal(person.woman.nik);
    expect(second.getCell(column('TANGGAL LAHIR (hh/bb/yyyy)')).value).to.equal('12/03/1995');
    expect(second.getCell(column('JENIS KELAMIN')).value).to.equal('P');
    expect(sheet.rowCount).to.equal(3);

    const units = workbook.getWorksheet('Unit')!;
    expect((units.getRow(2).values as unknown[]).slice(1)).to.deep.equal(['J.620100.004.02', 'Menggunakan Struktur Data', '']);
    const about = workbook.getWorksheet('Keterangan')!;
    expect(about.getRow(1).getCell(2).value).to.equal(batchId);
    expect(about.getRow(4).getCell(2).value).to.equal('BNSP-LSP-0042-ID');
  });

  it('the JSON: valid against the published JSON Schema, field by field, the same as the webhook’s', async () => {
    const schemaResponse = await supertest(app).get('/api/v1/schemas/handoff-batch-1.json');
    expect(schemaResponse.status).to.equal(200);
    expect(schemaResponse.body.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    const validate = addFormats(new Ajv2020({ allErrors: true, strict: false })).compile(schemaResponse.body);

    const file = await download(coordinator, `/certification/batches/${batchId}/handoff.json`);
    expect(file.status).to.equal(200);
    const payload = JSON.parse(file.body.toString('utf8'));
    expect(validate(payload), JSON.stringify(validate.errors)).to.equal(true);
    // A payload with a NIK of 15 digits does not pass: the schema checks what it says.
    expect(validate({ ...payload, assessees: [{ ...payload.assessees[0], nik: '320101010190000' }] })).to.equal(false);

    expect(payload).to.deep.include({ schema: 'handoff-batch-1', id: batchId });
    expect(payload.lsp).to.deep.equal({ id: lsp.id, name: 'LSP Digital', licenceNumber: 'BNSP-LSP-0042-ID' });
    expect(payload.institution.id).to.equal(setup.institution);
    expect(payload.scheme).to.deep.equal({
      code: 'JWP',
      name: 'Junior Web Programmer',
      units: [
        { code: 'J.620100.004.02', title: { id: 'Menggunakan Struktur Data', en: '' } },
        { code: 'J.620100.009.01', title: { id: 'Menggunakan Spesifikasi Program', en: '' } },
      ],
    });
    const [man, woman] = payload.assessees;
    expect(man.record).to.deep.equal({
      id: records[0]!.id,
      code: records[0]!.code,
      hash: records[0]!.hash,
      approvedAt: records[0]!.content.approvedAt,
    });
    expect(man).to.deep.include({ name: 'Peserta Uji 1', email: setup.trainees[0]!.email, nik: person.man.nik, sex: 'L' });
    expect(man).to.deep.include({ placeOfBirth: 'Bandung', dateOfBirth: '1990-01-01' });
    expect(man.consent.textVersion).to.equal('v1');
    expect(man.photo.mimeType).to.equal('image/jpeg');
    expect(Buffer.from(man.photo.data, 'base64').subarray(0, 3)).to.deep.equal(Buffer.from([0xff, 0xd8, 0xff]));
    expect(man.units.map((unit: { code: string; verdict: string }) => [unit.code, unit.verdict])).to.deep.equal([
      ['J.620100.004.02', 'K'],
      ['J.620100.009.01', 'K'],
    ]);
    expect(man.units[0].assessor).to.equal('Instruktur Uji');
    expect(woman).to.deep.include({ name: sneakyName, nik: person.woman.nik, sex: 'P', dateOfBirth: '1995-03-12' });
    expect(man.program).to.deep.include({ title: 'Junior Web Programmer', version: 1 });
    expect(man.cohort.id).to.equal(setup.cohort);

    // The webhook's body (certification/delivery) and the API say exactly the same.
    expect(JSON.parse(JSON.stringify(await batchPayload(batchId)))).to.deep.equal(payload);
    const viaApi = await coordinator.get(`/api/v1/handoff-batches/${batchId}`);
    expect(viaApi.status).to.equal(200);
    expect(viaApi.body).to.deep.equal(payload);
  });

  it('the pre-filled APL-02: units, elements, criteria, verdicts and the evidence behind them', async () => {
    const file = await download(coordinator, `/certification/batches/${batchId}/apl02/${records[0]!.id}`);
    expect(file.status).to.equal(200);
    expect(file.type).to.include('application/pdf');
    const text = pdfText(file.body).replace(/[ \t]+/g, ' ');
    expect(text).to.include('FR.APL.02. ASESMEN MANDIRI');
    expect(text).to.include('Skema Sertifikasi: JWP Junior Web Programmer');
    expect(text).to.include('Nama Asesi: Peserta Uji 1');
    expect(text).to.include('LSP: LSP Digital (BNSP-LSP-0042-ID)');
    expect(text).to.include('Unit Kompetensi: J.620100.004.02');
    expect(text).to.include('Menggunakan Struktur Data');
    expect(text).to.include('Unit Kompetensi: J.620100.009.01');
    expect(text).to.include('Elemen 1: Elemen pertama');
    expect(text).to.include('1.1 Kriteria pertama dipenuhi');
    expect(text).to.match(/Keputusan pelatihan: K, \d{4}-\d{2}-\d{2}, asesor Instruktur Uji/);
    expect(text).to.include('[X] K [ ] BK');
    expect(text).to.include('Bukti: Tugas praktik struktur data (2026-02-10): memenuhi');
    // The second trainee's form has no such evidence.
    const other = await download(coordinator, `/certification/batches/${batchId}/apl02/${records[1]!.id}`);
    expect(pdfText(other.body)).not.to.include('Tugas praktik struktur data');

    const zip = await download(coordinator, `/certification/batches/${batchId}/apl02.zip`);
    expect(zip.status).to.equal(200);
    const names = await new Promise<string[]>((resolve, reject) =>
      yauzl.fromBuffer(zip.body, { lazyEntries: false }, (error, archive) => {
        if (error || !archive) return reject(error);
        const found: string[] = [];
        archive.on('entry', (entry: yauzl.Entry) => found.push(entry.fileName));
        archive.on('end', () => resolve(found));
      }),
    );
    expect(names).to.have.length(2);
    expect(names[0]).to.equal(`APL-02_${records[0]!.code}_Peserta-Uji-1.pdf`);
  });

  it('gives the files only to the batch’s coordinators', async () => {
    const admin = await makeAdmin();
    const adminAgent = await loggedInAgent(app, admin.email, admin.password);
    for (const path of ['assessees.xlsx', 'handoff.json', 'apl02.zip']) {
      expect((await adminAgent.get(`/certification/batches/${batchId}/${path}`)).status, path).to.equal(403);
    }
    const stranger = (await completionCohort({ trainees: 0 })).coordinator;
    const strangerAgent = await loggedInAgent(app, stranger.email, stranger.password);
    expect((await strangerAgent.get(`/certification/batches/${batchId}/handoff.json`)).status).to.equal(403);
    expect((await strangerAgent.get(`/api/v1/handoff-batches/${batchId}`)).status).to.equal(403);
  });
});
