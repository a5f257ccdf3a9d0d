import { expect } from 'chai';
import supertest from 'supertest';
import { UnitResult, type UnitResultDoc, unitResultId } from '../../src/assessments/results/model.js';
import { issueLspToken } from '../../src/certification/delivery/credentials.js';
import { CertificationResult } from '../../src/certification/results/model.js';
import { resultsForBatch, resultsForTrainee } from '../../src/certification/results/service.js';
import { formatCode } from '../../src/completion/records.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { completionUnits } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { handedBatchFixture, refusalOf } from './deliveryFixtures.js';

describe('certification results API', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let fixture: Awaited<ReturnType<typeof handedBatchFixture>>;
  let token: string;
  let foreign: Awaited<ReturnType<typeof handedBatchFixture>>;
  let foreignToken: string;
  const results = () => `/api/v1/lsp/batches/${fixture.batch}/results`;
  const post = (path: string, body: unknown, bearer = token, language = 'en') =>
    supertest(app)
      .post(path)
      .set('Authorization', `Bearer ${bearer}`)
      .set('Accept-Language', language)
      .send(body as object);
  const certified = (index: number, number = `62010 2421 ${index} 0000001 2026`) => ({
    recordCode: formatCode(fixture.records[index]!.code),
    outcome: 'certified',
    certificateNumber: number,
    issuedOn: '2026-02-01',
    validUntil: '2029-02-01',
  });

  before(async () => {
    fixture = await handedBatchFixture({ trainees: 2 });
    token = await issueLspToken(fixture.admin.actor, fixture.lsp.id);
    foreign = await handedBatchFixture({ trainees: 1 });
    foreignToken = await issueLspToken(foreign.admin.actor, foreign.lsp.id);
  });

  it('answers 401 to no token, a wrong token and a user token', async () => {
    const userToken = (
      await supertest(app)
        .post('/api/v1/auth/token')
        .send({ email: fixture.coordinator.email, password: fixture.coordinator.password })
    ).body.token as string;
    for (const bearer of ['lsp_not-a-real-token', userToken]) {
      const answer = await post(results(), { results: [certified(0)] }, bearer);
      expect(answer.status, bearer.slice(0, 4)).to.equal(401);
      expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
    }
    expect((await supertest(app).get('/api/v1/lsp/batches')).status).to.equal(401);
    expect(await CertificationResult.countDocuments({ batch: fixture.batch })).to.equal(0);
  });

  it("answers 404 to another LSP's token for the batch, and lists only the LSP's own batches", async () => {
    const answer = await post(results(), { results: [certified(0)] }, foreignToken);
    expect(answer.status).to.equal(404);
    const read = await supertest(app).get(`/api/v1/lsp/batches/${fixture.batch}`).set('Authorization', `Bearer ${foreignToken}`);
    expect(read.status).to.equal(404);
    // The same answer as for a batch that does not exist at all.
    const missing = await supertest(app)
      .get('/api/v1/lsp/batches/0123456789abcdef01234567')
      .set('Authorization', `Bearer ${foreignToken}`);
    expect(missing.status).to.equal(404);
    expect(missing.body.detail).to.equal(read.body.detail);
    const own = await supertest(app).get('/api/v1/lsp/batches').set('Authorization', `Bearer ${foreignToken}`);
    expect(own.body.map((batch: { id: string }) => batch.id)).to.deep.equal([foreign.batch]);
  });

  it("lets the LSP pull its batch: the list and the batch's hand-off JSON", async () => {
    const list = await supertest(app).get('/api/v1/lsp/batches').set('Authorization', `Bearer ${token}`);
    expect(list.status).to.equal(200);
    expect(list.body).to.deep.equal([
      {
        id: fixture.batch,
        scheme: { code: 'JWP', name: 'Junior Web Programmer' },
        handedAt: list.body[0].handedAt,
        items: 2,
        results: 0,
      },
    ]);
    const batch = await supertest(app).get(`/api/v1/lsp/batches/${fixture.batch}`).set('Authorization', `Bearer ${token}`);
    expect(batch.status).to.equal(200);
    expect(batch.body.id).to.equal(fixture.batch);
    expect(batch.body.assessees).to.have.length(2);
  });

  it('refuses bad input with problem+json in the request language, writing nothing', async () => {
    const bad = {
      results: [
        { ...certified(0), validUntil: '2026-02-30' },
        { recordCode: 'ZZZZ-ZZZZ-ZZZZ', outcome: 'notCertified', units: [completionUnits[0].code] },
        { record: fixture.records[1]!.id, outcome: 'notCertified', units: ['J.999999.999.99'] },
        { recordCode: formatCode(fixture.records[0]!.code), outcome: 'passed' },
      ],
    };
    const english = await post(results(), bad, token, 'en');
    expect(english.status).to.equal(422);
    expect(english.headers['content-type']).to.match(/^application\/problem\+json/);
    const fields = Object.fromEntries(
      english.body.errors.map((error: { field: string; message: string }) => [error.field, error.message]),
    );
    expect(fields['results.0.validUntil']).to.equal('Enter a date as YYYY-MM-DD.');
    expect(fields).to.have.property('results.3.outcome');
    // The schema passes; what the batch says is checked next, each trainee and unit named.
    const unknown = await post(results(), { results: bad.results.slice(1, 3) }, token, 'id');
    expect(unknown.status).to.equal(422);
    expect(unknown.body.errors).to.deep.equal([
      { field: 'results.0.recordCode', message: 'Tidak ada peserta batch ini dengan rekaman tersebut.' },
      { field: 'results.1.units.0', message: 'Unit J.999999.999.99 bukan unit skema batch ini.' },
    ]);
    const twice = await post(results(), { results: [certified(0), { ...certified(0), record: undefined }] });
    expect(twice.status).to.equal(422);
    const both = await post(results(), { results: [{ ...certified(0), record: fixture.records[0]!.id }] });
    expect(both.body.errors[0].field).to.equal('results.0.recordCode');
    const backwards = await post(results(), { results: [{ ...certified(0), issuedOn: '2030-01-01' }] });
    expect(backwards.body.errors[0].field).to.equal('results.0.validUntil');
    expect(await CertificationResult.countDocuments({ batch: fixture.batch })).to.equal(0);
  });

  it('records certified and not certified results, shown to the trainee and the coordinator', async () => {
    const answer = await post(results(), {
      results: [
        certified(0),
        { record: fixture.records[1]!.id, outcome: 'notCertified', units: [completionUnits[1].code.toLowerCase()] },
      ],
    });
    expect(answer.status).to.equal(200);
    expect(
      answer.body.results.map((result: { change: string; outcome: string }) => [result.outcome, result.change]),
    ).to.deep.equal([
      ['certified', 'recorded'],
      ['notCertified', 'recorded'],
    ]);
    const [mine] = await resultsForTrainee(fixture.trainees[0]!.actor);
    expect(mine).to.include({ outcome: 'certified', certificateNumber: '62010 2421 0 0000001 2026', validUntil: '2029-02-01' });
    expect(mine!.lspName).to.equal(fixture.lsp.name);
    const [theirs] = await resultsForTrainee(fixture.trainees[1]!.actor);
    expect(theirs!.outcome).to.equal('notCertified');
    expect(theirs!.units.map((unit) => unit.code)).to.deep.equal([completionUnits[1].code]);
    expect(theirs!.canRouteBack).to.equal(false); // the trainee cannot route themself back
    const batch = await resultsForBatch(fixture.coordinator.actor, fixture.batch);
    expect(batch.map((result) => [result.trainee.name, result.outcome])).to.deep.equal([
      [fixture.trainees[0]!.name, 'certified'],
      [fixture.trainees[1]!.name, 'notCertified'],
    ]);
    expect(batch[1]!.canRouteBack).to.equal(true);
    expect(await refusalOf(resultsForBatch(foreign.coordinator.actor, fixture.batch))).to.equal('errors.forbidden.detail');
  });

  it('changes nothing for the same result again, and keeps the earlier one when it changes', async () => {
    const same = await post(results(), { results: [certified(0)] });
    expect(same.body.results[0].change).to.equal('unchanged');
    expect((await CertificationResult.findById(`${fixture.batch}:${fixture.records[0]!.id}`).lean())!.history).to.have.length(0);
    const corrected = await post(results(), { results: [certified(0, 'CORRECTED-001')] });
    expect(corrected.body.results[0].change).to.equal('updated');
    const [mine] = await resultsForTrainee(fixture.trainees[0]!.actor);
    expect(mine!.certificateNumber).to.equal('CORRECTED-001');
    expect(mine!.history.map((earlier) => earlier.certificateNumber)).to.deep.equal(['62010 2421 0 0000001 2026']);
  });

  it('routes a trainee not certified back to training for those units, once', async () => {
    const [, notCertified] = await resultsForBatch(fixture.coordinator.actor, fixture.batch);
    const agent = await loggedInAgent(app, fixture.coordinator.email, fixture.coordinator.password);
    const next = `/certification/batches/${fixture.batch}`;
    const path = `/certification/results/${notCertified!.id}/route-back`;
    const routed = await submitForm(agent, path, { note: 'Ulangi latihan spesifikasi program', next });
    expect(routed.status).to.equal(303);
    expect(routed.headers.location).to.equal(next);
    const [theirs] = await resultsForTrainee(fixture.trainees[1]!.actor);
    expect(theirs!.routeBack).to.include({ note: 'Ulangi latihan spesifikasi program', byName: fixture.coordinator.name });
    expect(theirs!.routeBack!.units.map((unit) => unit.code)).to.deep.equal([completionUnits[1].code]);
    // In the cohort's gradebook the unit is open for re-assessment, with the LSP's finding as its note.
    const reopened = await UnitResult.findById(
      unitResultId(fixture.cohort, fixture.trainees[1]!.id, completionUnits[1].code),
    ).lean<UnitResultDoc>();
    expect(reopened!.reassessment!.note).to.equal(`LSP: ${completionUnits[1].code} · Ulangi latihan spesifikasi program`);
    expect(reopened!.verdict!.status, 'the K stands until the next verdict').to.equal('K');
    const untouched = await UnitResult.findById(
      unitResultId(fixture.cohort, fixture.trainees[1]!.id, completionUnits[0].code),
    ).lean<UnitResultDoc>();
    expect(untouched!.reassessment).to.equal(null);
    const at = theirs!.routeBack!.at;
    expect((await submitForm(agent, path, { note: 'again', next })).status).to.equal(303);
    const [unchanged] = await resultsForTrainee(fixture.trainees[1]!.actor);
    expect(unchanged!.routeBack!.at.getTime()).to.equal(at.getTime());
    expect(unchanged!.routeBack!.note).to.equal('Ulangi latihan spesifikasi program');
    expect((await resultsForBatch(fixture.coordinator.actor, fixture.batch))[1]!.canRouteBack).to.equal(false);
    // A certified trainee has nothing to redo; another centre's coordinator finds nothing.
    const [certifiedOne] = await resultsForBatch(fixture.coordinator.actor, fixture.batch);
    expect((await submitForm(agent, `/certification/results/${certifiedOne!.id}/route-back`, {})).status).to.equal(409);
    const stranger = await loggedInAgent(app, foreign.coordinator.email, foreign.coordinator.password);
    expect((await submitForm(stranger, path, {})).status).to.equal(404);
  });

  it('a rotated token stops working at once', async () => {
    const old = token;
    token = await issueLspToken(fixture.admin.actor, fixture.lsp.id);
    expect((await post(results(), { results: [certified(0, 'CORRECTED-001')] }, old)).status).to.equal(401);
    expect((await post(results(), { results: [certified(0, 'CORRECTED-001')] })).status).to.equal(200);
  });
});
