import { expect } from 'chai';
import supertest from 'supertest';
import { issueLspToken, issueWebhookSecret } from '../../src/certification/delivery/credentials.js';
import { LspCredentials } from '../../src/certification/delivery/credentialsModel.js';
import { WebhookDelivery } from '../../src/certification/delivery/model.js';
import { deliveriesForBatch, queueDelivery, retryDelivery } from '../../src/certification/delivery/service.js';
import { verifySignature } from '../../src/certification/delivery/signature.js';
import { deliveryWorker } from '../../src/certification/delivery/start.js';
import { batchPayload } from '../../src/certification/handoffJson.js';
import { Lsp } from '../../src/certification/model.js';
import { createLogger } from '../../src/platform/logger.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { handedBatchFixture, refusalOf, startReceiver } from './deliveryFixtures.js';

describe('certification delivery: credentials and pushing handed batches', () => {
  useTestDatabase(import.meta.url);
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let fixture: Awaited<ReturnType<typeof handedBatchFixture>>;
  let secret: string;
  const log = createLogger('silent');
  const worker = () => deliveryWorker(log, { random: () => 0.5 });

  before(async () => {
    receiver = await startReceiver();
    fixture = await handedBatchFixture({ webhookUrl: receiver.url });
    secret = await issueWebhookSecret(fixture.admin.actor, fixture.lsp.id);
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer({ status: 200 });
  });

  it('pushes the hand-off JSON signed with the LSP secret, keyed by the batch id', async () => {
    const queued = await queueDelivery(fixture.coordinator.actor, fixture.batch);
    expect(queued.status).to.equal('pending');
    expect(await worker().tick()).to.equal(1);
    expect(receiver.received).to.have.length(1);
    const [push] = receiver.received;
    expect(push!.body).to.equal(JSON.stringify(await batchPayload(fixture.batch)));
    const body = JSON.parse(push!.body);
    expect(body.id).to.equal(fixture.batch);
    expect(body.assessees.map((assessee: { record: { code: string } }) => assessee.record.code)).to.deep.equal(
      fixture.records.map((record) => record.code),
    );
    expect(push!.headers['idempotency-key']).to.equal(fixture.batch);
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(verifySignature(push!.headers['kompeten-signature'] as string, push!.body, secret, { nowSeconds })).to.equal(true);
    expect(verifySignature(push!.headers['kompeten-signature'] as string, push!.body, `${secret}x`, { nowSeconds })).to.equal(
      false,
    );
    const panel = await deliveriesForBatch(fixture.coordinator.actor, fixture.batch);
    expect(panel.items.map((item) => [item.status, item.attempts])).to.deep.equal([['delivered', 1]]);
    expect(panel.canSend).to.equal(true);
  });

  it('queues a batch once while a push is under way; sending again carries the same key and body', async () => {
    await WebhookDelivery.deleteMany({ batch: fixture.batch });
    const first = await queueDelivery(fixture.coordinator.actor, fixture.batch);
    const again = await queueDelivery(fixture.coordinator.actor, fixture.batch);
    expect(again.id).to.equal(first.id);
    expect((await deliveriesForBatch(fixture.coordinator.actor, fixture.batch)).canSend).to.equal(false);
    await worker().tick();
    const resent = await queueDelivery(fixture.coordinator.actor, fixture.batch);
    expect(resent.id).to.not.equal(first.id);
    await worker().tick();
    expect(receiver.received).to.have.length(2);
    const [one, two] = receiver.received;
    expect(two!.headers['idempotency-key']).to.equal(one!.headers['idempotency-key']);
    expect(JSON.parse(two!.body).id).to.equal(JSON.parse(one!.body).id);
    expect(two!.body).to.equal(one!.body);
  });

  it('shows a failed push with its answer, and "retry now" sends it to the fixed address', async () => {
    await WebhookDelivery.deleteMany({ batch: fixture.batch });
    receiver.answer({ status: 404, body: 'no such hook' });
    const queued = await queueDelivery(fixture.coordinator.actor, fixture.batch);
    await worker().tick();
    let [shown] = (await deliveriesForBatch(fixture.coordinator.actor, fixture.batch)).items;
    expect(shown!.status).to.equal('failed');
    expect(shown!.lastStatus).to.equal(404);
    expect(shown!.lastError).to.contain('no such hook');
    expect(shown!.canRetry).to.equal(true);
    receiver.answer({ status: 204 });
    await retryDelivery(fixture.coordinator.actor, queued.id);
    await worker().tick();
    [shown] = (await deliveriesForBatch(fixture.coordinator.actor, fixture.batch)).items;
    expect(shown!.status).to.equal('delivered');
    expect(shown!.history.map((attempt) => attempt.status)).to.deep.equal([204, 404]);
  });

  it('lets only the batch institution coordinators queue; others are told it does not exist', async () => {
    const other = await makeApprovedRecord();
    expect(await refusalOf(queueDelivery(other.coordinator.actor, fixture.batch))).to.equal('errors.notFound.detail');
    expect(await refusalOf(deliveriesForBatch(other.coordinator.actor, fixture.batch))).to.equal('errors.notFound.detail');
    expect(await refusalOf(queueDelivery(fixture.trainees[0]!.actor, fixture.batch))).to.equal('errors.notFound.detail');
    // Admins see how pushes went; handing off is the institution's own business.
    expect((await deliveriesForBatch(fixture.admin.actor, fixture.batch)).canSend).to.equal(false);
    expect(await refusalOf(queueDelivery(fixture.admin.actor, fixture.batch))).to.equal('errors.forbidden.detail');
  });

  it('refuses to queue for an LSP without a webhook address', async () => {
    const pull = await handedBatchFixture({ trainees: 1 });
    expect(await refusalOf(queueDelivery(pull.coordinator.actor, pull.batch))).to.equal('certificationDelivery.errors.noWebhook');
    expect((await deliveriesForBatch(pull.coordinator.actor, pull.batch)).hasWebhook).to.equal(false);
  });

  describe('pages', () => {
    const app = buildTestApp();

    it('"send again" and "retry now" from the batch page go back to it', async () => {
      await WebhookDelivery.deleteMany({ batch: fixture.batch });
      const agent = await loggedInAgent(app, fixture.coordinator.email, fixture.coordinator.password);
      const next = `/certification/batches/${fixture.batch}`;
      const sent = await submitForm(agent, `/certification/batches/${fixture.batch}/deliveries`, { next });
      expect(sent.status).to.equal(303);
      expect(sent.headers.location).to.equal(next);
      const [delivery] = await WebhookDelivery.find({ batch: fixture.batch }).lean();
      expect(delivery!.status).to.equal('pending');
      const retried = await submitForm(agent, `/certification/deliveries/${delivery!._id}/retry`, { next });
      expect(retried.status).to.equal(303);
    });

    it('issues an API token shown once and stored only as its hash; it logs nobody in', async () => {
      const admin = await loggedInAgent(app, fixture.admin.email, fixture.admin.password);
      const page = await admin.get(`/lsps/${fixture.lsp.id}/credentials`);
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(fixture.lsp.name);
      const issued = await submitForm(admin, `/lsps/${fixture.lsp.id}/credentials/token`, {});
      expect(issued.status).to.equal(200);
      const token = /(lsp_[\w-]{43})/.exec(issued.text)?.[1];
      expect(token, 'the token on the page').to.be.a('string');
      expect((await admin.get(`/lsps/${fixture.lsp.id}/credentials`)).text).to.not.contain(token);
      const stored = await LspCredentials.findById(fixture.lsp.id).lean();
      expect(JSON.stringify(stored)).to.not.contain(token);
      expect(stored!.tokenPrefix).to.equal(token!.slice(0, 10));
      // As a user's bearer token it is nobody: 401 on a user endpoint, a page sees no one logged in.
      const asUser = await supertest(app).get('/api/v1/auth/tokens').set('Authorization', `Bearer ${token}`);
      expect(asUser.status).to.equal(401);
      const asPage = await supertest(app).get('/profile').set('Authorization', `Bearer ${token}`);
      expect(asPage.status).to.equal(302);
      // It works on the results API for its LSP.
      const own = await supertest(app).get('/api/v1/lsp/batches').set('Authorization', `Bearer ${token}`);
      expect(own.status).to.equal(200);
      expect(own.body.map((batch: { id: string }) => batch.id)).to.deep.equal([fixture.batch]);
      // Revoked, it opens nothing.
      await submitForm(admin, `/lsps/${fixture.lsp.id}/credentials/token/revoke`, {});
      expect((await supertest(app).get('/api/v1/lsp/batches').set('Authorization', `Bearer ${token}`)).status).to.equal(401);
    });

    it('issues a webhook secret shown once, which then signs the pushes', async () => {
      const admin = await loggedInAgent(app, fixture.admin.email, fixture.admin.password);
      const issued = await submitForm(admin, `/lsps/${fixture.lsp.id}/credentials/secret`, {});
      const newSecret = /(whsec_[\w-]{43})/.exec(issued.text)?.[1];
      expect(newSecret).to.be.a('string');
      expect((await admin.get(`/lsps/${fixture.lsp.id}/credentials`)).text).to.not.contain(newSecret);
      const stored = await Lsp.findById(fixture.lsp.id).select('+webhookSecret').lean();
      expect(stored!.webhookSecret).to.equal(newSecret);
      secret = newSecret!;
      await WebhookDelivery.deleteMany({ batch: fixture.batch });
      await queueDelivery(fixture.coordinator.actor, fixture.batch);
      await worker().tick();
      const [push] = receiver.received;
      const nowSeconds = Math.floor(Date.now() / 1000);
      expect(verifySignature(push!.headers['kompeten-signature'] as string, push!.body, newSecret!, { nowSeconds })).to.equal(
        true,
      );
    });

    it('keeps the credentials page to admins', async () => {
      const coordinator = await loggedInAgent(app, fixture.coordinator.email, fixture.coordinator.password);
      expect((await coordinator.get(`/lsps/${fixture.lsp.id}/credentials`)).status).to.equal(403);
      expect((await submitForm(coordinator, `/lsps/${fixture.lsp.id}/credentials/token`, {})).status).to.equal(403);
      expect(await refusalOf(issueLspToken(fixture.coordinator.actor, fixture.lsp.id))).to.equal('errors.forbidden.detail');
    });
  });
});
