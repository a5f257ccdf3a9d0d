import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createBatch } from '../../src/certification/batches.js';
import { lspInput } from '../../src/certification/lspSchemas.js';
import { createLsp } from '../../src/certification/lsps.js';
import { HandoffBatch, type HandoffBatchDoc } from '../../src/certification/model.js';
import { revokeCompletion } from '../../src/completion/service.js';
import { ValidationError } from '../../src/platform/errors.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { askForCertification, handoffSetup, person, photoJpeg } from './handoffFixtures.js';

const requestKey = () => randomBytes(16).toString('hex');

/** The messages a refused batch gave, by record. */
async function refusal(promise: Promise<unknown>): Promise<{ field: string; key: string; params?: Record<string, unknown> }[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ValidationError) return [...error.fields];
    throw error;
  }
  throw new Error('the batch was made');
}

describe('certification: hand-off batches', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let setup: Awaited<ReturnType<typeof handoffSetup>>;
  let other: Awaited<ReturnType<typeof handoffSetup>>;
  let batchId: string;
  const target = () => `${setup.lsp.id}:JWP`;

  before(async () => {
    app = buildTestApp();
    // Three graduates: the first two give their data, the third does not.
    setup = await handoffSetup({ trainees: 3 });
    other = await handoffSetup({ trainees: 1 });
    const photo = await photoJpeg();
    const people = [person.man, person.woman];
    for (const [index, trainee] of setup.trainees.slice(0, 2).entries()) {
      const agent = await loggedInAgent(app, trainee.email, trainee.password);
      expect((await askForCertification(agent, { ...people[index] }, photo)).status).to.equal(303);
    }
    const agent = await loggedInAgent(app, other.trainees[0]!.email, other.trainees[0]!.password);
    await askForCertification(agent, {}, photo);
  });

  it('lists the cohort’s graduates with what each still lacks, personal data masked', async () => {
    const agent = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const page = await agent.get(`/certification/batches/new?target=${encodeURIComponent(target())}&cohort=${setup.cohort}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Peserta Uji 1').and.include('Peserta Uji 3');
    expect(page.text).to.include('3201••••••••0001');
    expect(page.text).not.to.include(person.man.nik);
    expect(page.text).to.include('Peserta Uji 3: belum mengajukan sertifikasi');
  });

  it('refuses a record of another institution, without naming its trainee', async () => {
    const fields = await refusal(
      createBatch(setup.coordinator.actor, {
        lsp: setup.lsp.id,
        scheme: 'JWP',
        records: [other.records[0]!.id],
        requestKey: requestKey(),
      }),
    );
    expect(fields).to.deep.equal([
      { field: `records.${other.records[0]!.id}`, key: 'certification.batches.errors.foreignRecord' },
    ]);
  });

  it('refuses a record whose trainee gave no data, saying who and what', async () => {
    const agent = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const response = await submitForm(agent, '/certification/batches', {
      target: target(),
      cohort: setup.cohort,
      records: [setup.records[0]!.id, setup.records[2]!.id],
      requestKey: requestKey(),
    });
    expect(response.status).to.equal(422);
    expect(response.text).to.include(
      'Peserta Uji 3: belum mengajukan sertifikasi (NIK, tempat dan tanggal lahir, foto dan persetujuan belum ada)',
    );
    expect(await HandoffBatch.countDocuments({ institution: setup.institution })).to.equal(0);
  });

  it('refuses a revoked record, and units the scheme needs that the record lacks, per trainee', async () => {
    const revocable = await handoffSetup({ trainees: 1 });
    const photo = await photoJpeg();
    const agent = await loggedInAgent(app, revocable.trainees[0]!.email, revocable.trainees[0]!.password);
    await askForCertification(agent, {}, photo);
    await revokeCompletion(revocable.coordinator.actor, revocable.records[0]!.id, { reason: 'Salah data', reissue: false });
    const revoked = await refusal(
      createBatch(revocable.coordinator.actor, {
        lsp: revocable.lsp.id,
        scheme: 'JWP',
        records: [revocable.records[0]!.id],
        requestKey: requestKey(),
      }),
    );
    expect(revoked.map((issue) => issue.key)).to.include('certification.batches.errors.revoked');

    // A scheme with a unit the records do not hold.
    await saveUnits(setup.coordinator.actor, [
      unitInput.parse({ code: 'J.620100.010.01', title: { id: 'Menerapkan Perintah Eksekusi' } }),
    ]);
    const strict = await createLsp(
      setup.admin.actor,
      lspInput.parse({
        name: 'LSP Ketat',
        licenceNumber: 'BNSP-KETAT',
        schemes: [{ code: 'JWP3', name: 'Tiga unit', units: ['J.620100.004.02', 'J.620100.009.01', 'J.620100.010.01'] }],
      }),
    );
    const missing = await refusal(
      createBatch(setup.coordinator.actor, {
        lsp: strict.id,
        scheme: 'JWP3',
        records: [setup.records[0]!.id],
        requestKey: requestKey(),
      }),
    );
    expect(missing).to.deep.equal([
      {
        field: `records.${setup.records[0]!.id}`,
        key: 'certification.batches.errors.missingUnits',
        params: { name: 'Peserta Uji 1', units: 'J.620100.010.01' },
      },
    ]);
  });

  it('makes a draft batch, once however often the form is sent', async () => {
    const agent = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const key = requestKey();
    const fields = {
      target: target(),
      cohort: setup.cohort,
      records: [setup.records[0]!.id, setup.records[1]!.id],
      requestKey: key,
    };
    const first = await submitForm(agent, '/certification/batches', fields);
    expect(first.status, first.text.slice(0, 400)).to.equal(303);
    const again = await submitForm(agent, '/certification/batches', fields);
    expect(again.headers.location).to.equal(first.headers.location);
    expect(await HandoffBatch.countDocuments({ institution: setup.institution })).to.equal(1);
    batchId = String(first.headers.location).split('/').pop()!;
    const batch = await HandoffBatch.findById(batchId).lean();
    expect(batch).to.deep.include({ status: 'draft', scheme: 'JWP', version: 1 });
    expect(batch?.items).to.deep.equal([]);
    // The same records for the same LSP and scheme cannot go into a second batch.
    const twice = await refusal(
      createBatch(setup.coordinator.actor, {
        lsp: setup.lsp.id,
        scheme: 'JWP',
        records: [setup.records[0]!.id],
        requestKey: requestKey(),
      }),
    );
    expect(twice.map((issue) => issue.key)).to.deep.equal(['certification.batches.errors.inOtherBatch']);
  });

  it('shows the batch whole to its coordinators, masked to an admin, and not at all to others', async () => {
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const full = await coordinator.get(`/certification/batches/${batchId}`);
    expect(full.status).to.equal(200);
    expect(full.text).to.include(person.man.nik).and.include(person.woman.nik).and.include('Bandung, 1 Jan 1990');
    expect(full.text).to.include('Serahkan batch');

    const admin = await loggedInAgent(app, setup.admin.email, setup.admin.password);
    const masked = await admin.get(`/certification/batches/${batchId}`);
    expect(masked.status).to.equal(200);
    expect(masked.text).to.include('3201••••••••0001').and.include('3273••••••••0002');
    expect(masked.text).not.to.include(person.man.nik);
    expect(masked.text).not.to.include('1990-01-01').and.not.include('1 Jan 1990');
    expect(masked.text).not.to.include('Serahkan batch');
    expect((await admin.get('/certification/batches')).text).not.to.include(person.man.nik);

    const stranger = await loggedInAgent(app, other.coordinator.email, other.coordinator.password);
    expect((await stranger.get(`/certification/batches/${batchId}`)).status).to.equal(403);
    const instructor = await loggedInAgent(app, setup.instructor.email, setup.instructor.password);
    expect((await instructor.get(`/certification/batches/${batchId}`)).status).to.equal(403);
    // The exports are not there before hand-over.
    expect((await coordinator.get(`/certification/batches/${batchId}/assessees.xlsx`)).status).to.equal(409);
  });

  it('hands over: the items freeze, and stay when the trainee withdraws consent afterwards', async () => {
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const handed = await submitForm(coordinator, `/certification/batches/${batchId}/hand-over`, {});
    expect(handed.status).to.equal(303);
    const again = await submitForm(coordinator, `/certification/batches/${batchId}/hand-over`, {});
    expect(again.status).to.equal(303);
    const batch = await HandoffBatch.findById(batchId).lean<HandoffBatchDoc>();
    expect(batch?.status).to.equal('handed');
    expect(batch?.items.map((item) => item.nik)).to.deep.equal([person.man.nik, person.woman.nik]);
    expect(batch?.items[0]?.photo?.mimeType).to.equal('image/jpeg');
    expect(batch?.items[0]?.units.map((unit) => [unit.code, unit.verdict])).to.deep.equal([
      ['J.620100.004.02', 'K'],
      ['J.620100.009.01', 'K'],
    ]);
    const trainee = await loggedInAgent(app, setup.trainees[0]!.email, setup.trainees[0]!.password);
    await submitForm(trainee, '/certification/profile/withdraw', {});
    const page = await coordinator.get(`/certification/batches/${batchId}`);
    expect(page.text).to.include(person.man.nik).and.include('Diserahkan');
    expect(page.text).to.include(`/certification/batches/${batchId}/assessees.xlsx`);
    const cancel = await submitForm(coordinator, `/certification/batches/${batchId}/cancel`, {});
    expect(cancel.status).to.equal(409);
  });

  it('stops a draft from being handed over when a trainee withdrew in the meantime', async () => {
    const trainee = other.trainees[0]!;
    const batch = await createBatch(other.coordinator.actor, {
      lsp: other.lsp.id,
      scheme: 'JWP',
      records: [other.records[0]!.id],
      requestKey: requestKey(),
    });
    const agent = await loggedInAgent(app, trainee.email, trainee.password);
    await submitForm(agent, '/certification/profile/withdraw', {});
    const coordinator = await loggedInAgent(app, other.coordinator.email, other.coordinator.password);
    const refused = await submitForm(coordinator, `/certification/batches/${batch}/hand-over`, {});
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('Peserta Uji 1: belum mengajukan sertifikasi');
    expect((await HandoffBatch.findById(batch).lean())?.status).to.equal('draft');
  });
});
