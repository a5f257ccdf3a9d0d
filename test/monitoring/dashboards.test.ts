import { expect } from 'chai';
import { gradeSubmission } from '../../src/assessments/assignments/grading.js';
import { createAssignment, submitEvidence } from '../../src/assessments/assignments/service.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { completeEnrollment, withdrawEnrollment } from '../../src/enrolment/service.js';
import { completeLesson, markIncomplete, studyLesson } from '../../src/learning/service.js';
import { LiveSession } from '../../src/live/model.js';
import { summariseSession } from '../../src/live/reports/service.js';
import { cohortDashboard } from '../../src/monitoring/cohortDashboard.js';
import { funnelDashboard } from '../../src/monitoring/funnel.js';
import { CohortSummary, CohortTally } from '../../src/monitoring/summaries/model.js';
import { rebuildCohortSummary, summaryFromRecords } from '../../src/monitoring/summaries/rebuild.js';
import { readSummary, stateOf } from '../../src/monitoring/summaries/store.js';
import { buildTestApp, loggedInAgent, visibleText } from '../support/app.js';
import { type CompletionCohort, completionCohort, completionUnits, giveVerdicts, heldClass } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { logInForCookie, nextEvent, useSocketServer } from '../support/sockets.js';

/** Dates compare by their instant, wherever they were read from. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

/** A cohort with something of everything: lessons, an assignment graded, verdicts, a class held, a withdrawal. */
async function busyCohort(): Promise<CompletionCohort> {
  const setup = await completionCohort({ trainees: 4 });
  const [ani, budi, citra, dodi] = setup.trainees;
  const [first, second] = setup.lessons.basics;
  await studyLesson(ani!.actor, setup.cohort, first!);
  await completeLesson(ani!.actor, setup.cohort, first!);
  await completeLesson(ani!.actor, setup.cohort, second!);
  await completeLesson(ani!.actor, setup.cohort, setup.lessons.advanced[0]!);
  await completeLesson(budi!.actor, setup.cohort, first!);
  await completeLesson(budi!.actor, setup.cohort, second!);
  await markIncomplete(budi!.actor, setup.cohort, second!);
  const unit = completionUnits[0].code;
  const assignment = await createAssignment(setup.instructor.actor, setup.cohort, {
    title: 'Foto praktik',
    instructions: '',
    unit,
    criteria: [`${unit}#1.1`],
    kinds: [],
    maxFiles: 0,
    dueAt: new Date(Date.now() + 7 * 86_400_000),
  });
  for (const [trainee, met] of [
    [ani!, true],
    [budi!, false],
  ] as const) {
    await submitEvidence(trainee.actor, assignment.id, { text: 'Sudah saya kerjakan' });
    await gradeSubmission(setup.instructor.actor, assignment.id, trainee.id, {
      revision: 1,
      criteria: [{ ref: `${unit}#1.1`, met, comment: '' }],
      comment: '',
      decision: met ? 'accepted' : 'resubmit',
      resubmitDueAt: met ? undefined : new Date(Date.now() + 3 * 86_400_000),
    });
  }
  await giveVerdicts(setup, ani!.id, 'K');
  await giveVerdicts(setup, citra!.id, 'BK');
  await heldClass(
    setup,
    new Map([
      [ani!.id, 90],
      [budi!.id, 30],
    ]),
  );
  const session = await LiveSession.findOne({ cohort: setup.cohort }).lean();
  await summariseSession(String(session!._id));
  await withdrawEnrollment(dodi!.actor, dodi!.enrollment, 'Pindah kota');
  await completeEnrollment(setup.coordinator.actor, ani!.enrollment);
  return setup;
}

describe('monitoring: dashboards from summaries kept as events happen', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('shows figures that match a direct count of the records, and a rebuild from the records agrees with them', async () => {
    const setup = await busyCohort();
    const [ani, budi, citra, dodi] = setup.trainees;
    const dashboard = await cohortDashboard(setup.coordinator.actor, setup.cohort);

    // Direct counts over the records.
    const enrollments = await Enrollment.find({ cohort: setup.cohort }).lean();
    const placed = enrollments.filter((e) => ['enrolled', 'completed', 'withdrawn'].includes(e.status));
    expect(dashboard.counts.enrolled).to.equal(placed.length).and.equal(4);
    expect(dashboard.counts.active)
      .to.equal(placed.filter((e) => (e.progress?.completed ?? []).length > 0).length)
      .and.equal(2);
    expect(dashboard.counts.completed)
      .to.equal(enrollments.filter((e) => e.status === 'completed').length)
      .and.equal(1);
    expect(dashboard.counts.withdrawn).to.equal(1);

    const row = (id: string) => dashboard.trainees.find((entry) => entry.trainee === id)!;
    expect(row(ani!.id)).to.deep.include({ done: 3, total: 3, percent: 100, passed: 1, failed: 0, status: 'completed' });
    expect(row(ani!.id).verdicts).to.deep.equal(['K', 'K']);
    expect(row(budi!.id)).to.deep.include({ done: 1, percent: 33, passed: 0, failed: 1 });
    expect(row(citra!.id).verdicts).to.deep.equal(['BK', 'BK']);
    expect(row(citra!.id).lastActivityAt).to.equal(null);
    expect(row(dodi!.id).status).to.equal('withdrawn');
    expect(row(ani!.id).attendancePercent).to.equal(90);
    expect(row(budi!.id).attendancePercent).to.equal(30);
    expect(dashboard.distribution.map((band) => band.trainees)).to.deep.equal([2, 0, 1, 0, 0, 1]);
    expect(dashboard.units.map((unit) => [unit.competent, unit.notYet])).to.deep.equal([
      [1, 1],
      [1, 1],
    ]);
    expect(dashboard.assessments).to.have.length(1);
    expect(dashboard.assessments[0]).to.deep.include({ kind: 'assignment', graded: 2, passed: 1, failed: 1, averagePercent: 50 });
    expect(dashboard.classes).to.have.length(1);
    expect(dashboard.classes[0]).to.deep.include({ heldMinutes: 100, present: 2 });

    // Kept event by event, and worked out again from the records: the same.
    const incremental = stateOf((await readSummary(setup.cohort))!);
    const rebuilt = await summaryFromRecords(setup.cohort);
    const comparable = (state: typeof rebuilt) => {
      const copy = plain(state);
      // The last activity is also moved by video positions, which are not events: compared apart.
      for (const figures of Object.values(copy.trainees) as { lastActivityAt: unknown }[]) delete figures.lastActivityAt;
      return copy;
    };
    expect(comparable(incremental)).to.deep.equal(comparable(rebuilt));
    expect(plain(incremental.trainees[ani!.id]!.lastActivityAt)).to.equal(plain(rebuilt.trainees[ani!.id]!.lastActivityAt));

    const tally = await CohortTally.findById(setup.cohort).lean();
    expect(tally!.counts).to.deep.include({ enrolled: 4, active: 2, completed: 1, withdrawn: 1 });
  });

  it('keeps every change when many trainees and an assessor act at the same moment', async () => {
    const setup = await completionCohort({ trainees: 8 });
    await cohortDashboard(setup.coordinator.actor, setup.cohort); // the summary exists before the burst
    const lessons = [...setup.lessons.basics, ...setup.lessons.advanced];
    await Promise.all([
      ...setup.trainees.flatMap((trainee, index) =>
        lessons.slice(0, 1 + (index % 3)).map((lesson) => completeLesson(trainee.actor, setup.cohort, lesson)),
      ),
      ...setup.trainees.slice(0, 4).map((trainee) => giveVerdicts(setup, trainee.id, 'K')),
    ]);
    const incremental = plain(stateOf((await readSummary(setup.cohort))!));
    const rebuilt = plain(await summaryFromRecords(setup.cohort));
    expect(incremental).to.deep.equal(rebuilt);
    const dashboard = await cohortDashboard(setup.coordinator.actor, setup.cohort);
    expect(dashboard.trainees.map((row) => row.done).sort()).to.deep.equal([1, 1, 1, 2, 2, 2, 3, 3]);
    expect(dashboard.units.map((unit) => unit.competent)).to.deep.equal([4, 4]);
  });

  it('a summary that missed events (or was lost) is rebuilt from the records, through the page button too', async () => {
    const setup = await completionCohort({ trainees: 2 });
    await completeLesson(setup.trainees[0]!.actor, setup.cohort, setup.lessons.basics[0]!);
    // A change written behind the followers' back, and then the summary lost altogether.
    await Enrollment.updateOne({ _id: setup.trainees[1]!.enrollment }, { $set: { 'progress.completed': setup.lessons.basics } });
    const stale = await cohortDashboard(setup.coordinator.actor, setup.cohort);
    expect(stale.counts.active).to.equal(1);
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const page = await coordinator.get(`/cohorts/${setup.cohort}/dashboard`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const rebuilt = await coordinator.post(`/cohorts/${setup.cohort}/dashboard/rebuild`).type('form').send({ _csrf: token });
    expect(rebuilt.status).to.equal(303);
    const after = await coordinator.get(String(rebuilt.headers.location));
    expect(visibleText(after.text)).to.include('Angka dasbor sudah dihitung ulang dari catatan.');
    expect((await cohortDashboard(setup.coordinator.actor, setup.cohort)).counts.active).to.equal(2);
    await CohortSummary.deleteOne({ _id: setup.cohort });
    expect((await cohortDashboard(setup.coordinator.actor, setup.cohort)).counts.active).to.equal(2);
    expect(await rebuildCohortSummary(setup.cohort)).to.have.property('lessonsTotal', 3);
  });

  it('counts a class that ended without anyone closing its room, once the dashboard is read', async () => {
    const setup = await completionCohort({ trainees: 2 });
    await heldClass(setup, new Map([[setup.trainees[0]!.id, 80]]));
    const dashboard = await cohortDashboard(setup.instructor.actor, setup.cohort);
    expect(dashboard.classes).to.have.length(1);
    expect(dashboard.classes[0]).to.deep.include({ heldMinutes: 100, present: 1 });
    expect(dashboard.trainees.find((row) => row.trainee === setup.trainees[0]!.id)!.attendancePercent).to.equal(80);
  });

  it('the funnel sums the cohorts of the filter and a coordinator sees only their institution', async () => {
    const a = await busyCohort();
    const b = await completionCohort({ trainees: 2 });
    await completeLesson(b.trainees[0]!.actor, b.cohort, b.lessons.basics[0]!);
    const admin = { id: a.coordinator.id, role: 'admin' as const, institution: null, name: 'Admin' };
    const all = await funnelDashboard(admin as never, {});
    // Counted straight from every enrolment of the database (this file's cohorts).
    const enrollments = await Enrollment.find({}, { status: 1, enrolledAt: 1, progress: 1 }).lean();
    const placed = enrollments.filter(
      (e) => e.status === 'enrolled' || e.status === 'completed' || (e.status === 'withdrawn' && e.enrolledAt),
    );
    const stage = (name: string) => all.funnel.find((step) => step.stage === name)!.count;
    expect(stage('enrolled')).to.equal(placed.length);
    expect(stage('active')).to.equal(placed.filter((e) => (e.progress?.completed ?? []).length > 0).length);
    expect(stage('completed')).to.equal(enrollments.filter((e) => e.status === 'completed').length);
    expect(all.bySector.reduce((total, row) => total + row.enrolled, 0)).to.equal(placed.length);
    expect(all.trend.reduce((total, row) => total + row.completed, 0)).to.equal(stage('completed'));

    const own = await funnelDashboard(a.coordinator.actor, {});
    expect(own.byCohort.map((row) => row.cohort)).to.deep.equal([a.cohort]);
    expect(own.funnel.find((step) => step.stage === 'enrolled')!.count).to.equal(4);
    expect(own.byCohort[0]).to.deep.include({ enrolled: 4, completed: 1, completionRate: 25 });
    const foreign = await funnelDashboard(a.coordinator.actor, { institution: b.institution }).catch((error) => error);
    expect(foreign).to.have.property('status', 403);

    const coordinatorB = await loggedInAgent(app, b.coordinator.email, b.coordinator.password);
    expect((await coordinatorB.get(`/cohorts/${a.cohort}/dashboard`)).status).to.equal(403);
    expect((await coordinatorB.get(`/exports/cohort-progress.csv?cohort=${a.cohort}`)).status).to.equal(403);
    const page = await coordinatorB.get('/monitoring');
    expect(page.status).to.equal(200);
    expect(page.text).to.include(b.cohort).and.not.include(a.cohort);
    expect(page.text).to.include(`<option value="${b.program}"`);
    const bad = await coordinatorB.get('/monitoring?from=2026-13');
    expect(bad.status).to.equal(422);
  });

  it("exports the trainees at risk with their reasons in the reader's words", async () => {
    const setup = await busyCohort();
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    // The dashboard names them with their reasons too.
    const dashboard = visibleText((await coordinator.get(`/cohorts/${setup.cohort}/dashboard`)).text);
    expect(dashboard).to.match(/Peserta berisiko \(\d+\)/);
    expect(dashboard.replaceAll(' :', ':')).to.include(
      `Peserta Uji 3: Belum kompeten: ${completionUnits[0].code}, ${completionUnits[1].code}; Kehadiran 0% (minimal 80%)`,
    );
    const page = await coordinator.get(`/cohorts/${setup.cohort}/at-risk`);
    expect(page.text).to.include(`/exports/cohort-at-risk.csv?cohort=${setup.cohort}`);
    const csv = await coordinator
      .get(`/exports/cohort-at-risk.csv?cohort=${setup.cohort}`)
      .set('Accept-Language', 'en')
      .buffer(true);
    expect(csv.status).to.equal(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).to.equal('Peserta,Alasan,Materi selesai,Jumlah materi,Aktif terakhir,Ponsel,Email');
    // Citra: BK in both units, never active; Budi: 30 of 100 minutes in the class.
    const citra = lines.find((line) => line.startsWith('Peserta Uji 3'))!;
    expect(citra).to.include(`Belum kompeten: ${completionUnits[0].code}, ${completionUnits[1].code}`);
    const budi = lines.find((line) => line.startsWith('Peserta Uji 2'))!;
    expect(budi).to.include('Kehadiran 30% (minimal 80%)');
  });

  it('exports the trainee × unit matrix as the page shows it', async () => {
    const setup = await busyCohort();
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const csv = await coordinator.get(`/exports/cohort-progress.csv?cohort=${setup.cohort}`).buffer(true);
    expect(csv.status).to.equal(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).to.include(completionUnits[0].code).and.include(completionUnits[1].code);
    expect(lines).to.have.length(5);
    const ani = lines.find((line) => line.startsWith('Peserta Uji 1'))!;
    expect(ani).to.include('K,K');
  });
});

describe('monitoring: live figures', () => {
  useTestDatabase(import.meta.url);
  const { state, client } = useSocketServer();

  it('tells a watching coordinator when a trainee completes a lesson, and refuses another institution', async () => {
    const setup = await completionCohort({ trainees: 1 });
    const other = await completionCohort({ trainees: 1 });
    const cookie = await logInForCookie(state.base, setup.coordinator.email, setup.coordinator.password);
    const watcher = client({ extraHeaders: { cookie } });
    watcher.connect();
    const joined = await watcher.emitWithAck('monitoring:watch', { cohort: setup.cohort });
    expect(joined).to.deep.equal({ ok: true, data: {} });
    const refused = await watcher.emitWithAck('monitoring:watch', { cohort: other.cohort });
    expect(refused.ok).to.equal(false);
    const told = nextEvent(watcher, 'monitoring:changed', 3_000);
    await completeLesson(setup.trainees[0]!.actor, setup.cohort, setup.lessons.basics[0]!);
    expect(await told).to.deep.equal({ cohort: setup.cohort });
    const notTold = nextEvent(watcher, 'monitoring:changed', 800);
    await completeLesson(other.trainees[0]!.actor, other.cohort, other.lessons.basics[0]!);
    expect(await notTold).to.equal('nothing');
  });
});
