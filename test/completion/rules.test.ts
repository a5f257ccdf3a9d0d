import { expect } from 'chai';
import { decideVerdict } from '../../src/assessments/results/verdicts.js';
import { findCohort } from '../../src/cohorts/service.js';
import { CompletionRecord } from '../../src/completion/model.js';
import { intact, recordById } from '../../src/completion/records.js';
import { approveCompletion, cohortCompletion, revokeCompletion, settleRecords } from '../../src/completion/service.js';
import { cohortStandings } from '../../src/completion/standing.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { undoDecision } from '../../src/enrolment/service.js';
import { completeLesson } from '../../src/learning/service.js';
import { type CompletionCohort, completionCohort, completionUnits, giveVerdicts, heldClass } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const minute = 60_000;
const statusOf = async (id: string) => (await Enrollment.findById(id, { status: 1 }).lean())?.status;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error) => error as { status: number; key: string; fields?: { field: string; key: string }[] },
  );

async function standingOf(setup: CompletionCohort, trainee: string) {
  const { standings } = await cohortStandings(await findCohort(setup.cohort), { only: trainee });
  return standings[0]!;
}
const check = (standing: Awaited<ReturnType<typeof standingOf>>, rule: string) => standing.checks.find((c) => c.rule === rule)!;

describe('completion: rules, approval, frozen records, revocation', () => {
  useTestDatabase(import.meta.url);

  describe('each rule, on and off', () => {
    it('every unit competent: met with K in all, not with a BK or a unit without verdict; off, it does not count', async () => {
      const setup = await completionCohort({ trainees: 3 });
      const [allK, oneBk, missing] = setup.trainees;
      await giveVerdicts(setup, allK!.id, 'K');
      await giveVerdicts(setup, oneBk!.id, 'K');
      await decideVerdict(
        setup.instructor.actor,
        { cohortId: setup.cohort, traineeId: oneBk!.id, unit: completionUnits[1].code },
        { status: 'BK', reason: 'Belum lengkap', revision: 1 },
      );
      await decideVerdict(
        setup.instructor.actor,
        { cohortId: setup.cohort, traineeId: missing!.id, unit: completionUnits[0].code },
        { status: 'K', reason: 'Diamati', revision: 0 },
      );
      expect(check(await standingOf(setup, allK!.id), 'units')).to.deep.equal({ rule: 'units', on: true, met: true });
      expect((await standingOf(setup, allK!.id)).eligible).to.equal(true);
      expect(check(await standingOf(setup, oneBk!.id), 'units').met).to.equal(false);
      expect((await standingOf(setup, oneBk!.id)).eligible).to.equal(false);
      const incomplete = await standingOf(setup, missing!.id);
      expect(incomplete.units.map((unit) => unit.verdict)).to.deep.equal(['K', null]);
      expect(incomplete.eligible).to.equal(false);

      const off = await completionCohort({ rules: { allUnitsCompetent: false, minAttendancePercent: 0 } });
      const nobody = await standingOf(off, off.trainees[0]!.id);
      expect(check(nobody, 'units')).to.deep.equal({ rule: 'units', on: false, met: false });
      expect(nobody.eligible, 'no rule on: everyone is proposed').to.equal(true);
    });

    it('attendance: at or above the threshold of minutes held counts, below does not (exactly, no rounding up); no class held meets it', async () => {
      const setup = await completionCohort({ trainees: 3, rules: { allUnitsCompetent: false, minAttendancePercent: 80 } });
      const [enough, short, absent] = setup.trainees;
      expect(check(await standingOf(setup, absent!.id), 'attendance'), 'nothing held yet').to.deep.equal({
        rule: 'attendance',
        on: true,
        met: true,
      });
      await heldClass(
        setup,
        new Map([
          [enough!.id, 80],
          [short!.id, 79],
        ]),
      );
      const good = await standingOf(setup, enough!.id);
      expect(good.attendance).to.deep.include({
        minutes: 80,
        scheduledMinutes: 100,
        percent: 80,
        sessionsHeld: 1,
        sessionsAttended: 1,
      });
      expect(check(good, 'attendance').met).to.equal(true);
      const below = await standingOf(setup, short!.id);
      expect(below.attendance.percent).to.equal(79);
      expect(check(below, 'attendance').met).to.equal(false);
      expect(below.eligible).to.equal(false);
      expect((await standingOf(setup, absent!.id)).attendance).to.deep.include({ minutes: 0, percent: 0 });
      expect(check(await standingOf(setup, absent!.id), 'attendance').met).to.equal(false);

      const off = await completionCohort({ trainees: 1, rules: { allUnitsCompetent: false, minAttendancePercent: 0 } });
      await heldClass(off, new Map());
      const nobody = await standingOf(off, off.trainees[0]!.id);
      expect(nobody.attendance.percent, 'absent from the one class held').to.equal(0);
      expect(check(nobody, 'attendance').on).to.equal(false);
      expect(nobody.eligible).to.equal(true);
    });

    it('required modules: every lesson of each required module done; other modules do not count; off when none is required', async () => {
      const none = await completionCohort({ rules: { allUnitsCompetent: false, minAttendancePercent: 0 } });
      const free = await standingOf(none, none.trainees[0]!.id);
      expect(check(free, 'modules')).to.deep.include({ on: false });
      expect(free.eligible).to.equal(true);

      const setup = await completionCohort({
        rules: { allUnitsCompetent: false, minAttendancePercent: 0, requiredModules: ['basics'] },
      });
      const trainee = setup.trainees[0]!;
      expect(check(await standingOf(setup, trainee.id), 'modules')).to.deep.equal({ rule: 'modules', on: true, met: false });
      await completeLesson(trainee.actor, setup.cohort, setup.lessons.basics[0]!);
      expect(check(await standingOf(setup, trainee.id), 'modules').met, 'one of two lessons').to.equal(false);
      await completeLesson(trainee.actor, setup.cohort, setup.lessons.basics[1]!);
      const standing = await standingOf(setup, trainee.id);
      expect(check(standing, 'modules').met, 'the other module is not required').to.equal(true);
      expect(standing.modules.map((m) => [m.title, m.done, m.lessons, m.required])).to.deep.equal([
        ['Dasar', 2, 2, true],
        ['Lanjutan', 0, 1, false],
      ]);
      expect(standing.eligible).to.equal(true);
    });
  });

  describe('approval', () => {
    it("freezes an eligible trainee's record (units with verdict, date and assessor; hours; attendance; hash) and completes the enrolment", async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id, 'K', new Date('2026-11-20T03:00:00Z'));
      const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment, {}, new Date('2026-11-25T02:00:00Z'));
      expect(record.status).to.equal('approved');
      expect(record.code).to.match(/^[0-9A-HJKMNP-TV-Z]{12}$/);
      expect(record.content).to.deep.include({ basis: 'rules', reason: '', hours: 36, approvedAt: '2026-11-25T02:00:00.000Z' });
      expect(record.content.trainee).to.deep.include({ id: trainee.id, name: 'Peserta Uji 1' });
      expect(record.content.program).to.deep.include({ title: 'Junior Web Programmer', version: 1, level: 2 });
      expect(record.content.units).to.deep.equal(
        completionUnits.map((unit) => ({
          code: unit.code,
          title: { id: unit.title, en: '' },
          verdict: 'K',
          at: '2026-11-20T03:00:00.000Z',
          assessor: 'Instruktur Uji',
        })),
      );
      expect(record.content.approvedBy).to.deep.equal({ id: setup.coordinator.id, name: 'Koordinator Uji' });
      expect(intact(record)).to.equal(true);
      expect(await statusOf(trainee.enrollment)).to.equal('completed');
      expect((await recordById(record.id))!.content).to.deep.equal(record.content);
    });

    it('refuses a trainee who does not meet the rules unless a reason is given, then records it by hand', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      const refused = await failure(approveCompletion(setup.coordinator.actor, trainee.enrollment));
      expect(refused?.status).to.equal(422);
      expect(refused?.fields).to.deep.equal([{ field: 'reason', key: 'completion.errors.reasonRequired' }]);
      expect(await statusOf(trainee.enrollment), 'nothing written').to.equal('enrolled');
      expect(await CompletionRecord.countDocuments({ enrollment: trainee.enrollment })).to.equal(0);
      const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment, {
        reason: 'Asesmen ulang di tempat kerja, berkas menyusul',
      });
      expect(record.content).to.deep.include({ basis: 'manual', reason: 'Asesmen ulang di tempat kerja, berkas menyusul' });
      expect(record.content.units.map((unit) => unit.verdict)).to.deep.equal([null, null]);
      expect(await statusOf(trainee.enrollment)).to.equal('completed');
    });

    it('two coordinators approving at once, and a retried approval, make one record', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      const other = await makeUser('coordinator', setup.institution);
      const otherActor = { id: other.id, role: 'coordinator' as const, institution: setup.institution };
      const records = await Promise.all([
        approveCompletion(setup.coordinator.actor, trainee.enrollment),
        approveCompletion(otherActor, trainee.enrollment),
        approveCompletion(setup.coordinator.actor, trainee.enrollment),
      ]);
      expect(new Set(records.map((record) => record.id)).size).to.equal(1);
      expect(await CompletionRecord.countDocuments({ enrollment: trainee.enrollment })).to.equal(1);
    });

    it("is refused to the cohort's instructor, another institution's coordinator and the trainee", async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      const elsewhere = await makeInstitution();
      const stranger = await makeUser('coordinator', elsewhere.id);
      for (const actor of [
        setup.instructor.actor,
        { id: stranger.id, role: 'coordinator' as const, institution: elsewhere.id },
        trainee.actor,
      ]) {
        expect((await failure(approveCompletion(actor, trainee.enrollment)))?.status).to.equal(403);
      }
      expect(await statusOf(trainee.enrollment)).to.equal('enrolled');
    });

    it('keeps the record as approved when verdicts change afterwards; a changed record no longer matches its hash', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment);
      await decideVerdict(
        setup.instructor.actor,
        { cohortId: setup.cohort, traineeId: trainee.id, unit: completionUnits[0].code },
        { status: 'BK', reason: 'Ditemukan kekeliruan', revision: 1 },
      );
      const after = (await recordById(record.id))!;
      expect(after.content.units[0]!.verdict).to.equal('K');
      expect(after.hash).to.equal(record.hash);
      expect(intact(after)).to.equal(true);
      await CompletionRecord.updateOne({ _id: record.id }, { $set: { 'content.hours': 360 } });
      expect(intact((await recordById(record.id))!), 'hours changed behind the app').to.equal(false);
    });

    it('cannot be undone as a decision: the completion is revoked instead', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      await approveCompletion(setup.coordinator.actor, trainee.enrollment);
      const change = (await Enrollment.findById(trainee.enrollment).lean())!.lastChange!.id;
      const refused = await failure(undoDecision(setup.coordinator.actor, trainee.enrollment, change));
      expect(refused?.key).to.equal('enrolment.undo.completionRecord');
      expect(await statusOf(trainee.enrollment)).to.equal('completed');
    });
  });

  describe('revocation and reissue', () => {
    it('revokes with a reason (kept), the trainee studies on; revoking again changes nothing', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment);
      const short = await failure(revokeCompletion(setup.coordinator.actor, record.id, { reason: ' ', reissue: false }));
      expect(short?.fields).to.deep.equal([{ field: 'reason', key: 'completion.errors.revokeReasonRequired' }]);
      const { revoked, issued } = await revokeCompletion(setup.coordinator.actor, record.id, {
        reason: 'Salah peserta',
        reissue: false,
      });
      expect(issued).to.equal(null);
      expect(revoked.status).to.equal('revoked');
      expect(revoked.revocation).to.deep.include({ reason: 'Salah peserta', byName: 'Koordinator Uji' });
      expect(revoked.content, 'what was approved is kept').to.deep.equal(record.content);
      expect(await statusOf(trainee.enrollment)).to.equal('enrolled');
      const again = await revokeCompletion(setup.coordinator.actor, record.id, { reason: 'Klik kedua', reissue: false });
      expect(again.revoked.revocation!.reason).to.equal('Salah peserta');
      const page = await cohortCompletion(setup.coordinator.actor, setup.cohort);
      expect(
        page.proposed.map((row) => row.trainee),
        'proposed again: the rules are still met',
      ).to.deep.equal([trainee.id]);
    });

    it('a correction revokes and issues a new record from what stands now, naming each other', async () => {
      const setup = await completionCohort({ trainees: 1 });
      const trainee = setup.trainees[0]!;
      await giveVerdicts(setup, trainee.id);
      const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment);
      await decideVerdict(
        setup.instructor.actor,
        { cohortId: setup.cohort, traineeId: trainee.id, unit: completionUnits[1].code },
        { status: 'K', reason: 'Dinilai ulang: catatan diperbaiki', revision: 1 },
      );
      const { revoked, issued } = await revokeCompletion(setup.coordinator.actor, record.id, {
        reason: 'Nama asesor keliru',
        reissue: true,
      });
      expect(issued).to.not.equal(null);
      expect(issued!.id).to.not.equal(record.id);
      expect(issued!.code).to.not.equal(record.code);
      expect(issued!.replaces).to.equal(record.id);
      expect(revoked.replacedBy).to.equal(issued!.id);
      expect(issued!.content.basis).to.equal('rules');
      expect(issued!.status).to.equal('approved');
      expect(await statusOf(trainee.enrollment)).to.equal('completed');
      const page = await cohortCompletion(setup.coordinator.actor, setup.cohort);
      expect(page.completed.map((row) => row.record!.id)).to.deep.equal([issued!.id]);
      expect(page.records.map((r) => r.status).sort()).to.deep.equal(['approved', 'revoked']);
    });
  });

  it('finishes what a crash left between a record and its enrolment', async () => {
    const setup = await completionCohort({ trainees: 1 });
    const trainee = setup.trainees[0]!;
    await giveVerdicts(setup, trainee.id);
    const record = await approveCompletion(setup.coordinator.actor, trainee.enrollment);
    // As if the process stopped after writing the record: the enrolment still says enrolled.
    await Enrollment.updateOne({ _id: trainee.enrollment }, { $set: { status: 'enrolled', completedAt: null } });
    await CompletionRecord.updateOne({ _id: record.id }, { $set: { settled: false } });
    expect(await settleRecords(new Date()), 'written just now: left to its own request').to.equal(0);
    expect(await settleRecords(new Date(Date.now() + 5 * minute))).to.equal(1);
    expect(await statusOf(trainee.enrollment)).to.equal('completed');
    expect(await settleRecords(new Date(Date.now() + 10 * minute))).to.equal(0);
  });
});
