import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { deleteExpiredRecords } from '../../src/platform/cleanup.js';
import { findJob, ImportJob, startJob } from '../../src/platform/jobs.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('periodic clean-up', () => {
  useTestDatabase(import.meta.url);

  it('marks an import whose process stopped as failed, and leaves a live one alone', async () => {
    const user = await makeUser('coordinator');
    const stale = await startJob('units', 'lama.csv', user.id);
    const live = await startJob('units', 'baru.csv', user.id);
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    await ImportJob.collection.updateOne({ _id: new mongoose.Types.ObjectId(stale) }, { $set: { updatedAt: hourAgo } });
    const result = await deleteExpiredRecords(mongoose.connection);
    expect(result.interruptedJobs).to.equal(1);
    expect((await findJob(stale))?.status).to.equal('failed');
    expect((await findJob(live))?.status).to.equal('running');
  });

  it('removes temporary upload files a crash left behind, but not uploads in progress', async () => {
    const uploadDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-cleanup-'));
    const temporary = path.join(uploadDir, '.tmp');
    await mkdir(temporary);
    await writeFile(path.join(temporary, 'old.part'), 'x');
    await writeFile(path.join(temporary, 'now.part'), 'y');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(path.join(temporary, 'old.part'), twoDaysAgo, twoDaysAgo);
    const result = await deleteExpiredRecords(mongoose.connection, new Date(), uploadDir);
    expect(result.temporaryFiles).to.equal(1);
    expect(await readdir(temporary)).to.deep.equal(['now.part']);
    await rm(uploadDir, { recursive: true, force: true });
  });
});
