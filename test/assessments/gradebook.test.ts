import { expect } from 'chai';
import mongoose from 'mongoose';
import { Quiz } from '../../src/assessments/quizzes/model.js';
import { recordEvidence, recordQuizResult } from '../../src/assessments/results/record.js';
import { decideVerdict, openReassessment } from '../../src/assessments/results/verdicts.js';
import { forgetContact } from '../../src/users/directory.js';
import { User } from '../../src/users/model.js';
import { type Agent, buildTestApp, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { type AssessmentCohort, assessmentCohort, c11, c12, o11, otherUnit, unit, visible } from './cohortFixture.js';

/** The visible text of the gradebook cell of one trainee and one unit (empty when the page has none). */
function cellText(html: string, trainee: string, code: string): string {
  const row = new RegExp(`<tr data-trainee="${trainee}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  const cell = new RegExp(`<td class="gb-cell" data-cell="${code.replace(/\./g, '\\.')}"[^>]*>([\\s\\S]*?)</td>`).exec(row)?.[1];
  // The screen-reader sentence repeats the cell in words: the eye reads the badge and the figures.
  return cell === undefined ? '' : visible(cell.replace(/<span class="visually-hidden">[\s\S]*?<\/span>/, '')).trim();
}

/** The trainees' ids in the order the gradebook lists them. */
const rowOrder = (html: string) => [...html.matchAll(/<tr data-trainee="([0-9a-f]{24})">/g)].map((match) => match[1]);

describe('assessments: gradebook and the trainee results', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let f: AssessmentCohort;
  let instructor: Agent;
  let quiz: string;
  const submission = `${new mongoose.Types.ObjectId()}`;
  const observation = `${new mongoose.Types.ObjectId()}`;

  before(async () => {
    app = buildTestApp();
    f = await assessmentCohort(app);
    instructor = f.instructor;
    quiz = String(
      (
        await Quiz.create({
          cohort: f.cohort,
          program: f.program,
          title: 'Kuis struktur data',
          unit,
          units: [unit],
          passMark: 70,
          createdBy: f.teacherActor.id,
        })
      )._id,
    );
    const at = new Date('2025-03-03T03:00:00Z');
    const quizResult = (trainee: string, percent: number) =>
      recordQuizResult({
        cohort: f.cohort,
        trainee,
        units: [unit],
        quiz,
        title: 'Kuis struktur data',
        attempt: `${quiz}.${trainee}.1`,
        percent,
        passed: percent >= 70,
        attempts: percent >= 70 ? 1 : 2,
        at,
      });
    // Ani: everything met and passed, confirmed K. Budi: 1.2 not yet met and the quiz failed,
    // confirmed BK with a reason, then re-assessment opened. Ani on the other unit: proposal K.
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.aniId,
      unit,
      source: 'assignment',
      id: `${submission}:${f.aniId}`,
      title: 'Foto praktik struktur data',
      criteria: [
        { ref: c11, met: true },
        { ref: c12, met: true },
      ],
      by: f.teacherActor.id,
      at,
    });
    await quizResult(f.aniId, 85);
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.budiId,
      unit,
      source: 'assignment',
      id: `${submission}:${f.budiId}`,
      title: 'Foto praktik struktur data',
      criteria: [
        { ref: c11, met: true },
        { ref: c12, met: false },
      ],
      by: f.teacherActor.id,
      at,
    });
    await quizResult(f.budiId, 40);
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.aniId,
      unit: otherUnit,
      source: 'observation',
      id: observation,
      title: 'Membuat mock-up di bengkel',
      criteria: [{ ref: o11, met: true }],
      by: f.teacherActor.id,
      at,
    });
    const target = (traineeId: string) => ({ cohortId: f.cohort, traineeId, unit });
    await decideVerdict(f.teacherActor, target(f.aniId), { status: 'K', reason: '', revision: 0 });
    await decideVerdict(f.teacherActor, target(f.budiId), {
      status: 'BK',
      reason: 'Perbandingan struktur data belum tepat.',
      revision: 0,
    });
    await openReassessment(f.teacherActor, target(f.budiId), {
      note: 'Kirim ulang perbandingan dua struktur data.',
      revision: 1,
    });
  });

  it("shows each trainee's verdict, proposal or gap per unit, with progress, counts and links to the drill-down", async () => {
    const cohortPage = await instructor.get(`/cohorts/${f.cohort}`).set('Accept-Language', 'id');
    expect(cohortPage.text).to.include(`href="/cohorts/${f.cohort}/gradebook"`);

    const page = await instructor.get(`/cohorts/${f.cohort}/gradebook`).set('Accept-Language', 'id');
    expect(page.status).to.equal(200);
    expect(rowOrder(page.text)).to.deep.equal([f.aniId, f.budiId]);
    expect(cellText(page.text, f.aniId, unit)).to.equal('K KUK 2/2 · Kuis 1/1');
    expect(cellText(page.text, f.budiId, unit)).to.equal('BK asesmen ulang KUK 1/2 · Kuis 0/1');
    expect(cellText(page.text, f.aniId, otherUnit)).to.equal('usulan K KUK 1/1');
    expect(cellText(page.text, f.budiId, otherUnit)).to.equal('belum lengkap KUK 0/1');
    expect(page.text).to.include(`href="/cohorts/${f.cohort}/trainees/${f.budiId}/units/${unit}"`);
    const summary = (code: string) =>
      visible(new RegExp(`<td data-summary="${code.replace(/\./g, '\\.')}">([\\s\\S]*?)</td>`).exec(page.text)?.[1] ?? '').trim();
    expect(summary(unit)).to.equal('1 dari 2 BK 1 · usulan 0');
    expect(summary(otherUnit)).to.equal('0 dari 2 BK 0 · usulan 1');

    // In English for the coordinator who chose it (and back to Indonesian for the other tests).
    await submitForm(f.coordinatorAgent, '/language', { language: 'en', next: '/' });
    try {
      const english = await f.coordinatorAgent.get(`/cohorts/${f.cohort}/gradebook`);
      expect(cellText(english.text, f.aniId, otherUnit)).to.equal('K proposed PC 1/1');
      expect(cellText(english.text, f.budiId, unit)).to.equal('BK re-assessment PC 1/2 · Quiz 0/1');
    } finally {
      await submitForm(f.coordinatorAgent, '/language', { language: 'id', next: '/' });
    }

    // The coordinator of the cohort's institution reads the same gradebook.
    const coordinator = await f.coordinatorAgent.get(`/cohorts/${f.cohort}/gradebook`).set('Accept-Language', 'id');
    expect(cellText(coordinator.text, f.budiId, unit)).to.equal('BK asesmen ulang KUK 1/2 · Kuis 0/1');
  });

  it('filters by state and by unit, and says when no trainee matches', async () => {
    const bk = await instructor.get(`/cohorts/${f.cohort}/gradebook?state=BK`).set('Accept-Language', 'id');
    expect(rowOrder(bk.text)).to.deep.equal([f.budiId]);
    expect(visible(bk.text)).to.include('1 dari 2 peserta');
    const oneUnit = await instructor.get(`/cohorts/${f.cohort}/gradebook?unit=${otherUnit}`).set('Accept-Language', 'id');
    expect(rowOrder(oneUnit.text)).to.deep.equal([f.aniId, f.budiId]);
    expect(cellText(oneUnit.text, f.aniId, otherUnit)).to.equal('usulan K KUK 1/1');
    expect(cellText(oneUnit.text, f.aniId, unit)).to.equal('');
    const none = await instructor.get(`/cohorts/${f.cohort}/gradebook?unit=${otherUnit}&state=BK`).set('Accept-Language', 'id');
    expect(rowOrder(none.text)).to.deep.equal([]);
    expect(visible(none.text)).to.include('Tidak ada peserta dengan keadaan ini.');
    const bad = await instructor.get(`/cohorts/${f.cohort}/gradebook?state=lulus`).set('Accept-Language', 'id');
    expect(bad.status).to.equal(422);
  });

  it('the API gives the same cells and counts', async () => {
    const response = await instructor.get(`/api/v1/cohorts/${f.cohort}/gradebook`);
    expect(response.status).to.equal(200);
    expect(response.body.total).to.equal(2);
    expect(response.body.units.map((column: { code: string }) => column.code)).to.deep.equal([unit, otherUnit]);
    expect(response.body.units[0].counts).to.deep.equal({ K: 1, BK: 1, proposedK: 0, proposedBK: 0, incomplete: 0 });
    const [ani, budi] = response.body.rows;
    expect(ani.trainee.name).to.equal('Ani Lestari');
    expect(ani.cells.map((cell: { state: string }) => cell.state)).to.deep.equal(['K', 'proposedK']);
    expect(budi.cells[0]).to.deep.include({
      state: 'BK',
      proposed: 'BK',
      reassessment: true,
      criteria: { met: 1, total: 2 },
      quizzes: { passed: 0, total: 1 },
    });
    expect(budi.cells[0].verdict.reason).to.equal('Perbandingan struktur data belum tepat.');
    const filtered = await instructor.get(`/api/v1/cohorts/${f.cohort}/gradebook?state=proposedK`);
    expect(filtered.body.rows.map((row: { trainee: { id: string } }) => row.trainee.id)).to.deep.equal([f.aniId]);
  });

  it('refuses the instructor of another cohort and trainees, on the page, the CSV and the API', async () => {
    for (const agent of [f.otherInstructor, f.ani, f.outsider]) {
      expect((await agent.get(`/cohorts/${f.cohort}/gradebook`)).status).to.equal(403);
      expect((await agent.get(`/cohorts/${f.cohort}/gradebook.csv`)).status).to.equal(403);
      expect((await agent.get(`/api/v1/cohorts/${f.cohort}/gradebook`)).status).to.equal(403);
    }
    expect((await instructor.get(`/cohorts/${new mongoose.Types.ObjectId()}/gradebook`)).status).to.equal(404);
  });

  it('the CSV keeps a formula-like name as text and holds the states and figures', async () => {
    const original = (await User.findById(f.budiId).lean())!.name;
    await User.updateOne({ _id: f.budiId }, { $set: { name: '=HYPERLINK("http://x.test","Budi")' } });
    forgetContact(f.budiId);
    try {
      const response = await f.coordinatorAgent.get(`/cohorts/${f.cohort}/gradebook.csv`).set('Accept-Language', 'id');
      expect(response.status).to.equal(200);
      expect(response.headers['content-type']).to.match(/^text\/csv/);
      expect(response.headers['content-disposition']).to.match(
        /^attachment; filename="?kompeten-gradebook-\d{4}-\d{2}-\d{2}\.csv"?$/,
      );
      const lines = response.text
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      expect(lines[0]).to.equal(
        `nama,email,${unit} keadaan,${unit} KUK terpenuhi (dari 2),${unit} kuis lulus (dari 1),${otherUnit} keadaan,${otherUnit} KUK terpenuhi (dari 1),${otherUnit} kuis lulus (dari 0)`,
      );
      const byName = (start: string) => lines.find((line) => line.startsWith(start)) ?? '';
      expect(byName('Ani Lestari,')).to.match(/^Ani Lestari,[^,]+,K,2,1,usulan K,1,0$/);
      // The name that would be a formula begins with an apostrophe: a spreadsheet shows it as text.
      expect(byName(`"'=HYPERLINK`)).to.match(/^"'=HYPERLINK\(""http:\/\/x\.test"",""Budi""\)",[^,]+,BK,1,0,belum lengkap,0,0$/);
      expect(response.text).not.to.match(/(^|\r\n|,)"?=HYPERLINK/);
    } finally {
      await User.updateOne({ _id: f.budiId }, { $set: { name: original } });
      forgetContact(f.budiId);
    }
  });

  it("a trainee sees their own verdicts, reasons, re-assessment, quiz results and criteria, and nobody else's", async () => {
    const outline = await f.budi.get(`/learn/${f.cohort}`).set('Accept-Language', 'id');
    expect(outline.text).to.include(`href="/learn/${f.cohort}/results"`);

    const budi = await f.budi.get(`/learn/${f.cohort}/results`).set('Accept-Language', 'id');
    expect(budi.status).to.equal(200);
    const text = visible(budi.text);
    expect(text).to.include('Belum kompeten (BK)');
    expect(text).to.include('Alasan: Perbandingan struktur data belum tepat.');
    expect(text).to.include('Asesmen ulang');
    expect(text).to.include('Kirim ulang perbandingan dua struktur data.');
    expect(text).to.include('Kuis struktur data Nilai 40% Belum lulus');
    expect(text).to.include('2 kali mencoba');
    expect(text).to.include('Terpenuhi 1.1 Konsep data diidentifikasi');
    expect(text).to.include('Belum terpenuhi 1.2 Struktur data dibandingkan');
    expect(budi.text).to.include(`href="/assignments/${submission}"`);
    expect(text).to.include('Belum diputuskan'); // the other unit
    expect(text).not.to.include('Ani');
    expect(budi.text).not.to.include(observation);

    const ani = await f.ani.get(`/learn/${f.cohort}/results`).set('Accept-Language', 'id');
    const aniText = visible(ani.text);
    expect(aniText).to.include('Kompeten (K)');
    expect(aniText).to.include('Nilai 85% Lulus');
    expect(aniText).not.to.include('Perbandingan struktur data belum tepat.');
    expect(ani.text).to.include(`href="/observations/${observation}"`);

    const api = await f.budi.get(`/api/v1/cohorts/${f.cohort}/my-results`);
    expect(api.status).to.equal(200);
    const [first, second] = api.body.units;
    expect(first).to.deep.include({ code: unit, state: 'BK', criteria: { met: 1, total: 2 } });
    expect(first.reassessment.note).to.equal('Kirim ulang perbandingan dua struktur data.');
    expect(first.quizzes[0]).to.deep.include({ title: 'Kuis struktur data', taken: true, attempts: 2 });
    expect(first.quizzes[0].score).to.deep.equal({ shown: true, percent: 40, passed: false });
    expect(second).to.deep.include({ code: otherUnit, state: 'none', evidence: [] });
  });

  it('refuses the results page to staff and to trainees of other cohorts (each sees only their own)', async () => {
    for (const agent of [instructor, f.outsider, f.coordinatorAgent]) {
      expect((await agent.get(`/learn/${f.cohort}/results`)).status).to.equal(403);
      expect((await agent.get(`/api/v1/cohorts/${f.cohort}/my-results`)).status).to.equal(403);
    }
  });

  it("shows a quiz's score only as its review settings allow", async () => {
    const scoreOf = async () => visible((await f.ani.get(`/learn/${f.cohort}/results`).set('Accept-Language', 'id')).text);
    try {
      await Quiz.updateOne({ _id: quiz }, { $set: { 'review.score': 'never' } });
      let text = await scoreOf();
      expect(text).to.include('Nilai kuis ini tidak ditampilkan');
      expect(text).not.to.include('85%');
      const api = await f.ani.get(`/api/v1/cohorts/${f.cohort}/my-results`);
      expect(api.body.units[0].quizzes[0].score).to.deep.equal({ shown: false, reason: 'never' });
      expect(JSON.stringify(api.body.units[0].quizzes)).not.to.match(/percent|passed/);

      await Quiz.updateOne(
        { _id: quiz },
        { $set: { 'review.score': 'afterClose', closesAt: new Date(Date.now() + 86_400_000) } },
      );
      text = await scoreOf();
      expect(text).to.include('Nilai ditampilkan setelah kuis ditutup');
      expect(text).not.to.include('85%');

      await Quiz.updateOne({ _id: quiz }, { $set: { closesAt: new Date(Date.now() - 60_000) } });
      expect(await scoreOf()).to.include('Nilai 85% Lulus');
    } finally {
      await Quiz.updateOne({ _id: quiz }, { $set: { 'review.score': 'immediately', closesAt: null } });
    }
  });
});
