import { expect } from 'chai';
import mongoose from 'mongoose';
import { giveUpAfterMs } from '../../src/certification/delivery/backoff.js';
import { WebhookDelivery, type WebhookDeliveryDoc } from '../../src/certification/delivery/model.js';
import { verifySignature } from '../../src/certification/delivery/signature.js';
import { createDeliveryWorker, type WorkerDependencies } from '../../src/certification/delivery/worker.js';
import { useTestDatabase } from '../support/database.js';
import { startReceiver } from './deliveryFixtures.js';

describe('webhook delivery worker', () => {
  useTestDatabase(import.meta.url);
  const secret = 'whsec_worker-test';
  const start = Date.parse('2026-01-05T01:00:00Z');
  let clock = start;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const payloads = new Map<string, string>();

  const dependencies = (extra: Partial<WorkerDependencies> = {}): WorkerDependencies => ({
    now: () => clock,
    random: () => 0.5,
    payloadOf: async (batchId) => {
      const body = payloads.get(batchId);
      if (!body) throw new Error('no such batch');
      return body;
    },
    secretOf: async () => secret,
    ...extra,
  });

  /** A push as queueDelivery leaves it: pending, due now, its batch's body known to payloadOf. */
  async function queued(fields: Record<string, unknown> = {}) {
    const batch = new mongoose.Types.ObjectId();
    payloads.set(String(batch), JSON.stringify({ schema: 'kompeten.handoff/1', batch: { id: String(batch) }, items: [] }));
    const [delivery] = await WebhookDelivery.insertMany([
      {
        batch,
        lsp: new mongoose.Types.ObjectId(),
        institution: new mongoose.Types.ObjectId(),
        url: receiver.url,
        activeKey: String(batch),
        nextAttemptAt: new Date(clock),
        giveUpAt: new Date(clock + giveUpAfterMs),
        queuedBy: new mongoose.Types.ObjectId(),
        ...fields,
      },
    ]);
    return { id: String(delivery!._id), batch: String(batch) };
  }
  const stored = async (id: string) => (await WebhookDelivery.findById(id).lean<WebhookDeliveryDoc>())!;

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(async () => {
    clock = start;
    receiver.received.length = 0;
    receiver.answer({ status: 200 });
    await WebhookDelivery.deleteMany({ status: { $in: ['pending', 'delivering'] } }, { comment: 'scan: test reset' });
  });

  it('posts the signed batch JSON with its Idempotency-Key; the signature holds with the secret only', async () => {
    const { id, batch } = await queued();
    expect(await createDeliveryWorker(dependencies()).tick()).to.equal(1);
    expect(receiver.received).to.have.length(1);
    const [push] = receiver.received;
    expect(push!.headers['content-type']).to.equal('application/json');
    expect(push!.headers['idempotency-key']).to.equal(batch);
    expect(JSON.parse(push!.body).batch.id).to.equal(batch);
    const signature = push!.headers['kompeten-signature'] as string;
    expect(signature).to.match(new RegExp(`^t=${Math.floor(clock / 1000)},v1=[0-9a-f]{64}$`));
    const nowSeconds = Math.floor(clock / 1000);
    expect(verifySignature(signature, push!.body, secret, { nowSeconds })).to.equal(true);
    expect(verifySignature(signature, push!.body, 'whsec_someone-else', { nowSeconds })).to.equal(false);
    const delivery = await stored(id);
    expect(delivery.status).to.equal('delivered');
    expect(delivery.attempts).to.equal(1);
    expect(delivery.activeKey).to.equal(`done:${id}`);
    expect(delivery.history.map((attempt) => [attempt.status, attempt.outcome])).to.deep.equal([[200, 'delivered']]);
  });

  it('retries with backoff until acknowledged: two failures, then delivered on the third attempt', async () => {
    receiver.answer({ status: 500, body: 'down for maintenance' }, { status: 503 }, { status: 202 });
    const { id, batch } = await queued();
    const worker = createDeliveryWorker(dependencies());
    await worker.tick();
    let delivery = await stored(id);
    expect(delivery.status).to.equal('pending');
    expect(delivery.lastStatus).to.equal(500);
    expect(delivery.lastError).to.contain('down for maintenance');
    expect(delivery.nextAttemptAt.getTime() - clock).to.equal(30_000);

    clock += 20_000; // not due yet
    expect(await worker.tick()).to.equal(0);
    clock += 10_000;
    expect(await worker.tick()).to.equal(1);
    delivery = await stored(id);
    expect(delivery.status).to.equal('pending');
    expect(delivery.nextAttemptAt.getTime() - clock).to.equal(120_000);

    clock += 120_000;
    await worker.tick();
    delivery = await stored(id);
    expect(delivery.status).to.equal('delivered');
    expect(delivery.attempts).to.equal(3);
    expect(delivery.lastError).to.equal('');
    expect(delivery.history.map((attempt) => attempt.outcome)).to.deep.equal(['retry', 'retry', 'delivered']);
    // Every attempt is the same batch to the receiver: one key, one body.
    expect(new Set(receiver.received.map((push) => push.headers['idempotency-key']))).to.deep.equal(new Set([batch]));
    expect(new Set(receiver.received.map((push) => push.body)).size).to.equal(1);
  });

  it('sends, after a restart, what a stopped process left pending or leased', async () => {
    const pending = await queued({ nextAttemptAt: new Date(clock - 60_000), attempts: 2 });
    const leased = await queued({
      status: 'delivering',
      attempts: 1,
      leaseUntil: new Date(clock - 1),
      leaseOwner: 'old-process:1:dead',
    });
    const stillHeld = await queued({
      status: 'delivering',
      attempts: 1,
      leaseUntil: new Date(clock + 30_000),
      leaseOwner: 'busy',
    });
    expect(await createDeliveryWorker(dependencies()).tick()).to.equal(2);
    expect((await stored(pending.id)).status).to.equal('delivered');
    const taken = await stored(leased.id);
    expect(taken.status).to.equal('delivered');
    expect(taken.attempts).to.equal(2);
    expect(taken.history.map((attempt) => attempt.outcome)).to.deep.equal(['interrupted', 'delivered']);
    expect((await stored(stillHeld.id)).status).to.equal('delivering');
    expect(receiver.received.map((push) => push.headers['idempotency-key']).sort()).to.deep.equal(
      [pending.batch, leased.batch].sort(),
    );
  });

  it('sends an attempt once when two workers tick at the same time', async () => {
    const { id } = await queued();
    const made = await Promise.all([createDeliveryWorker(dependencies()).tick(), createDeliveryWorker(dependencies()).tick()]);
    expect(made.sort()).to.deep.equal([0, 1]);
    expect(receiver.received).to.have.length(1);
    expect((await stored(id)).attempts).to.equal(1);
  });

  it('fails fast on a 4xx, showing the answer; a 409 ("already have it") counts as delivered', async () => {
    receiver.answer({ status: 400, body: `scheme unknown ${'x'.repeat(100_000)}` });
    const rejected = await queued();
    await createDeliveryWorker(dependencies()).tick();
    const failed = await stored(rejected.id);
    expect(failed.status).to.equal('failed');
    expect(failed.attempts).to.equal(1);
    expect(failed.lastStatus).to.equal(400);
    expect(failed.lastError).to.match(/^400 Bad Request scheme unknown x+$/);
    expect(failed.lastError.length).to.be.at.most(500);
    expect(failed.activeKey).to.equal(`done:${rejected.id}`);

    receiver.answer({ status: 409 });
    const duplicate = await queued();
    await createDeliveryWorker(dependencies()).tick();
    expect((await stored(duplicate.id)).status).to.equal('delivered');
  });

  it('retries 429 and 408, honouring Retry-After', async () => {
    receiver.answer({ status: 429, headers: { 'Retry-After': '600' } }, { status: 408 }, { status: 200 });
    const { id } = await queued();
    const worker = createDeliveryWorker(dependencies());
    await worker.tick();
    expect((await stored(id)).nextAttemptAt.getTime() - clock).to.equal(600_000);
    clock += 600_000;
    await worker.tick();
    expect((await stored(id)).status).to.equal('pending');
    clock += 120_000;
    await worker.tick();
    expect((await stored(id)).status).to.equal('delivered');
  });

  it('retries an unreachable receiver, and gives up after three days', async () => {
    const closed = await startReceiver();
    await closed.close(); // nothing listens there any more
    const { id } = await queued({ url: closed.url });
    const worker = createDeliveryWorker(dependencies());
    await worker.tick();
    let delivery = await stored(id);
    expect(delivery.status).to.equal('pending');
    expect(delivery.lastStatus).to.equal(null);
    expect(delivery.lastError).to.not.equal('');
    for (let round = 0; round < 40 && delivery.status === 'pending'; round += 1) {
      clock = delivery.nextAttemptAt.getTime();
      await worker.tick();
      delivery = await stored(id);
    }
    expect(delivery.status).to.equal('failed');
    expect(delivery.lastError).to.match(/^gave up after \d+ attempts/);
    expect(clock - start).to.be.below(giveUpAfterMs);
    expect(delivery.attempts).to.be.within(10, 20);
    expect(delivery.history).to.have.length.at.most(20);
  });

  it('does not push unsigned: without a webhook secret the push fails with the reason', async () => {
    const { id } = await queued();
    await createDeliveryWorker(dependencies({ secretOf: async () => '' })).tick();
    const delivery = await stored(id);
    expect(delivery.status).to.equal('failed');
    expect(delivery.lastError).to.contain('no webhook secret');
    expect(receiver.received).to.have.length(0);
  });

  it('a started worker sends on its own and stops cleanly', async () => {
    const { id } = await queued();
    const worker = createDeliveryWorker(dependencies());
    worker.start(20);
    for (let wait = 0; wait < 200 && (await stored(id)).status !== 'delivered'; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await worker.stop();
    expect((await stored(id)).status).to.equal('delivered');
  });
});
