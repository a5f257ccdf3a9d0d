import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { removeExpiredExports } from '../../src/exports/cleanup.js';
import { ExportJob } from '../../src/exports/model.js';
import { createExportWorker } from '../../src/exports/worker.js';
import { LocalDiskStorage } from '../../src/files/storage.js';
import { type DomainEvents, follow, unfollow } from '../../src/platform/events.js';
import { buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { defineTestTable } from './tables.js';

const uploadDir = () => process.env.TEST_UPLOAD_DIR!;
const temporaryFolder = () => path.join(uploadDir(), '.tmp');
const partFiles = async () => (await readdir(temporaryFolder()).catch(() => [])).filter((name) => name.endsWith('.part'));
const leaseMs = 60_000;

async function until(check: () => Promise<boolean>, what: string) {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('exports: background jobs, their progress, a restart and the clean-up', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  const storage = () => new LocalDiskStorage(uploadDir());
  let institution: string;
  let coordinator: Awaited<ReturnType<typeof loggedInAgent>>;
  const made: DomainEvents['export.made'][] = [];
  let clock = Date.now();
  const worker = () =>
    createExportWorker({
      storage: storage(),
      temporaryFolder: temporaryFolder(),
      now: () => clock,
      leaseMs,
      progressEvery: 1000,
    });

  /** The first read of the table stops after 2,500 rows until `release`; later reads run through. */
  let release: () => void = () => undefined;
  const firstReadHeld = new Promise<void>((resolve) => {
    release = resolve;
  });
  let unregister: () => void;

  before(async () => {
    unregister = defineTestTable('test-slow', {
      pauseAfter: 2500,
      gate: (run) => (run === 1 ? firstReadHeld : Promise.resolve()),
    });
    follow('exports-jobs-test', { 'export.made': (event) => void made.push(event) });
    institution = (await makeInstitution()).id;
    const user = await makeUser('coordinator', institution);
    coordinator = await loggedInAgent(app, user.email, user.password);
  });
  after(() => {
    release();
    unregister();
    unfollow('exports-jobs-test');
  });

  const start = async (name: string, rows: number) => {
    const response = await coordinator
      .post('/api/v1/exports')
      .set('x-csrf-token', await csrfTokenOf(coordinator))
      .send({ name, format: 'csv', params: { institution, rows: String(rows) } });
    expect(response.status).to.equal(201);
    return response.body.id as string;
  };

  it('shows its progress half-way; after its process dies another worker takes it over at the lease and finishes it', async () => {
    const id = await start('test-slow', 6000);
    const first = worker();
    const firstRun = first.tick();
    await until(async () => (await ExportJob.findById(id).lean())?.rowsDone === 2000, 'the first 2,000 rows');

    const half = await coordinator.get(`/api/v1/exports/${id}`);
    expect(half.body).to.deep.include({ status: 'running', rowsDone: 2000, rowsTotal: 6000, percent: 33, download: null });
    const page = await coordinator.get(`/exports/jobs/${id}`);
    expect(page.text).to.include('<progress id="export-bar" max="100" value="33">');
    expect(page.text).to.include('Sedang dibuat');
    expect(page.text).to.include('<meta http-equiv="refresh" content="2">');
    expect(await partFiles()).to.have.length(1);

    // The first worker is stuck as a dead process would be: nobody takes the job before its lease ends.
    const second = worker();
    expect(await second.tick(), 'within the lease').to.equal(0);
    clock += leaseMs + 1;
    expect(await second.tick(), 'after the lease').to.equal(1);
    const done = await coordinator.get(`/api/v1/exports/${id}`);
    expect(done.body).to.deep.include({ status: 'done', rowsDone: 6000, percent: 100 });
    expect((await ExportJob.findById(id).lean())?.attempts).to.equal(2);

    // The first worker comes back to life: it finds the job no longer its own and throws its file away.
    release();
    await firstRun;
    expect(await partFiles()).to.have.length(0);
    const file = await coordinator.get(done.body.download).buffer(true);
    const rows = parse(file.text.replace(/^\uFEFF/, '')) as string[][];
    expect(rows).to.have.length(6001);
    expect(rows[6000]![1]).to.equal('5999');
    expect(
      made.filter((event) => event.what === 'test-slow'),
      'one export, one event',
    ).to.have.length(1);
  });

  it('a stopped worker hands its job back to the queue, and the next one writes it whole', async () => {
    const stuck = defineTestTable('test-stuck', {
      pauseAfter: 1500,
      gate: (run) => (run === 1 ? new Promise((resolve) => setTimeout(resolve, 200)) : Promise.resolve()),
    });
    try {
      const id = await start('test-stuck', 3000);
      const running = worker();
      running.start(60_000);
      const ticking = running.tick();
      await until(async () => (await ExportJob.findById(id).lean())?.status === 'running', 'the claim');
      await running.stop();
      await ticking;
      const handed = await ExportJob.findById(id).lean();
      expect(handed).to.deep.include({ status: 'queued', rowsDone: 0, leaseOwner: '' });
      expect(await worker().tick()).to.equal(1);
      expect((await ExportJob.findById(id).lean())?.status).to.equal('done');
      expect(await partFiles()).to.have.length(0);
    } finally {
      stuck();
    }
  });

  it('the clean-up removes files and records a day after they were made, and keeps newer ones', async () => {
    const old = await start('test-slow', 10);
    const recent = await start('test-slow', 10);
    while ((await worker().tick()) > 0) {
      // both written
    }
    const [oldJob, recentJob] = await Promise.all([ExportJob.findById(old).lean(), ExportJob.findById(recent).lean()]);
    const now = new Date();
    await ExportJob.updateOne({ _id: old }, { $set: { finishedAt: new Date(now.getTime() - 25 * 3600_000) } });
    await ExportJob.updateOne({ _id: recent }, { $set: { finishedAt: new Date(now.getTime() - 23 * 3600_000) } });
    expect(await storage().stat(oldJob!.file!.key)).not.to.equal(undefined);

    expect(await removeExpiredExports(now, uploadDir())).to.be.at.least(1);
    expect(await storage().stat(oldJob!.file!.key)).to.equal(undefined);
    expect(await ExportJob.findById(old).lean()).to.equal(null);
    expect(await storage().stat(recentJob!.file!.key)).not.to.equal(undefined);
    expect((await coordinator.get(`/exports/jobs/${old}/download`)).status).to.equal(404);
    expect((await coordinator.get(`/exports/jobs/${recent}/download`)).status).to.equal(200);
  });
});
