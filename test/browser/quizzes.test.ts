/// <reference lib="dom" />
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { createQuestion } from '../../src/assessments/bank.js';
import { QuizAnswer, QuizAttempt } from '../../src/assessments/quizzes/model.js';
import { quizBody } from '../../src/assessments/quizzes/schemas.js';
import { createQuiz } from '../../src/assessments/quizzes/service.js';
import { User } from '../../src/users/model.js';
import { type AssessmentCohort, assessmentCohort, otherUnit, unit } from '../assessments/cohortFixture.js';
import { bankContents } from '../assessments/quizBank.js';
import { buildTestApp } from '../support/app.js';
import { logIn, onPhone, until, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { defaultPassword } from '../support/factories.js';

type Kind = keyof typeof bankContents;

/** Whether the page is no wider than its viewport (nothing to scroll sideways). */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** The timer's reading in seconds ("29:58" → 1798). */
const timerSeconds = async (page: Page) => {
  const [minutes, seconds] = (await page.locator('[data-timer]').textContent())!.split(':').map(Number);
  return minutes! * 60 + seconds!;
};
/** The block of the question whose text starts with `text`. */
const questionBlock = (page: Page, text: string) => page.locator('.quiz-question', { hasText: text });

describe('browser: taking a quiz', function () {
  this.timeout(120_000);
  useTestDatabase(import.meta.url);
  let fixture: AssessmentCohort;
  const ids = {} as Record<Kind, string>;
  const contexts: BrowserContext[] = [];
  // Each test's browsers close before the next test (and before the database goes).
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  const session = useBrowserSession();

  before(async () => {
    fixture = await assessmentCohort(buildTestApp());
    for (const [name, content] of Object.entries(bankContents))
      ids[name as Kind] = (await createQuestion(fixture.coordinator, fixture.program, content)).id;
  });

  const makeQuiz = async (overrides: Record<string, unknown>) =>
    createQuiz(
      fixture.teacherActor,
      fixture.cohort,
      quizBody.parse({
        title: 'Kuis struktur data',
        target: `unit:${unit}`,
        mode: 'fixed',
        questions: [ids.single, ids.multiple, ids.trueFalse, ids.shortAnswer, ids.matching, ids.numeric],
        shuffleOptions: false,
        timeLimit: 30,
        attemptsAllowed: 1,
        passMark: 70,
        navigation: 'free',
        review: { score: 'immediately', answers: 'immediately', feedback: 'immediately' },
        ...overrides,
      }),
    );
  const emailOf = async (id: string) => (await User.findById(id).lean())!.email;
  /** A browser of its own, logged in as `user`. */
  const loggedIn = async (user: string, options: Parameters<typeof session.newContext>[0] = onPhone) => {
    const context = await session.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    await logIn(page, await emailOf(user), defaultPassword);
    return page;
  };
  const attemptOf = async (quiz: string, trainee: string) =>
    (await QuizAttempt.find({ trainee }).lean()).filter((doc) => String(doc.quiz) === quiz);
  const storedAnswers = (attempt: string) => QuizAnswer.countDocuments({ attempt });
  /** Starts the quiz from its page, as the trainee does, and waits for the attempt's page. */
  const startFrom = async (page: Page, quiz: string) => {
    await page.goto(`/quizzes/${quiz}`);
    await Promise.all([page.waitForURL(/\/quiz-attempts\//), page.getByRole('button', { name: 'Mulai mengerjakan' }).click()]);
  };
  /** Accepts the confirmation and waits for the result page. */
  const submitConfirmed = async (page: Page) => {
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Kumpulkan jawaban' }).click();
    await page.locator('.quiz-questions.review').waitFor();
    return asked;
  };

  it('a trainee on a 360 px phone starts a timed quiz from the outline, reloads in the middle, and submits once', async () => {
    const quiz = await makeQuiz({ title: 'Kuis berwaktu' });
    const page = await loggedIn(fixture.aniId);

    await page.goto(`/learn/${fixture.cohort}`);
    const listed = page.locator('.outline-quiz', { hasText: 'Kuis berwaktu' });
    expect(await listed.textContent()).to.include('Belum dikerjakan');
    await listed.locator('a').click();
    expect(await page.locator('.quiz-facts').textContent()).to.include('30 menit');
    expect(await page.locator('main').textContent()).to.include('Waktu 30 menit mulai berjalan');
    await Promise.all([page.waitForURL(/\/quiz-attempts\//), page.getByRole('button', { name: 'Mulai mengerjakan' }).click()]);
    const [attempt] = await attemptOf(quiz.id, fixture.aniId);
    const attemptId = attempt!._id;

    // The timer shows the time left and counts down, and stays in sight while scrolling.
    const timer = page.locator('.quiz-timer');
    expect(await timer.isVisible()).to.equal(true);
    const first = await timerSeconds(page);
    expect(first).to.be.within(1790, 1800);
    await until('the timer counts down', async () => (await timerSeconds(page)) < first);
    expect(await fitsWidth(page)).to.equal(true);

    // Five answers, of five kinds.
    await questionBlock(page, 'Struktur data yang FIFO?').getByText('Antrian', { exact: true }).click();
    await questionBlock(page, 'Mana yang linear?').getByText('Array', { exact: true }).click();
    await questionBlock(page, 'Mana yang linear?').getByText('Linked list', { exact: true }).click();
    await questionBlock(page, 'Array berukuran tetap.').getByText('Benar', { exact: true }).click();
    const matching = questionBlock(page, 'Pasangkan.');
    await matching.getByLabel('Antrian').selectOption('FIFO');
    await matching.getByLabel('Tumpukan').selectOption('LIFO');
    await until('four answers reach the server', async () => (await storedAnswers(attemptId)) === 4);
    await questionBlock(page, 'Singkatan LIFO?').getByRole('textbox').fill('Last in first out');
    expect(await timer.isVisible(), 'the timer is in sight at the short answer').to.equal(true);
    const box = await timer.boundingBox();
    expect(box!.y, 'the timer sits at the top of the screen').to.be.within(-1, 80);

    // Twenty minutes pass (the deadline moved closer on the server), and the page is reloaded at
    // once, before the typing pause has sent the short answer.
    const deadline = new Date(Date.now() + 10 * 60_000);
    await QuizAttempt.updateOne({ _id: attemptId }, { $set: { deadline } });
    await page.reload();
    const answers = {
      single: questionBlock(page, 'Struktur data yang FIFO?').getByLabel('Antrian', { exact: true }),
      array: questionBlock(page, 'Mana yang linear?').getByLabel('Array', { exact: true }),
      list: questionBlock(page, 'Mana yang linear?').getByLabel('Linked list', { exact: true }),
      graph: questionBlock(page, 'Mana yang linear?').getByLabel('Graf', { exact: true }),
      true: questionBlock(page, 'Array berukuran tetap.').getByLabel('Benar', { exact: true }),
    };
    expect(await answers.single.isChecked()).to.equal(true);
    expect(await answers.array.isChecked()).to.equal(true);
    expect(await answers.list.isChecked()).to.equal(true);
    expect(await answers.graph.isChecked()).to.equal(false);
    expect(await answers.true.isChecked()).to.equal(true);
    expect(await matching.getByLabel('Antrian').inputValue()).to.equal('FIFO');
    expect(await matching.getByLabel('Tumpukan').inputValue()).to.equal('LIFO');
    expect(
      await questionBlock(page, 'Singkatan LIFO?').getByRole('textbox').inputValue(),
      'typed just before the reload',
    ).to.equal('Last in first out');
    // The timer goes on from the server's deadline, not from the full 30 minutes.
    const afterReload = await timerSeconds(page);
    expect(afterReload).to.be.within(590, 600);
    await until('the short answer reaches the server', async () => (await storedAnswers(attemptId)) === 5);

    await questionBlock(page, 'Indeks terakhir array').getByRole('textbox').fill('9');
    const asked = await submitConfirmed(page);
    expect(asked).to.deep.equal(['Kumpulkan jawaban sekarang? Setelah itu jawaban tidak bisa diubah.']);
    const score = page.locator('.quiz-score');
    expect(await score.textContent())
      .to.include('100%')
      .and.include('(7 / 7)')
      .and.include('Lulus');
    expect(await page.locator('main').textContent()).to.include('Jawaban benar: Antrian');
    expect(await fitsWidth(page)).to.equal(true);

    const stored = await attemptOf(quiz.id, fixture.aniId);
    expect(stored).to.have.length(1);
    expect(stored[0]).to.include({ status: 'graded', score: 7, percent: 100, passed: true, closedBy: 'trainee' });
    expect(await storedAnswers(attemptId)).to.equal(6);
    // Nothing is left waiting on the phone.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('kompeten.quiz')))).to.deep.equal(
      [],
    );
  });

  it('keeps answers given offline on the phone, shows the questions on an offline reload, and sends them when back online', async () => {
    const quiz = await makeQuiz({ title: 'Kuis sinyal lemah', questions: [ids.single, ids.trueFalse, ids.shortAnswer] });
    const page = await loggedIn(fixture.budiId);
    const context = page.context();
    await startFrom(page, quiz.id);
    const [attempt] = await attemptOf(quiz.id, fixture.budiId);
    const attemptId = attempt!._id;
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await until('the service worker controls the page', async () => {
      await page.reload();
      return page.evaluate(() => Boolean(navigator.serviceWorker.controller));
    });

    await context.setOffline(true);
    await questionBlock(page, 'Struktur data yang FIFO?').getByText('Antrian', { exact: true }).click();
    await questionBlock(page, 'Array berukuran tetap.').getByText('Salah', { exact: true }).click();
    for (const text of ['Struktur data yang FIFO?', 'Array berukuran tetap.'])
      expect(await questionBlock(page, text).locator('[data-state]').textContent()).to.equal('menunggu dikirim');
    expect(await page.locator('[data-sync]').textContent()).to.equal('menunggu dikirim (2) · tidak ada koneksi');
    expect(await storedAnswers(attemptId), 'nothing reached the server').to.equal(0);

    // Reloaded without a connection: the questions come from the phone, with its answers, and the
    // timer does not go back to the time left when the page was last loaded.
    await page.waitForTimeout(2_100);
    const beforeReload = await timerSeconds(page);
    await page.reload();
    expect(await page.locator('h1').textContent()).to.equal('Kuis sinyal lemah');
    expect(await page.locator('.quiz-question').count()).to.equal(3);
    expect(await questionBlock(page, 'Struktur data yang FIFO?').getByLabel('Antrian', { exact: true }).isChecked()).to.equal(
      true,
    );
    expect(await questionBlock(page, 'Array berukuran tetap.').getByLabel('Salah', { exact: true }).isChecked()).to.equal(true);
    expect(await timerSeconds(page), 'the timer after an offline reload').to.be.at.most(beforeReload);

    await context.setOffline(false);
    await until('the answers reach the server', async () => (await storedAnswers(attemptId)) === 2);
    await until(
      'the page says they are saved',
      async () => (await page.locator('[data-sync]').textContent()) === 'Semua jawaban tersimpan di server.',
    );
    expect(await questionBlock(page, 'Array berukuran tetap.').locator('[data-state]').textContent()).to.equal('tersimpan');

    await submitConfirmed(page);
    expect(await page.locator('.quiz-score').textContent())
      .to.include('(1 / 3)')
      .and.include('Belum lulus');
    expect((await attemptOf(quiz.id, fixture.budiId))[0]).to.include({ status: 'graded', score: 1 });
  });

  it('moves on question by question in sequential order, with and without JavaScript', async () => {
    const quiz = await makeQuiz({
      title: 'Kuis berurutan',
      navigation: 'sequential',
      questions: [ids.single, ids.trueFalse, ids.numeric],
      timeLimit: null,
    });
    const page = await loggedIn(fixture.aniId, { viewport: { width: 1280, height: 800 } });
    await startFrom(page, quiz.id);
    const [attempt] = await attemptOf(quiz.id, fixture.aniId);
    const first = questionBlock(page, 'Struktur data yang FIFO?');
    const second = questionBlock(page, 'Array berukuran tetap.');
    expect(await second.isVisible(), 'one question at a time').to.equal(false);
    // A slow line: the answer's first save is still on its way when "Simpan & lanjut" is pressed.
    let held = 0;
    await page.route('**/answers', async (route) => {
      held += 1;
      if (held === 1) await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await first.getByText('Antrian', { exact: true }).click();
    await first.getByRole('button', { name: 'Simpan & lanjut' }).click();
    expect(await second.isVisible()).to.equal(true);
    expect(await first.getByLabel('Antrian', { exact: true }).isDisabled(), 'the first is locked').to.equal(true);
    await until('the server moved on', async () => (await QuizAttempt.findById(attempt!._id).lean())?.position === 1);
    await second.getByText('Benar', { exact: true }).click();
    await page.getByRole('button', { name: 'Simpan jawaban' }).click();
    await until('both answers are saved', async () => (await storedAnswers(attempt!._id)) === 2);
    await page.waitForTimeout(300);
    expect(await first.locator('[data-state]').textContent(), 'the locked question is not sent again').not.to.equal(
      'tidak diterima',
    );
    // A reload keeps the first locked.
    await page.reload();
    expect(await first.getByLabel('Antrian', { exact: true }).isDisabled()).to.equal(true);
    expect(await first.getByLabel('Antrian', { exact: true }).isChecked()).to.equal(true);
    expect(await second.isVisible()).to.equal(true);

    // Without JavaScript (a 360 px phone): the forms alone take the trainee through.
    const noScript = await loggedIn(fixture.budiId, { ...onPhone, javaScriptEnabled: false });
    await startFrom(noScript, quiz.id);
    const [budis] = await attemptOf(quiz.id, fixture.budiId);
    const one = questionBlock(noScript, 'Struktur data yang FIFO?');
    const two = questionBlock(noScript, 'Array berukuran tetap.');
    const three = questionBlock(noScript, 'Indeks terakhir array');
    expect(await two.isVisible()).to.equal(false);
    await one.getByText('Antrian', { exact: true }).click();
    await Promise.all([noScript.waitForURL(/saved=answers/), one.getByRole('button', { name: 'Simpan & lanjut' }).click()]);
    expect(await noScript.locator('.alert.success').textContent()).to.equal('Jawaban disimpan.');
    expect(await one.getByLabel('Antrian', { exact: true }).isDisabled()).to.equal(true);
    await two.getByText('Benar', { exact: true }).click();
    await Promise.all([noScript.waitForURL(/saved=answers/), two.getByRole('button', { name: 'Simpan & lanjut' }).click()]);
    await three.getByRole('textbox').fill('8');
    await Promise.all([noScript.waitForURL(/saved=answers/), noScript.getByRole('button', { name: 'Simpan jawaban' }).click()]);
    expect(await noScript.locator('[role="alert"]').count(), 'no answer refused').to.equal(0);
    expect(await three.getByRole('textbox').inputValue()).to.equal('8');
    expect(await fitsWidth(noScript)).to.equal(true);
    await Promise.all([
      noScript.waitForURL(/saved=submitted/),
      noScript.getByRole('button', { name: 'Kumpulkan jawaban' }).click(),
    ]);
    expect(await noScript.locator('.alert.success').textContent()).to.equal('Jawaban sudah dikumpulkan.');
    expect(await noScript.locator('.quiz-score').textContent())
      .to.include('(2 / 3)')
      .and.include('Belum lulus');
    const stored = await QuizAttempt.findById(budis!._id).lean();
    expect(stored).to.include({ status: 'graded', score: 2 });
    expect(stored?.submission?.key).to.equal(`attempt:${budis!._id}`);
  });

  it('an instructor sets a drawn quiz at 1280 px, marks a trainee’s essay, and the trainee reads the comment', async () => {
    const staff = await loggedIn(fixture.teacherActor.id, { viewport: { width: 1280, height: 800 } });
    await staff.goto(`/cohorts/${fixture.cohort}/quizzes`);
    await staff.getByRole('link', { name: 'Kuis baru' }).click();
    await staff.fill('#f-title', 'Esai hash table');
    await staff.selectOption('#f-target', `unit:${otherUnit}`);
    await staff.check('input[name="mode"][value="draw"]');
    await staff.selectOption('#f-drawUnit-0', otherUnit);
    await staff.selectOption('#f-drawTag-0', 'esai');
    await staff.fill('#f-drawCount-0', '1');
    await staff.fill('#f-timeLimit', '');
    await staff.fill('#f-attemptsAllowed', '1');
    expect(await fitsWidth(staff)).to.equal(true);
    await Promise.all([
      staff.waitForURL(/\/quizzes\/[0-9a-f]{24}\?saved=created/),
      staff.getByRole('button', { name: 'Simpan' }).click(),
    ]);
    expect(await staff.locator('.alert.success').textContent()).to.equal('Kuis dibuat.');
    expect(await staff.locator('.quiz-facts').textContent()).to.include('diambil acak untuk setiap percobaan');
    const quizUrl = new URL(staff.url()).pathname;
    await staff.getByRole('link', { name: '← Kuis' }).click();
    const listed = staff.locator('.quiz-list li', { hasText: 'Esai hash table' });
    expect(await listed.textContent())
      .to.include('1 soal')
      .and.include('Terbuka');

    // The trainee, on a phone, writes the essay and submits; the result waits for the mark.
    const phone = await loggedIn(fixture.budiId);
    await startFrom(phone, quizUrl.split('/').at(-1)!);
    await phone.getByRole('textbox', { name: 'Jawaban Anda' }).fill('Tabel yang memetakan kunci lewat fungsi hash.');
    await submitConfirmed(phone);
    expect(await phone.locator('main').textContent()).to.include('menunggu penilaian instruktur');

    await staff.goto(quizUrl);
    expect(await staff.locator('main').textContent()).to.include('1 esai perlu dinilai');
    await staff.locator('.attempt-link').click();
    expect(await staff.locator('.essay-answer').textContent()).to.equal('Tabel yang memetakan kunci lewat fungsi hash.');
    await staff.getByLabel('Nilai (maks. 1)').fill('1');
    await staff.getByLabel('Komentar').fill('Tepat, sebutkan juga tabrakan.');
    await Promise.all([staff.waitForURL(/saved=marked/), staff.getByRole('button', { name: 'Simpan nilai' }).click()]);
    expect(await staff.locator('.alert.success').textContent()).to.equal('Nilai esai disimpan.');
    expect(await staff.locator('.quiz-score').textContent()).to.include('100%');

    await phone.reload();
    expect(await phone.locator('.quiz-score').textContent())
      .to.include('100%')
      .and.include('Lulus');
    expect(await phone.locator('.feedback').textContent()).to.include('Komentar penilai: Tepat, sebutkan juga tabrakan.');
    expect(await fitsWidth(phone)).to.equal(true);
  });
});
