import { expect } from 'chai';
import supertest from 'supertest';
import { Observation } from '../../src/assessments/observations/model.js';
import { issueLspToken } from '../../src/certification/delivery/credentials.js';
import { CertificationProfile, HandoffBatch, Lsp } from '../../src/certification/model.js';
import { nikProblem } from '../../src/certification/nik.js';
import { CertificationResult } from '../../src/certification/results/model.js';
import { Cohort } from '../../src/cohorts/model.js';
import { CompletionRecord } from '../../src/completion/model.js';
import { formatCode } from '../../src/completion/records.js';
import { LiveSession } from '../../src/live/model.js';
import { apiBasePath } from '../../src/platform/api.js';
import { demoPassword, seedDemo } from '../../src/seed/demo.js';
import { demoFinishedCohortName } from '../../src/seed/demoCompletion.js';
import { TracerSurvey } from '../../src/tracer/model.js';
import { yearOf } from '../../src/tracer/schedule.js';
import { User } from '../../src/users/model.js';
import { buildTestServer, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';

/** The page's text as a reader sees it: tags dropped, entities a reader sees as characters, spaces collapsed. */
const visibleText = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

async function counts() {
  return {
    cohorts: await Cohort.countDocuments(),
    records: await CompletionRecord.countDocuments(),
    lsps: await Lsp.countDocuments(),
    profiles: await CertificationProfile.countDocuments(),
    batches: await HandoffBatch.countDocuments(),
    results: await CertificationResult.countDocuments(),
    surveys: await TracerSurvey.countDocuments(),
    liveSessions: await LiveSession.countDocuments(),
    observations: await Observation.countDocuments(),
  };
}

describe('demo completion, certification hand-off and employment tracer (issue 12)', () => {
  useTestDatabase(import.meta.url);
  const { app } = buildTestServer();
  const as = (email: string) => loggedInAgent(app, email, demoPassword);
  const page = async (email: string, path: string) => {
    const response = await (await as(email)).get(path);
    expect(response.status, path).to.equal(200);
    return visibleText(response.text);
  };
  const coordinator = 'koordinator@kompeten.test';
  let cohortId = '';
  let batchId = '';
  let lspId = '';

  before(async function () {
    this.timeout(120_000);
    await seedDemo();
    cohortId = String((await Cohort.findOne({ name: demoFinishedCohortName }).lean())?._id);
    batchId = String((await HandoffBatch.findOne({ status: 'handed' }).lean())?._id);
    lspId = String((await Lsp.findOne({ licenceNumber: 'BNSP-LSP-2093-ID' }).lean())?._id);
  });

  it('shows a finished cohort whose four graduates have records: one completed by hand, one revoked and reissued', async () => {
    const cohort = await page(coordinator, `/cohorts/${cohortId}`);
    expect(cohort).to.include('JWP Dasar angkatan 0 Selesai').and.include('4 Selesai');
    const completion = await page(coordinator, `/cohorts/${cohortId}/completion`);
    expect(completion).to.include('Catatan kelulusan (5)');
    for (const name of ['Nur Aini', 'Yohanes Kambu', 'Komang Sari', 'Agus Salim']) expect(completion).to.include(name);
    expect(completion).to.match(/Agus Salim \S+ \d+ \w+ \d{4} dicatat dengan alasan berlaku/);
    expect(completion).to.match(/Komang Sari \S+ \d+ \w+ \d{4} dicabut/);
    const agus = await User.findOne({ email: 'peserta9@kompeten.test' }).lean();
    const byHand = await CompletionRecord.findOne({ trainee: agus?._id }).lean();
    const record = await page(coordinator, `/completion-records/${byHand?._id}`);
    expect(record)
      .to.include('dicatat dengan alasan')
      .and.include('diases di tempat kerja selama pemagangan')
      .and.include('J.620100.025.02 Melakukan Debugging belum dinilai');
    // The live classes it held count in the records: every graduate above the 80% rule.
    expect(record).to.include('Kehadiran kelas langsung 93% (450 dari 480 menit; hadir di 4 dari 4 kelas)');
  });

  it('hands two graduates to the LSP, shows its results, and names who has not given certification data', async () => {
    const batch = await page(coordinator, `/certification/batches/${batchId}`);
    expect(batch).to.include('Diserahkan').and.include('2 peserta');
    expect(batch).to.include('3216005403010007 (P) Bekasi,').and.include('9171000211990012 (L) Jayapura,');
    expect(batch).to.match(/Nur Aini Kompeten \(bersertifikat\).*Nomor sertifikat 62010 2416 3 0000731 \d{4}/);
    expect(batch).to.match(/Yohanes Kambu Belum kompeten.*J\.620100\.016\.01.*Dikembalikan ke pelatihan oleh Siti Rahmawati/);
    const candidates = await page(coordinator, `/certification/batches/new?target=${lspId}:SKM-JWP-2024&cohort=${cohortId}`);
    expect(candidates)
      .to.include('Komang Sari: belum mengajukan sertifikasi')
      .and.include('Agus Salim: belum mengajukan sertifikasi');
    expect(candidates).to.include('Nur Aini: sudah ada di batch lain');
    // The NIKs are fictitious (district 00 exists nowhere) yet pass the request form's checks.
    for (const profile of await CertificationProfile.find().lean()) {
      expect(profile.nik.slice(4, 6)).to.equal('00');
      expect(nikProblem(profile.nik, profile.dateOfBirth)).to.equal(null);
    }
  });

  it('lets the LSP pull its batch with a token issued on its credentials page', async () => {
    const admin = await User.findOne({ email: 'admin@kompeten.test' }).lean();
    const token = await issueLspToken({ id: String(admin?._id), role: 'admin', institution: null }, lspId);
    const batches = await supertest(app).get(`${apiBasePath}/lsp/batches`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(batches.body).to.have.length(1);
    expect(batches.body[0]).to.include({ id: batchId, items: 2, results: 2 });
    const payload = await supertest(app).get(`${apiBasePath}/lsp/batches/${batchId}`).set('Authorization', `Bearer ${token}`);
    expect(payload.status).to.equal(200);
    expect(JSON.stringify(payload.body)).to.include('Nur Aini').and.include('Yohanes Kambu').and.not.include('Komang Sari');
  });

  it('reports the three-month survey and lists the two graduates who have not answered it', async () => {
    // The year the graduates completed in (the report's default is this year: early in a year, that is the last).
    const approved = await CompletionRecord.findOne({ cohort: cohortId, status: 'approved' }).lean();
    const report = await page(coordinator, `/tracer/report?year=${yearOf(approved!.approvedAt)}`);
    expect(report).to.include('JWP Dasar angkatan 0 Junior Web Programmer: Dasar 3 bln 4 2 50 % 1 1 0 0');
    const reminders = await page(coordinator, '/tracer/reminders');
    expect(reminders).to.include('Perlu diingatkan (2)').and.include('Yohanes Kambu').and.include('Agus Salim');
    expect(reminders).not.to.include('Nur Aini');
  });

  it('gives the graduate her record, her certificate, her LSP result and her answered survey', async () => {
    const graduate = 'peserta6@kompeten.test';
    expect(await page(graduate, '/completion')).to.include('Junior Web Programmer: Dasar berlaku JWP Dasar angkatan 0');
    const record = await CompletionRecord.findOne({ 'content.trainee.name': 'Nur Aini' }).lean();
    const pdf = await (await as(graduate)).get(`/certificates/${record?._id}.pdf`);
    expect(pdf.status).to.equal(200);
    expect(pdf.headers['content-type']).to.match(/application\/pdf/);
    const certification = await page(graduate, '/certification');
    expect(certification).to.include('Kompeten (bersertifikat)').and.include('Berlaku sampai');
    expect(await page(graduate, '/tracer')).to.match(/Survei 3 bulan .* Sudah dijawab/);
    // The graduate who has not answered is reminded on his dashboard.
    expect(await page('peserta7@kompeten.test', '/dashboard')).to.include(
      'Pengingat: survei 3 bulan setelah pelatihan Junior Web Programmer: Dasar belum Anda jawab.',
    );
  });

  it('verifies the standing code and says the revoked one was revoked, with its reason', async () => {
    const komang = await User.findOne({ email: 'peserta8@kompeten.test' }).lean();
    const records = await CompletionRecord.find({ trainee: komang?._id }).lean();
    const revoked = records.find((record) => record.status === 'revoked');
    const reissued = records.find((record) => record.status === 'approved');
    const valid = visibleText((await supertest(app).get(`/verify/${formatCode(reissued!.code)}`)).text);
    expect(valid).to.include('Sertifikat sah').and.include('Komang Sari');
    const gone = visibleText((await supertest(app).get(`/verify/${formatCode(revoked!.code)}`)).text);
    expect(gone).to.include('Sertifikat dicabut').and.include('salah ketik ("contho")');
  });

  it('adds nothing on a second run', async function () {
    this.timeout(60_000);
    const before = await counts();
    expect(before).to.deep.include({ lsps: 1, profiles: 2, batches: 1, results: 2, surveys: 8 });
    const { created } = await seedDemo();
    expect(created).to.equal(0);
    expect(await counts()).to.deep.equal(before);
  });
});
