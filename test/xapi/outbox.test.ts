import { expect } from 'chai';
import { follow, publish, unfollow } from '../../src/platform/events.js';
import { createLogger } from '../../src/platform/logger.js';
import { xapiFollowers } from '../../src/xapi/follower.js';
import { storeId, XapiStatement, type XapiStatementDoc, XapiStore, type XapiStoreDoc } from '../../src/xapi/model.js';
import { deleteSentStatements } from '../../src/xapi/service.js';
import { createXapiWorker, type XapiWorkerDependencies } from '../../src/xapi/worker.js';
import { useTestDatabase } from '../support/database.js';
import { eventsFor } from './events.js';
import { startLrs, type TestLrs } from './lrs.js';

const base = 'http://127.0.0.1:3000';
const scan = { comment: 'scan: test reset' };

describe('xAPI outbox and its worker', () => {
  useTestDatabase(import.meta.url);
  let lrs: TestLrs;
  let clock = Date.now();
  const worker = (extra: Partial<XapiWorkerDependencies> = {}) =>
    createXapiWorker({ lrs: lrs.lrs, now: () => clock, random: () => 0.5, ...extra });
  const all = () => XapiStatement.find({}, null, scan).lean<XapiStatementDoc[]>();
  const store = async () => (await XapiStore.findById(storeId).lean<XapiStoreDoc>())!;

  before(async () => {
    lrs = await startLrs();
    follow('xapi', xapiFollowers(base, createLogger('silent')));
  });
  after(async () => {
    unfollow('xapi');
    await lrs.close();
  });
  beforeEach(async () => {
    clock = Date.now() + 1_000;
    lrs.reset();
    await XapiStatement.deleteMany({}, scan);
    await XapiStore.deleteMany({}, scan);
  });

  it('sends the statements of every kind of learning record to the LRS in one POST, with the version header and Basic auth', async () => {
    const events = eventsFor();
    await publish('lesson.completed', events.lessonCompleted());
    await publish('assessment.graded', events.graded());
    await publish('live.attended', events.attended());
    await publish('verdict.given', events.verdict());
    // Events that are not learning records make none.
    await publish('lesson.opened', {
      trainee: events.trainee,
      cohort: events.cohort,
      institution: events.institution,
      lesson: 'x',
      title: 'x',
      at: new Date(),
    });
    expect((await all()).map((statement) => statement.status)).to.deep.equal(['queued', 'queued', 'queued', 'queued']);

    expect(await worker().tick()).to.equal(4);
    expect(lrs.failures()).to.deep.equal({ header: 0, auth: 0 });
    expect(lrs.requests.map((request) => request.batch)).to.deep.equal([4]);
    const verbs = [...lrs.stored.values()].map((statement) => (statement.verb as { id: string }).id.split('/').pop());
    expect(verbs.sort()).to.deep.equal(['attended', 'completed', 'passed', 'passed']);
    const outbox = await all();
    expect(outbox.every((statement) => statement.status === 'sent' && statement.attempts === 1)).to.equal(true);
    expect((await store()).sentTotal).to.equal(4);
  });

  it('queues the same event only once, and the LRS gets one statement of it', async () => {
    const event = eventsFor().graded();
    await publish('assessment.graded', event);
    await publish('assessment.graded', { ...event });
    expect(await all()).to.have.length(1);
    await worker().tick();
    // Sent already: the same event once more changes nothing.
    await publish('assessment.graded', { ...event });
    await worker().tick();
    expect(await all()).to.have.length(1);
    expect(lrs.stored.size).to.equal(1);
    expect(lrs.requests).to.have.length(1);
  });

  it('keeps statements queued while the LRS is down (refused, then 503), backing off, and delivers them all once it is up', async () => {
    const events = eventsFor();
    await publish('assessment.graded', events.graded());
    await lrs.down();
    const sender = worker();
    expect(await sender.tick()).to.equal(0);
    const [statement] = await all();
    expect(statement!.status).to.equal('queued');
    expect(statement!.attempts).to.equal(1);
    expect(statement!.nextAttemptAt.getTime() - clock).to.equal(30_000);
    expect(statement!.lastError).to.match(/ECONNREFUSED/);
    expect((await store()).retryAt!.getTime() - clock).to.equal(30_000);

    // Up again but overloaded. Not due yet: nothing is tried, even for a statement queued meanwhile.
    await lrs.reopen();
    lrs.force({ status: 503, body: 'maintenance' });
    await publish('live.attended', events.attended());
    clock += 20_000;
    expect(await sender.tick()).to.equal(0);
    expect(lrs.requests).to.have.length(0);

    clock += 10_000;
    expect(await sender.tick()).to.equal(0);
    const waiting = await all();
    expect(waiting.map((each) => [each.status, each.attempts]).sort()).to.deep.equal([
      ['queued', 1],
      ['queued', 2],
    ]);
    const retried = waiting.find((each) => each.attempts === 2)!;
    expect(retried.lastStatus).to.equal(503);
    expect(retried.nextAttemptAt.getTime() - clock).to.equal(60_000);
    const down = await store();
    expect(down.failures).to.equal(2);
    expect(down.retryAt!.getTime() - clock).to.equal(60_000);
    expect(down.lastError).to.contain('maintenance');

    clock += 60_000;
    expect(await sender.tick()).to.equal(2);
    expect((await all()).every((each) => each.status === 'sent')).to.equal(true);
    expect(lrs.stored.size).to.equal(2);
    expect((await store()).failures).to.equal(0);
  });

  it('backs off up to an hour and never gives up while an LRS is configured', async () => {
    await publish('assessment.graded', eventsFor().graded());
    await lrs.down();
    const sender = worker();
    const waits: number[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await sender.tick();
      const [statement] = await all();
      waits.push(statement!.nextAttemptAt.getTime() - clock);
      clock = statement!.nextAttemptAt.getTime();
    }
    expect(waits.map((ms) => ms / 1000)).to.deep.equal([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    await lrs.reopen();
    await sender.tick();
    expect((await all())[0]!.status).to.equal('sent');
  });

  it('sends a refused batch one statement at a time: the bad one fails with the answer, the others are sent', async () => {
    const events = eventsFor();
    const bad = events.graded({ title: 'Kuis yang ditolak' });
    await publish('assessment.graded', events.graded());
    await publish('assessment.graded', bad);
    await publish('assessment.graded', events.graded());
    const badId = (await all()).find(
      (statement) => JSON.parse(statement.json).object.definition.name['id-ID'] === 'Kuis yang ditolak',
    )!._id;
    lrs.refused.add(badId);
    expect(await worker().tick()).to.equal(2);
    expect(lrs.requests.map((request) => request.batch)).to.deep.equal([3, 1, 1, 1]);
    const outbox = await all();
    expect(outbox.filter((statement) => statement.status === 'sent')).to.have.length(2);
    const failed = outbox.find((statement) => statement._id === badId)!;
    expect(failed.status).to.equal('failed');
    expect(failed.lastStatus).to.equal(400);
    expect(failed.lastError).to.contain('refused');
    // Failed ones are not tried again by themselves.
    clock += 2 * 60 * 60 * 1000;
    expect(await worker().tick()).to.equal(0);
    expect(lrs.requests).to.have.length(4);
  });

  it('fails statements the LRS refuses for good (a wrong key), with its answer', async () => {
    await publish('assessment.graded', eventsFor().graded());
    await worker({ lrs: { ...lrs.lrs, password: 'salah' } }).tick();
    const [statement] = await all();
    expect(statement!.status).to.equal('failed');
    expect(statement!.lastStatus).to.equal(401);
    expect((await store()).lastError).to.contain('401');
  });

  it('treats a 409 for one statement as sent: the LRS has a statement with its id already', async () => {
    await publish('assessment.graded', eventsFor().graded());
    lrs.force({ status: 409, body: 'exists' });
    await worker().tick();
    expect((await all())[0]!.status).to.equal('sent');
  });

  it('never sends a statement twice when two workers run at once', async () => {
    const events = eventsFor();
    for (let n = 0; n < 120; n += 1) await publish('assessment.graded', events.graded({ score: n % 10 }));
    clock = Date.now() + 1_000; // queueing 120 takes a while: every one is due now
    const [one, two] = [worker(), worker()];
    // Racing, each claim may get only part of a batch, and a tick sends at most ten batches: the
    // rest go at the next ticks, still never twice.
    let sent = 0;
    for (let round = 0; round < 5 && sent < 120; round += 1) {
      const [first, second] = await Promise.all([one.tick(), two.tick()]);
      sent += first + second;
    }
    expect(sent).to.equal(120);
    const ids = lrs.requests.flatMap((request) => request.ids);
    expect(ids).to.have.length(120);
    expect(new Set(ids).size).to.equal(120);
    expect(Math.max(...lrs.requests.map((request) => request.batch))).to.equal(50);
    expect((await all()).every((statement) => statement.status === 'sent' && statement.attempts === 1)).to.equal(true);
  });

  it('picks up what a dead process had leased once its lease ran out, and leaves a live lease alone', async () => {
    await publish('assessment.graded', eventsFor().graded());
    await publish('assessment.graded', eventsFor().graded());
    const [dead, alive] = await all();
    await XapiStatement.updateOne(
      { _id: dead!._id },
      { $set: { lease: 'dead-process', leaseUntil: new Date(clock - 1), attempts: 1 } },
    );
    await XapiStatement.updateOne(
      { _id: alive!._id },
      { $set: { lease: 'busy-process', leaseUntil: new Date(clock + 60_000), attempts: 1 } },
    );
    expect(await worker().tick()).to.equal(1);
    expect(lrs.requests.flatMap((request) => request.ids)).to.deep.equal([dead!._id]);
    const after = await all();
    expect(after.find((statement) => statement._id === dead!._id)).to.include({ status: 'sent', attempts: 2, lease: '' });
    expect(after.find((statement) => statement._id === alive!._id)).to.include({ status: 'queued', lease: 'busy-process' });
  });

  it('takes back a corrected record: a changed attendance voids the statement sent, an unsent one is replaced', async () => {
    const events = eventsFor();
    const attended = events.attended({ minutes: 85 });
    await publish('live.attended', attended);
    await worker().tick();
    const [first] = await all();
    // Summarised again with other minutes: the first statement is voided, the new one sent.
    await publish('live.attended', { ...attended, minutes: 60 });
    // And again with the same figures: nothing new.
    await publish('live.attended', { ...attended, minutes: 60 });
    await worker().tick();
    const stored = [...lrs.stored.values()];
    expect(stored).to.have.length(3);
    const voiding = stored.find((statement) => (statement.verb as { id: string }).id.endsWith('/voided'))!;
    expect(voiding.object).to.deep.equal({ objectType: 'StatementRef', id: first!._id });
    expect(
      stored.filter((statement) => (statement.result as { duration?: string } | undefined)?.duration === 'PT60M'),
    ).to.have.length(1);

    // Not sent yet when corrected (queued, never tried): it simply never goes.
    const other = eventsFor().attended({ minutes: 30 });
    await publish('live.attended', other);
    await publish('live.attended', { ...other, minutes: 0 });
    expect((await all()).filter((statement) => statement.status === 'queued')).to.have.length(0);
  });

  it('deletes sent statements 30 days after they were sent, and keeps queued and failed ones', async () => {
    const events = eventsFor();
    await publish('assessment.graded', events.graded());
    await publish('assessment.graded', events.graded());
    await worker().tick();
    await publish('assessment.graded', events.graded());
    await publish('assessment.graded', events.graded());
    const [queued, failed] = (await all()).filter((statement) => statement.status === 'queued');
    await XapiStatement.updateOne({ _id: failed!._id }, { $set: { status: 'failed' } });
    const day = 24 * 60 * 60 * 1000;
    expect(await deleteSentStatements(new Date(clock + 29 * day))).to.equal(0);
    expect(await deleteSentStatements(new Date(clock + 31 * day + 1))).to.equal(2);
    expect((await all()).map((statement) => statement._id).sort()).to.deep.equal([queued!._id, failed!._id].sort());
    // The next run starts where this one stopped.
    expect(await deleteSentStatements(new Date(clock + 32 * day))).to.equal(0);
    expect((await store()).cleanedThrough).to.be.a('string');
  });
});
