import { expect } from 'chai';
import { Assignment, Submission } from '../../src/assessments/assignments/model.js';
import { Question } from '../../src/assessments/model.js';
import { Observation } from '../../src/assessments/observations/model.js';
import type { QuestionContent } from '../../src/assessments/questions.js';
import { Quiz, QuizAnswer, QuizAttempt } from '../../src/assessments/quizzes/model.js';
import { UnitResult } from '../../src/assessments/results/model.js';
import { VerdictEvent } from '../../src/assessments/results/verdictModel.js';
import { Cohort } from '../../src/cohorts/model.js';
import { Program } from '../../src/programs/model.js';
import { demoPassword, seedDemo } from '../../src/seed/demo.js';
import { demoCohortName } from '../../src/seed/demoLearning.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';

/** The page's text as a reader sees it: tags dropped, spaces collapsed. */
const visibleText = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** The gradebook's cells of one trainee's row: unit code → state. */
function gradebookRow(html: string, name: string): Record<string, string> {
  const row = html.split('<tr').find((part) => part.includes(`>${name}</th>`));
  if (!row) throw new Error(`no gradebook row for ${name}`);
  return Object.fromEntries([...row.matchAll(/data-cell="([^"]+)" data-state="([^"]+)"/g)].map((match) => [match[1], match[2]]));
}

async function counts() {
  return {
    questions: await Question.countDocuments(),
    quizzes: await Quiz.countDocuments(),
    attempts: await QuizAttempt.countDocuments(),
    answers: await QuizAnswer.countDocuments(),
    assignments: await Assignment.countDocuments(),
    submissions: await Submission.countDocuments(),
    observations: await Observation.countDocuments(),
    results: await UnitResult.countDocuments(),
    verdictEvents: await VerdictEvent.countDocuments(),
  };
}

describe('demo assessments', () => {
  useTestDatabase(import.meta.url);
  let cohortId = '';
  let programId = '';
  const app = buildTestApp();
  const as = (email: string) => loggedInAgent(app, email, demoPassword);

  before(async function () {
    this.timeout(60_000);
    await seedDemo();
    const program = await Program.findOne({ code: 'JWP-DASAR' }).lean();
    programId = String(program?._id);
    cohortId = String((await Cohort.findOne({ program: program?._id, name: demoCohortName }).lean())?._id);
  });

  it('gives the program a bank of every question type, tagged with its SKKNI units and criteria', async () => {
    const instructor = await as('instruktur1@kompeten.test');
    const page = visibleText((await instructor.get(`/programs/${programId}/questions`).expect(200)).text);
    expect(page).to.include('Struktur data apa yang bekerja dengan prinsip LIFO');
    const contents = (await Question.find({ program: programId }).lean()).map((question) => question.content as QuestionContent);
    expect(contents.length).to.be.within(12, 20);
    expect(new Set(contents.map((content) => content.type))).to.have.lengthOf(7);
    expect(contents.every((content) => content.units.length > 0)).to.equal(true);
    expect(contents.filter((content) => content.criteria.length > 0).length).to.be.at.least(10);
    expect(contents.some((content) => content.feedback.general)).to.equal(true);
  });

  it('shows peserta1 two quizzes: the unit quiz passed, the random one still to take', async () => {
    const trainee = await as('peserta1@kompeten.test');
    const page = visibleText((await trainee.get(`/cohorts/${cohortId}/quizzes`).expect(200)).text);
    expect(page).to.match(/Kuis unit: Menggunakan Struktur Data .*Lulus/);
    expect(page).to.match(/Latihan acak: Menulis kode yang rapi .*Belum dikerjakan/);
    const random = await Quiz.findOne({ title: 'Latihan acak: Menulis kode yang rapi' }).lean();
    // It closes in a week, so a trainee trying the demo can still take it.
    expect(random?.closesAt?.getTime()).to.be.within(Date.now() + 6 * 86_400_000, Date.now() + 8 * 86_400_000);
    expect((await trainee.get(`/quizzes/${random?._id}`).expect(200)).text).to.include('Latihan acak');
  });

  it("shows peserta1's results: K confirmed on the data structures unit, with the graded evidence", async () => {
    const trainee = await as('peserta1@kompeten.test');
    const html = (await trainee.get(`/learn/${cohortId}/results`).expect(200)).text;
    const unit = html.split('<section').find((part) => part.includes('data-unit="J.620100.004.02"')) ?? '';
    const text = visibleText(unit);
    expect(text).to.include('Kompeten (K)');
    expect(text).to.include('4 dari 4 kriteria unjuk kerja terpenuhi');
    expect(text).to.include('Portofolio: program daftar belanja dengan larik');
  });

  it('shows the instructor K, a proposal waiting for confirmation and a BK under re-assessment', async () => {
    const instructor = await as('instruktur1@kompeten.test');
    const html = (await instructor.get(`/cohorts/${cohortId}/gradebook`).expect(200)).text;
    expect(gradebookRow(html, 'Andi Pratama')['J.620100.004.02']).to.equal('K');
    expect(gradebookRow(html, 'Dewi Lestari')['J.620100.016.01']).to.equal('proposedK');
    expect(gradebookRow(html, 'Rizky Hidayat')['J.620100.016.01']).to.equal('BK');
    // The installation unit has no criteria in the catalogue and no quiz: with nothing assessed, nothing is proposed.
    expect(gradebookRow(html, 'Andi Pratama')['J.620100.011.01']).to.equal('incomplete');
    expect(visibleText(html)).to.include('asesmen ulang');
  });

  it('leaves the instructor an essay to mark and a portfolio to grade', async () => {
    const instructor = await as('instruktur1@kompeten.test');
    const quizzes = visibleText((await instructor.get(`/cohorts/${cohortId}/quizzes`).expect(200)).text);
    expect(quizzes).to.match(/Kuis unit: Menggunakan Struktur Data .*1 esai perlu dinilai/);
    expect(await QuizAttempt.countDocuments({ status: 'needsGrading' })).to.equal(1);
    const assignment = await Assignment.findOne({ cohort: cohortId }).lean();
    const overview = visibleText((await instructor.get(`/assignments/${assignment?._id}`).expect(200)).text);
    expect(overview).to.match(/Andi Pratama .*Diterima/);
    expect(overview).to.match(/Dewi Lestari .*Terkumpul/);
  });

  it("shows peserta3 the BK verdict's reason, the re-assessment note and the observation behind it", async () => {
    const trainee = await as('peserta3@kompeten.test');
    const html = (await trainee.get(`/learn/${cohortId}/results`).expect(200)).text;
    const text = visibleText(html.split('<section').find((part) => part.includes('data-unit="J.620100.016.01"')) ?? '');
    expect(text).to.include('Belum kompeten (BK)');
    expect(text).to.include('Kriteria 1.3 dan 2.1 belum terpenuhi');
    expect(text).to.include('Ulangi latihan acak');
    const observation = await Observation.findOne({ cohort: cohortId, unit: 'J.620100.016.01' }).sort({ _id: -1 }).lean();
    const page = visibleText((await trainee.get(`/observations/${observation?._id}`).expect(200)).text);
    expect(page).to.include('Galat masukan kosong belum ditangani');
  });

  it('is idempotent: seeding again adds nothing', async function () {
    this.timeout(60_000);
    const before = await counts();
    const { created } = await seedDemo();
    expect(created).to.equal(0);
    expect(await counts()).to.deep.equal(before);
  });
});
