import { expect } from 'chai';
import { UnitResult, unitResultId } from '../../src/assessments/results/model.js';
import { Cohort } from '../../src/cohorts/model.js';
import { findCohort } from '../../src/cohorts/service.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { atRiskTrainees, type CohortRisk, inactiveAfterDays, type RiskRule } from '../../src/monitoring/atRisk.js';
import { rebuildCohortSummary } from '../../src/monitoring/summaries/rebuild.js';
import { forgetContact } from '../../src/users/directory.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent, visibleText } from '../support/app.js';
import { type CompletionCohort, completionCohort, completionUnits, giveVerdicts, heldClass } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const minute = 60_000;
const day = 24 * 3600_000;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error) => error as { status: number },
  );

/** The rules each trainee trips, by trainee id (only those at risk). */
const rulesBy = (risk: CohortRisk) =>
  new Map(risk.atRisk.map((trainee) => [trainee.trainee, trainee.reasons.map((reason) => reason.rule)]));
const reasonOf = (risk: CohortRisk, trainee: string, rule: RiskRule) =>
  risk.atRisk.find((entry) => entry.trainee === trainee)?.reasons.find((reason) => reason.rule === rule);

/** `days` after the cohort's first day began. */
async function intoRun(setup: CompletionCohort, days: number) {
  const cohort = await findCohort(setup.cohort);
  return new Date(cohort.startsOn.getTime() + days * day);
}

/**
 * These tests set records straight in the database, behind the followers' back (as a data fix
 * would): the cohort's monitoring summary is then rebuilt from the records, as the dashboard's
 * "Hitung ulang" does. test/monitoring/dashboards.test.ts checks that events keep it the same.
 */
const recordsWritten = (cohort: string) => rebuildCohortSummary(cohort);

async function progress(enrollment: string, completed: string[], lastActivityAt: Date | null) {
  await Enrollment.updateOne(
    { _id: enrollment },
    { $set: { 'progress.completed': completed, 'progress.lastActivityAt': lastActivityAt } },
  );
  await recordsWritten(enrollment.split(':')[0]!);
}

describe('monitoring: trainees at risk', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  describe('rules, each on its own', () => {
    it(`inactive: no lesson activity for ${inactiveAfterDays} days, counted from the cohort's start at the earliest`, async () => {
      const setup = await completionCohort({ trainees: 3 });
      const [idle, busy, never] = setup.trainees;
      const now = await intoRun(setup, 10);
      await progress(idle!.enrollment, [], new Date(now.getTime() - 9 * day));
      await progress(busy!.enrollment, [], new Date(now.getTime() - 2 * day));
      const risk = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
      expect(rulesBy(risk).get(idle!.id)).to.deep.equal(['inactive']);
      expect(reasonOf(risk, idle!.id, 'inactive')).to.deep.include({ days: 9 });
      expect(rulesBy(risk).has(busy!.id), 'active two days ago').to.equal(false);
      // Enrolled before the start and never active: idle since the start, 10 days.
      expect(reasonOf(risk, never!.id, 'inactive')).to.deep.include({ days: 10 });

      const before = await atRiskTrainees(setup.coordinator.actor, setup.cohort, await intoRun(setup, -1));
      expect(before.atRisk, 'nobody is idle before the cohort starts').to.deep.equal([]);
      expect(before.elapsedPercent).to.equal(null);
    });

    it('behind schedule: lessons done below the share of the run elapsed minus 20 points, once started', async () => {
      const setup = await completionCohort({ trainees: 2 });
      const [slow, steady] = setup.trainees;
      const lessons = [...setup.lessons.basics, ...setup.lessons.advanced];
      const now = await intoRun(setup, 40);
      await progress(slow!.enrollment, lessons.slice(0, 1), new Date(now.getTime() - day));
      await progress(steady!.enrollment, lessons.slice(0, 2), new Date(now.getTime() - day));
      const risk = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
      expect(risk.elapsedPercent).to.be.within(70, 80);
      expect(rulesBy(risk).get(slow!.id)).to.deep.equal(['behind']);
      expect(reasonOf(risk, slow!.id, 'behind')).to.deep.equal({
        rule: 'behind',
        done: 1,
        total: 3,
        elapsedPercent: risk.elapsedPercent,
      });
      expect(
        risk.onTrack.map((trainee) => trainee.trainee),
        '2 of 3 is within 20 points',
      ).to.deep.equal([steady!.id]);

      // Early in the run, nothing done is not behind yet (1 day of ~54: under 20%).
      await progress(slow!.enrollment, [], new Date());
      const early = await atRiskTrainees(setup.coordinator.actor, setup.cohort, await intoRun(setup, 1));
      expect(early.atRisk).to.deep.equal([]);
    });

    it('failed assessments: a BK verdict or a quiz result that counts and did not pass', async () => {
      const setup = await completionCohort({ trainees: 4 });
      const [bk, passedAll, failedQuiz, passedQuiz] = setup.trainees;
      const now = await intoRun(setup, 1);
      await giveVerdicts(setup, bk!.id, 'BK');
      await giveVerdicts(setup, passedAll!.id, 'K');
      const quiz = (trainee: string, passed: boolean) =>
        UnitResult.create({
          _id: unitResultId(setup.cohort, trainee, completionUnits[0].code),
          cohort: setup.cohort,
          trainee,
          unit: completionUnits[0].code,
          quizzes: { q1: { title: 'Kuis Struktur Data', attempt: 'a1', percent: passed ? 90 : 40, passed, at: now } },
        });
      await quiz(failedQuiz!.id, false);
      await quiz(passedQuiz!.id, true);
      await recordsWritten(setup.cohort);
      const risk = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
      expect(rulesBy(risk).get(bk!.id)).to.deep.equal(['failed']);
      expect(reasonOf(risk, bk!.id, 'failed')).to.deep.equal({
        rule: 'failed',
        units: completionUnits.map((unit) => unit.code),
        quizzes: [],
      });
      expect(reasonOf(risk, failedQuiz!.id, 'failed')).to.deep.equal({
        rule: 'failed',
        units: [],
        quizzes: [{ title: 'Kuis Struktur Data', percent: 40 }],
      });
      expect(risk.onTrack.map((trainee) => trainee.trainee)).to.have.members([passedAll!.id, passedQuiz!.id]);
    });

    it("low attendance: below the version's threshold once a class was held, only when the rule is on", async () => {
      const setup = await completionCohort({ trainees: 2, rules: { allUnitsCompetent: false, minAttendancePercent: 80 } });
      const [absent, present] = setup.trainees;
      const now = await intoRun(setup, 1);
      const none = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
      expect(none.atRisk, 'no class held yet').to.deep.equal([]);
      await heldClass(
        setup,
        new Map([
          [absent!.id, 45],
          [present!.id, 90],
        ]),
      );
      const risk = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
      expect(rulesBy(risk).get(absent!.id)).to.deep.equal(['attendance']);
      expect(reasonOf(risk, absent!.id, 'attendance')).to.deep.equal({ rule: 'attendance', percent: 45, minimum: 80 });
      expect(rulesBy(risk).has(present!.id)).to.equal(false);

      const off = await completionCohort({ trainees: 1, rules: { allUnitsCompetent: false, minAttendancePercent: 0 } });
      await heldClass(off, new Map([[off.trainees[0]!.id, 10]]));
      const offRisk = await atRiskTrainees(off.coordinator.actor, off.cohort, await intoRun(off, 1));
      expect(offRisk.atRisk, 'the rule is off').to.deep.equal([]);
    });
  });

  it("lists only the cohort's studying trainees; refused to another institution's coordinator and to a trainee", async () => {
    const setup = await completionCohort({ trainees: 2 });
    const other = await completionCohort({ trainees: 1 });
    const [studying, withdrawn] = setup.trainees;
    await Enrollment.updateOne({ _id: withdrawn!.enrollment }, { $set: { status: 'withdrawn' } });
    await recordsWritten(setup.cohort);
    const now = await intoRun(setup, 20);
    const risk = await atRiskTrainees(setup.coordinator.actor, setup.cohort, now);
    const listed = [...risk.atRisk, ...risk.onTrack].map((trainee) => trainee.trainee);
    expect(listed).to.deep.equal([studying!.id]);
    expect(listed).not.to.include(other.trainees[0]!.id);

    const elsewhere = await makeInstitution();
    const stranger = await makeUser('coordinator', elsewhere.id);
    for (const actor of [{ id: stranger.id, role: 'coordinator' as const, institution: elsewhere.id }, studying!.actor]) {
      expect((await failure(atRiskTrainees(actor, setup.cohort, now)))?.status).to.equal(403);
    }
    expect((await atRiskTrainees(setup.instructor.actor, setup.cohort, now)).atRisk).to.have.length(1);
  });

  describe('page and API', () => {
    /** A cohort that started 30 days ago and ends in 30: Ani idle 12 days with nothing done, Budi BK, Citra fine. */
    async function runningCohort() {
      const setup = await completionCohort({ trainees: 3 });
      const [ani, budi, citra] = setup.trainees;
      const now = Date.now();
      await Cohort.updateOne(
        { _id: setup.cohort },
        { $set: { startsOn: new Date(now - 30 * day), endsOn: new Date(now + 30 * day) } },
      );
      const lessons = [...setup.lessons.basics, ...setup.lessons.advanced];
      await progress(ani!.enrollment, [], null);
      await Enrollment.updateOne({ _id: ani!.enrollment }, { $set: { enrolledAt: new Date(now - 12 * day - minute) } });
      await recordsWritten(setup.cohort);
      await progress(budi!.enrollment, lessons, new Date(now - day));
      await giveVerdicts(setup, budi!.id, 'BK');
      await progress(citra!.enrollment, lessons, new Date(now - day));
      await User.updateOne({ _id: ani!.id }, { $set: { phone: '0812-3456-7890' } });
      forgetContact(ani!.id);
      return { setup, ani: ani!, budi: budi!, citra: citra! };
    }

    it('shows the trainees at risk first with their reasons in Indonesian and a message to send', async () => {
      const { setup, ani, budi, citra } = await runningCohort();
      const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
      const show = await coordinator.get(`/cohorts/${setup.cohort}`);
      expect(show.text).to.include(`href="/cohorts/${setup.cohort}/at-risk"`);

      const page = await coordinator.get(`/cohorts/${setup.cohort}/at-risk`);
      expect(page.status).to.equal(200);
      const text = visibleText(page.text);
      expect(text).to.include('Perlu perhatian (2)');
      expect(text).to.include('Sesuai jadwal (1)');
      expect(text).to.include('Tidak aktif 12 hari');
      expect(text).to.match(/Tertinggal: 0 dari 3 materi, jadwal sudah (49|50|51)%/);
      expect(text).to.include(`Belum kompeten: ${completionUnits[0].code}, ${completionUnits[1].code}`);
      expect(text.indexOf(ani.name), 'at risk before on track').to.be.below(text.indexOf(citra.name));
      // Ani has a mobile number: WhatsApp with the text prefilled; Budi has none: mail.
      expect(page.text).to.match(/href="https:\/\/wa\.me\/6281234567890\?text=Halo%20Peserta[^"]*"/);
      expect(page.text).to.include(`href="mailto:${budi.email}?subject=`);
      expect(page.text).not.to.include(`data-on-track="${ani.id}"`);
      expect(page.text).to.include(`data-on-track="${citra.id}"`);
    });

    it('answers the API in English with the rules, figures and links', async () => {
      const { setup, ani, budi } = await runningCohort();
      const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
      const response = await coordinator.get(`/api/v1/cohorts/${setup.cohort}/at-risk`).set('Accept-Language', 'en');
      expect(response.status).to.equal(200);
      expect(response.body.onTrack).to.equal(1);
      const byId = new Map(response.body.atRisk.map((entry: { trainee: string }) => [entry.trainee, entry]));
      const aniEntry = byId.get(ani.id) as { reasons: { rule: string; text: string }[]; whatsApp: string; mailto: string };
      expect(aniEntry.reasons.map((reason) => reason.rule)).to.deep.equal(['inactive', 'behind']);
      expect(aniEntry.reasons[0]!.text).to.equal('Inactive for 12 days');
      expect(aniEntry.reasons[1]!.text).to.match(/^Behind: 0 of 3 lessons, (49|50|51)% of the schedule elapsed$/);
      expect(aniEntry.whatsApp).to.match(/^https:\/\/wa\.me\/6281234567890\?text=Hello%20Peserta/);
      const budiEntry = byId.get(budi.id) as { reasons: { text: string }[]; whatsApp: string | null; mailto: string };
      expect(budiEntry.reasons.map((reason) => reason.text)).to.deep.equal([
        `Not yet competent: ${completionUnits[0].code}, ${completionUnits[1].code}`,
      ]);
      expect(budiEntry.whatsApp).to.equal(null);
      expect(budiEntry.mailto).to.match(new RegExp(`^mailto:${budi.email.replace(/[.+]/g, '\\$&')}\\?subject=`));
    });

    it("is refused to another institution's coordinator and to the cohort's trainee", async () => {
      const { setup, ani } = await runningCohort();
      const elsewhere = await makeInstitution();
      const stranger = await makeUser('coordinator', elsewhere.id);
      for (const person of [stranger, ani]) {
        const agent = await loggedInAgent(app, person.email, person.password);
        expect((await agent.get(`/cohorts/${setup.cohort}/at-risk`)).status).to.equal(403);
        expect((await agent.get(`/api/v1/cohorts/${setup.cohort}/at-risk`)).status).to.equal(403);
      }
    });
  });
});
