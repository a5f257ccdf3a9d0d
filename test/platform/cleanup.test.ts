import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { deleteExpiredRecords } from '../../src/cleanup.js';
import { Cohort } from '../../src/cohorts/model.js';
import { Enrollment, SeatChange } from '../../src/enrolment/model.js';
import { seatsTaken } from '../../src/enrolment/seats.js';
import { applyOnBehalf, approveEnrollment, withdrawEnrollment } from '../../src/enrolment/service.js';
import { findJob, ImportJob, startJob } from '../../src/platform/jobs.js';
import { makeCohortSetup } from '../support/cohorts.js';
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

  describe('places a crash left half-taken or half-freed', () => {
    /** Replaces a model's method until the returned function puts it back: where a test stops or holds a change. */
    function replace<M extends object, K extends keyof M>(model: M, method: K, by: unknown): () => void {
      const original = model[method];
      model[method] = by as M[K];
      return () => {
        model[method] = original;
      };
    }

    /** The next call of the method fails, as it would if the process stopped right there. */
    function stopAtNext<M extends object>(model: M, method: keyof M): void {
      const restore = replace(model, method, async () => {
        restore();
        throw new Error('the process stopped here');
      });
    }

    /** The marks of interrupted changes and their enrolments, as two days of outage leave them. */
    async function twoDaysLater() {
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await SeatChange.updateMany({}, { $set: { startedAt: twoDaysAgo } });
      await Enrollment.collection.updateMany({}, { $set: { updatedAt: twoDaysAgo } });
    }

    async function twoApplicants(capacity: number) {
      const setup = await makeCohortSetup({ capacity });
      const [first, second] = await Promise.all([makeUser('trainee', setup.institution), makeUser('trainee', setup.institution)]);
      const a = await applyOnBehalf(setup.coordinator, setup.cohort, first!.id, { source: 'staff' });
      const b = await applyOnBehalf(setup.coordinator, setup.cohort, second!.id, { source: 'staff' });
      return { setup, a, b };
    }

    const statusOf = async (id: string) => (await Enrollment.findById(id, { status: 1 }).lean())?.status;

    it('enrols, two days later, an approval a crash stopped between taking the place and enrolling', async () => {
      const { setup, a, b } = await twoApplicants(1);
      stopAtNext(Enrollment, 'bulkWrite');
      expect((await approveEnrollment(setup.coordinator, a.id).catch((error) => error)).message).to.equal(
        'the process stopped here',
      );
      // The place is held for the approval that did not finish: the next one waits.
      expect(await statusOf(a.id)).to.equal('applied');
      expect((await approveEnrollment(setup.coordinator, b.id)).status).to.equal('waitlisted');
      await twoDaysLater();
      const result = await deleteExpiredRecords(mongoose.connection);
      expect(result.seatsRepaired).to.equal(1);
      expect([await statusOf(a.id), await statusOf(b.id)]).to.deep.equal(['enrolled', 'waitlisted']);
      expect(await seatsTaken(setup.cohort)).to.equal(1);
      expect(await SeatChange.countDocuments({ cohort: setup.cohort }), 'the change is finished').to.equal(0);
    });

    it('hands on, two days later, the place of a trainee whose withdrawal a crash stopped half-way', async () => {
      const { setup, a, b } = await twoApplicants(1);
      expect((await approveEnrollment(setup.coordinator, a.id)).status).to.equal('enrolled');
      expect((await approveEnrollment(setup.coordinator, b.id)).status).to.equal('waitlisted');
      // The status is written, then the process stops before the place is handed back.
      stopAtNext(Cohort, 'updateOne');
      expect((await withdrawEnrollment(setup.coordinator, a.id, 'pindah').catch((error) => error)).message).to.equal(
        'the process stopped here',
      );
      expect([await statusOf(a.id), await statusOf(b.id)]).to.deep.equal(['withdrawn', 'waitlisted']);
      await twoDaysLater();
      expect((await deleteExpiredRecords(mongoose.connection)).seatsRepaired).to.be.greaterThan(0);
      expect([await statusOf(a.id), await statusOf(b.id)]).to.deep.equal(['withdrawn', 'enrolled']);
      expect(await seatsTaken(setup.cohort)).to.equal(1);
    });

    it('leaves alone an approval that is taking its place right now', async () => {
      const { setup, a, b } = await twoApplicants(1);
      let reached: () => void = () => {};
      let release: () => void = () => {};
      const atStatusWrite = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const original = Enrollment.bulkWrite.bind(Enrollment);
      const restore = replace(Enrollment, 'bulkWrite', async (...args: Parameters<typeof original>) => {
        restore();
        reached();
        await gate;
        return original(...args);
      });
      try {
        const approving = approveEnrollment(setup.coordinator, a.id);
        await atStatusWrite;
        // The clean-up runs while the approval holds its place but has not yet enrolled.
        expect((await deleteExpiredRecords(mongoose.connection)).seatsRepaired).to.equal(0);
        expect(await SeatChange.countDocuments({ cohort: setup.cohort }), 'its mark is kept').to.equal(1);
        expect((await approveEnrollment(setup.coordinator, b.id)).status, 'its place is not given away').to.equal('waitlisted');
        release();
        expect((await approving).status).to.equal('enrolled');
      } finally {
        release();
        restore();
      }
      expect(await seatsTaken(setup.cohort)).to.equal(1);
      expect(await SeatChange.countDocuments({ cohort: setup.cohort })).to.equal(0);
    });
  });
});
