import { expect } from 'chai';
import { createQuestion, getQuestion, updateQuestion } from '../../src/assessments/bank.js';
import type { QuestionContentInput } from '../../src/assessments/questions.js';
import { drawQuestions } from '../../src/assessments/quizzes/attempts.js';
import { quizImageAccess } from '../../src/assessments/quizzes/imageAccess.js';
import { QuizAnswer, QuizAttempt } from '../../src/assessments/quizzes/model.js';
import { closeExpiredAttempts } from '../../src/assessments/quizzes/scoring.js';
import { bankOf, findQuiz, toQuizView } from '../../src/assessments/quizzes/service.js';
import { UnitResult, type UnitResultDoc } from '../../src/assessments/results/model.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { type AssessmentCohort, assessmentCohort, otherUnit, unit, visible } from './cohortFixture.js';
import { bankContents, question } from './quizBank.js';

describe('assessments: quizzes and attempts', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let fixture: AssessmentCohort;
  const ids: Record<keyof typeof bankContents, string> = {} as never;

  before(async () => {
    app = buildTestApp();
    fixture = await assessmentCohort(app);
    for (const [name, content] of Object.entries(bankContents))
      ids[name as keyof typeof bankContents] = (await createQuestion(fixture.coordinator, fixture.program, content)).id;
  });

  /** JSON calls of an agent with its session's CSRF token. */
  const json = async (agent: Agent) => {
    const token = await csrfTokenOf(agent, '/learning').catch(() => csrfTokenOf(agent, '/'));
    const call = (
      method: 'post' | 'put' | 'get' | 'delete',
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      let request = agent[method](`/api/v1${path}`).set('x-csrf-token', token).set('Accept-Language', 'id');
      for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
      return body === undefined ? request : request.send(body as object);
    };
    return call;
  };

  const quizBody = (overrides: Record<string, unknown> = {}) => ({
    title: 'Kuis struktur data',
    instructions: 'Kerjakan dengan jujur.',
    target: `unit:${unit}`,
    mode: 'fixed',
    questions: [ids.single, ids.multiple, ids.trueFalse, ids.shortAnswer, ids.numeric, ids.matching],
    draws: [],
    shuffleQuestions: false,
    shuffleOptions: true,
    timeLimit: 30,
    attemptsAllowed: 2,
    passMark: 70,
    navigation: 'free',
    review: { score: 'immediately', answers: 'immediately', feedback: 'immediately' },
    ...overrides,
  });

  async function makeQuiz(overrides: Record<string, unknown> = {}) {
    const staff = await json(fixture.instructor);
    const created = await staff('post', `/cohorts/${fixture.cohort}/quizzes`, quizBody(overrides)).expect(201);
    return created.body as { id: string; revision: number };
  }

  async function start(agent: Agent, quiz: string) {
    const call = await json(agent);
    const started = await call('post', `/quizzes/${quiz}/attempts`).expect(201);
    return {
      call,
      attempt: started.body as {
        attempt: { id: string; deadline: string | null };
        questions: { id: string; options: { id: string }[]; choices: string[] }[];
      },
    };
  }

  it('grades every type, with partial credit, and records the result on the unit', async () => {
    const quiz = await makeQuiz();
    const { call, attempt } = await start(fixture.ani, quiz.id);
    // The page never gives the key away while the attempt is open.
    expect(JSON.stringify(attempt)).not.to.match(/"correct"|"fraction"|Last In First Out/);
    const id = attempt.attempt.id;
    const answers = [
      { question: ids.single, response: 'a' }, // 1 of 1
      { question: ids.multiple, response: ['a', 'c'] }, // (1 right - 1 wrong) / 2 → 0 of 2
      { question: ids.trueFalse, response: true }, // 1
      { question: ids.shortAnswer, response: '  last in FIRST out ' }, // 1
      { question: ids.numeric, response: '9' }, // 1
      { question: ids.matching, response: { p1: 'FIFO', p2: 'FIFO' } }, // half of 1
    ];
    const saved = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, { answers }).expect(200);
    expect(saved.body.outcomes.map((outcome: { outcome: string }) => outcome.outcome)).to.deep.equal(Array(6).fill('saved'));
    const submitted = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/submission`, {}).expect(200);
    expect(submitted.body.attempt).to.include({ status: 'graded', score: 4.5, maxScore: 7, percent: 64.29, passed: false });
    const byQuestion = Object.fromEntries(
      submitted.body.questions.map((item: { id: string; result: { score: number } }) => [item.id, item.result.score]),
    );
    expect(byQuestion).to.deep.equal({
      [ids.single]: 1,
      [ids.multiple]: 0,
      [ids.trueFalse]: 1,
      [ids.shortAnswer]: 1,
      [ids.numeric]: 1,
      [ids.matching]: 0.5,
    });
    const result = await UnitResult.findById(`${fixture.cohort}:${fixture.aniId}:${unit}`).lean<UnitResultDoc>();
    expect(result?.quizzes[quiz.id]).to.include({ percent: 64.29, passed: false });
    // The review shows the right answers as the quiz allows.
    const page = await fixture.ani.get(`/quiz-attempts/${encodeURIComponent(id)}`).expect(200);
    expect(visible(page.text)).to.include('64.29%').and.include('Belum lulus').and.include('Jawaban benar: Antrian');
  });

  it('draws N per unit at random and shuffles per attempt, the same on every reload', async () => {
    const quiz = await makeQuiz({
      mode: 'draw',
      questions: [],
      draws: [
        { unit, tag: '', count: 3 },
        { unit: otherUnit, tag: '', count: 1 },
      ],
      shuffleQuestions: true,
    });
    const ani = await start(fixture.ani, quiz.id);
    const budi = await start(fixture.budi, quiz.id);
    for (const taken of [ani, budi]) {
      const drawn = taken.attempt.questions.map((item) => item.id);
      expect(drawn).to.have.length(4);
      expect(new Set(drawn).size).to.equal(4);
      expect(drawn.filter((item) => item === ids.essay || item === ids.other1)).to.have.length(1);
    }
    // Reloading (or another device) shows the same questions in the same order, options too.
    const again = await ani.call('get', `/quiz-attempts/${encodeURIComponent(ani.attempt.attempt.id)}`).expect(200);
    expect(again.body.questions).to.deep.equal(ani.attempt.questions.map((item) => ({ ...item, response: null })));
    // Starting twice gives the same attempt.
    const twice = await ani.call('post', `/quizzes/${quiz.id}/attempts`).expect(201);
    expect(twice.body.attempt.id).to.equal(ani.attempt.attempt.id);
    // Over many attempts the draw and the order differ (a fixed draw would fail this).
    const orders = new Set<string>();
    const view = toQuizView(await findQuiz(quiz.id));
    const bank = await bankOf(fixture.program);
    for (let n = 1; n <= 8; n += 1) {
      orders.add(
        drawQuestions(view, bank, `${quiz.id}.x.${n}`)
          .map((doc) => String(doc._id))
          .join(','),
      );
    }
    expect(orders.size).to.be.greaterThan(3);
  });

  it('keeps the deadline on the server: answers after it are refused, and an abandoned attempt is closed and graded', async () => {
    const quiz = await makeQuiz({ timeLimit: 1, attemptsAllowed: 1 });
    const { call, attempt } = await start(fixture.budi, quiz.id);
    const id = attempt.attempt.id;
    await call('put', `/quiz-attempts/${encodeURIComponent(id)}/answers/${ids.single}`, { response: 'a' }).expect(200);
    // Budi walks away. The minute passes (moved into the past here), and the closer ends the
    // attempt at its deadline though nobody came back.
    const deadline = new Date(attempt.attempt.deadline!);
    expect(deadline.getTime() - Date.now()).to.be.within(50_000, 61_000);
    const past = new Date(Date.now() - 1_000);
    await QuizAttempt.updateOne({ _id: id }, { $set: { deadline: past, startedAt: new Date(past.getTime() - 60_000) } });
    const { closed } = await closeExpiredAttempts();
    expect(closed).to.be.at.least(1);
    const stored = await QuizAttempt.findById(id).lean();
    expect(stored).to.include({ status: 'graded', closedBy: 'deadline', score: 1 });
    expect(stored?.submittedAt?.getTime()).to.equal(past.getTime());
    // A new answer now (given now, after the deadline) is refused with a message.
    const late = await call('put', `/quiz-attempts/${encodeURIComponent(id)}/answers/${ids.trueFalse}`, { response: true });
    expect(late.status).to.equal(409);
    expect(late.body.detail).to.match(/waktu sudah habis/i);
    // No attempt is left: the quiz says so.
    const again = await call('post', `/quizzes/${quiz.id}/attempts`);
    expect(again.status).to.equal(422);
    expect(again.body.detail).to.match(/Kesempatan mengerjakan sudah habis/);
  });

  it('takes an answer given before the deadline that arrives late once, and never one given after it', async () => {
    const quiz = await makeQuiz({
      timeLimit: 5,
      attemptsAllowed: 1,
      review: { score: 'immediately', answers: 'afterClose', feedback: 'immediately' },
      closesAt: null,
    });
    const { call, attempt } = await start(fixture.ani, quiz.id);
    const id = attempt.attempt.id;
    // The attempt's deadline passes while the phone is offline; the server closes it.
    const stored = await QuizAttempt.findById(id).lean();
    const past = new Date(Date.now() - 60_000);
    await QuizAttempt.updateOne({ _id: id }, { $set: { deadline: past, startedAt: new Date(past.getTime() - 240_000) } });
    await closeExpiredAttempts();
    expect((await QuizAttempt.findById(id).lean())?.status).to.equal('graded');
    expect(stored?.status).to.equal('open');
    // Back online, the queue sends an answer given 2 minutes ago (before the deadline) ...
    const sentAt = new Date();
    const answeredAt = new Date(sentAt.getTime() - 120_000);
    const queued = { question: ids.single, response: 'a', answeredAt: answeredAt.toISOString(), sentAt: sentAt.toISOString() };
    const first = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, { answers: [queued] }).expect(200);
    expect(first.body.outcomes[0]).to.include({ outcome: 'late' });
    expect((await QuizAttempt.findById(id).lean())?.score).to.equal(1); // graded again
    // ... a retry of it is harmless, a changed late answer is refused (once only) ...
    const retry = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, { answers: [queued] }).expect(200);
    expect(retry.body.outcomes[0]).to.include({ outcome: 'late' });
    const changed = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, {
      answers: [{ ...queued, response: 'b' }],
    }).expect(200);
    expect(changed.body.outcomes[0]).to.include({ outcome: 'refused', reason: 'assessments.quizzes.refused.alreadyLate' });
    // ... and one given after the deadline is never taken.
    const after = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, {
      answers: [
        { question: ids.trueFalse, response: true, answeredAt: new Date().toISOString(), sentAt: new Date().toISOString() },
      ],
    }).expect(200);
    expect(after.body.outcomes[0]).to.include({ outcome: 'refused', reason: 'assessments.quizzes.refused.afterDeadline' });
    // A device that reached the server since cannot claim an answer waited longer than that.
    const claim = await call('post', `/quiz-attempts/${encodeURIComponent(id)}/answers`, {
      answers: [
        {
          question: ids.numeric,
          response: '9',
          answeredAt: new Date(Date.now() - 150_000).toISOString(),
          sentAt: new Date().toISOString(),
        },
      ],
    }).expect(200);
    expect(claim.body.outcomes[0]).to.include({ outcome: 'refused', reason: 'assessments.quizzes.refused.tooLate' });
    expect(await QuizAnswer.countDocuments({ attempt: id })).to.equal(1);
  });

  it('refuses tampering: a question not in the attempt, a passed question in sequence, another trainee’s attempt, a bad answer', async () => {
    const quiz = await makeQuiz({ navigation: 'sequential', questions: [ids.single, ids.trueFalse, ids.numeric] });
    const { call, attempt } = await start(fixture.ani, quiz.id);
    const id = encodeURIComponent(attempt.attempt.id);
    await call('put', `/quiz-attempts/${id}/answers/${ids.essay}`, { response: 'x' }).expect(404);
    await call('put', `/quiz-attempts/${id}/answers/${ids.single}`, { response: 'a', advance: true }).expect(200);
    const locked = await call('put', `/quiz-attempts/${id}/answers/${ids.single}`, { response: 'b' });
    expect(locked.status).to.equal(409);
    expect(locked.body.detail).to.match(/terkunci/);
    const bad = await call('put', `/quiz-attempts/${id}/answers/${ids.trueFalse}`, { response: 'mungkin' });
    expect(bad.status).to.equal(422);
    // Budi can neither see nor answer Ani's attempt; staff cannot answer for her.
    const budi = await json(fixture.budi);
    await budi('get', `/quiz-attempts/${id}`).expect(404);
    await budi('put', `/quiz-attempts/${id}/answers/${ids.trueFalse}`, { response: true }).expect(404);
    await budi('post', `/quiz-attempts/${id}/submission`, {}).expect(404);
    const staff = await json(fixture.instructor);
    await staff('put', `/quiz-attempts/${id}/answers/${ids.trueFalse}`, { response: true }).expect(404);
    // A trainee of another cohort cannot start it.
    const outsider = await json(fixture.outsider);
    await outsider('post', `/quizzes/${quiz.id}/attempts`).expect(403);
    expect(await QuizAnswer.countDocuments({ attempt: attempt.attempt.id })).to.equal(1);
  });

  it('gives one submission and one grade for a double submit; a reused key with another body is refused', async () => {
    const quiz = await makeQuiz({ questions: [ids.single, ids.trueFalse] });
    const { call, attempt } = await start(fixture.budi, quiz.id);
    const id = encodeURIComponent(attempt.attempt.id);
    const body = { answers: [{ question: ids.single, response: 'a' }] };
    const [one, two] = await Promise.all([
      call('post', `/quiz-attempts/${id}/submission`, body, { 'Idempotency-Key': 'k-1' }),
      call('post', `/quiz-attempts/${id}/submission`, body, { 'Idempotency-Key': 'k-1' }),
    ]);
    // The second either waited its turn (200, the same result) or met the first in progress (409).
    const statuses = [one.status, two.status].sort();
    expect(statuses[0]).to.equal(200);
    expect([200, 409]).to.include(statuses[1]);
    const stored = await QuizAttempt.findById(attempt.attempt.id).lean();
    expect(stored).to.include({ status: 'graded', score: 1 });
    expect(stored?.submission?.key).to.equal('k-1');
    const replay = await call('post', `/quiz-attempts/${id}/submission`, body, { 'Idempotency-Key': 'k-1' }).expect(200);
    expect(replay.body.attempt).to.include({ score: 1, status: 'graded' });
    const reused = await call('post', `/quiz-attempts/${id}/submission`, { answers: [] }, { 'Idempotency-Key': 'k-1' });
    expect(reused.status).to.equal(422);
    // While the first is still being handled, the same key is told to wait.
    const other = await start(fixture.ani, quiz.id);
    await QuizAttempt.updateOne(
      { _id: other.attempt.attempt.id },
      { $set: { status: 'submitting', submission: { key: 'k-2', bodyHash: 'x', at: new Date() } } },
    );
    const inProgress = await other.call(
      'post',
      `/quiz-attempts/${encodeURIComponent(other.attempt.attempt.id)}/submission`,
      { answers: [] },
      { 'Idempotency-Key': 'k-2' },
    );
    expect(inProgress.status).to.equal(409);
    await QuizAttempt.updateOne({ _id: other.attempt.attempt.id }, { $set: { status: 'open', submission: null } });
    // Two tabs with different keys: one submission, the second sees its result.
    const ids2 = encodeURIComponent(other.attempt.attempt.id);
    const [tabA, tabB] = await Promise.all([
      other.call('post', `/quiz-attempts/${ids2}/submission`, {}, { 'Idempotency-Key': 'tab-a' }),
      other.call('post', `/quiz-attempts/${ids2}/submission`, {}, { 'Idempotency-Key': 'tab-b' }),
    ]);
    expect([tabA.status, tabB.status].filter((status) => status === 200).length).to.be.at.least(1);
    expect((await QuizAttempt.findById(other.attempt.attempt.id).lean())?.submission?.key).to.be.oneOf(['tab-a', 'tab-b']);
  });

  it('keeps saved answers for a restarted server and another device, and resumes the same attempt', async () => {
    const quiz = await makeQuiz({ questions: [ids.single, ids.shortAnswer] });
    const { call, attempt } = await start(fixture.ani, quiz.id);
    const id = encodeURIComponent(attempt.attempt.id);
    await call('put', `/quiz-attempts/${id}/answers/${ids.shortAnswer}`, { response: 'Last in first out' }).expect(200);
    // A new app (a restarted server: nothing in memory) and a new login (another device).
    const restarted = buildTestApp();
    const phone = await loggedInAgent(restarted, fixture.aniLogin.email, fixture.aniLogin.password);
    const page = await phone.get(`/quizzes/${quiz.id}`).expect(200);
    expect(visible(page.text)).to.include('Lanjutkan mengerjakan');
    const take = await phone.get(`/quiz-attempts/${id}`).expect(200);
    expect(take.text).to.include('value="Last in first out"');
  });

  it('marks essays by hand (a second grader is told) and regrades a fixed question for every attempt', async () => {
    const quiz = await makeQuiz({ target: `unit:${otherUnit}`, questions: [ids.essay, ids.other1] });
    const { call, attempt } = await start(fixture.budi, quiz.id);
    const id = encodeURIComponent(attempt.attempt.id);
    await call('post', `/quiz-attempts/${id}/answers`, {
      answers: [
        { question: ids.essay, response: 'Tabel dengan fungsi hash.' },
        { question: ids.other1, response: false },
      ],
    });
    const submitted = await call('post', `/quiz-attempts/${id}/submission`, {}).expect(200);
    expect(submitted.body.attempt).to.include({ status: 'needsGrading', percent: null });
    const staff = await json(fixture.instructor);
    const marked = await staff('post', `/quiz-attempts/${id}/marks/${ids.essay}`, {
      points: 1,
      comment: 'Baik',
      replaces: null,
    }).expect(200);
    expect(marked.body.attempt).to.include({ status: 'graded', score: 1, percent: 50 });
    const stale = await staff('post', `/quiz-attempts/${id}/marks/${ids.essay}`, { points: 0, comment: '', replaces: null });
    expect(stale.status).to.equal(409);
    expect(stale.body.detail).to.match(/sudah dinilai orang lain/);
    // The true/false key was wrong: fixing it in the bank and regrading gives Budi his point.
    const current = await getQuestion(fixture.coordinator, ids.other1);
    await updateQuestion(
      fixture.coordinator,
      ids.other1,
      question({ ...bankContents.other1, answer: false } as QuestionContentInput),
      current.question.revision,
    );
    const overview = await fixture.instructor.get(`/quizzes/${quiz.id}`).expect(200);
    expect(visible(overview.text)).to.include('Nilai ulang');
    const regraded = await staff('post', `/quizzes/${quiz.id}/questions/${ids.other1}/regrade`).expect(200);
    expect(regraded.body.regraded).to.equal(1);
    const stored = await QuizAttempt.findById(attempt.attempt.id).lean();
    expect(stored).to.include({ score: 2, percent: 100, passed: true });
    const review = await fixture.budi.get(`/quiz-attempts/${id}`).expect(200);
    expect(visible(review.text)).to.include('Komentar penilai: Baik');
  });

  it('shows the time left in days when a quiz without a limit closes days ahead, and is linked from the cohort page', async () => {
    const closesAt = new Date(Date.now() + 3 * 86_400_000 + 5 * 3600_000).toISOString();
    const quiz = await makeQuiz({ timeLimit: null, closesAt, questions: [ids.single] });
    const { attempt } = await start(fixture.budi, quiz.id);
    const page = await fixture.budi.get(`/quiz-attempts/${encodeURIComponent(attempt.attempt.id)}`).expect(200);
    expect(visible(page.text)).to.match(/Sisa waktu: 3 hari 4:5\d:\d\d/);
    const cohortPage = await fixture.instructor.get(`/cohorts/${fixture.cohort}`).expect(200);
    expect(cohortPage.text).to.include(`href="/cohorts/${fixture.cohort}/quizzes"`);
  });

  it('lets a trainee see the images of the questions in their own attempt, and the staff running the quiz', async () => {
    const quiz = await makeQuiz({ questions: [ids.single] });
    const { attempt } = await start(fixture.ani, quiz.id);
    const file = '6b0f0000000000000000abcd';
    // The attempt was given the question with a picture (as the bank stores it).
    await QuizAttempt.updateOne(
      { _id: attempt.attempt.id },
      { $set: { 'questions.0.content.image': { file, alt: 'Antrian', width: 10, height: 10, widths: [] } } },
    );
    const image = { question: ids.single, program: fixture.program, file };
    const actor = (id: string, role: 'trainee' | 'instructor') => ({ id, role, institution: fixture.institution });
    expect(await quizImageAccess(actor(fixture.aniId, 'trainee'), image)).to.equal(true);
    expect(await quizImageAccess(actor(fixture.budiId, 'trainee'), image), 'another trainee').to.equal(false);
    expect(await quizImageAccess(actor(fixture.aniId, 'trainee'), { ...image, file: '6b0f0000000000000000ffff' })).to.equal(
      false,
    );
    expect(await quizImageAccess(fixture.teacherActor, image)).to.equal(true);
    const stranger = await makeUser('instructor', fixture.institution);
    expect(await quizImageAccess(actor(stranger.id, 'instructor'), image), 'an instructor of no cohort of it').to.equal(false);
  });

  it('refuses bad quiz settings with messages, and other cohorts’ staff', async () => {
    const staff = await json(fixture.instructor);
    const tooMany = await staff(
      'post',
      `/cohorts/${fixture.cohort}/quizzes`,
      quizBody({ mode: 'draw', questions: [], draws: [{ unit: otherUnit, tag: '', count: 5 }] }),
    );
    expect(tooMany.status).to.equal(422);
    expect(JSON.stringify(tooMany.body)).to.match(/Bank hanya punya 2 soal/);
    const wrongTarget = await staff('post', `/cohorts/${fixture.cohort}/quizzes`, quizBody({ target: 'unit:X.000' }));
    expect(wrongTarget.status).to.equal(422);
    const other = await json(fixture.otherInstructor);
    await other('post', `/cohorts/${fixture.cohort}/quizzes`, quizBody()).expect(403);
    // The web form keeps what was typed and says what is wrong.
    const token = await csrfTokenOf(fixture.instructor, `/cohorts/${fixture.cohort}/quizzes/new`);
    const page = await fixture.instructor
      .post(`/cohorts/${fixture.cohort}/quizzes`)
      .type('form')
      .send({
        _csrf: token,
        title: 'Kuis X',
        target: `unit:${unit}`,
        mode: 'fixed',
        attemptsAllowed: '1',
        passMark: '70',
        navigation: 'free',
        reviewScore: 'immediately',
        reviewAnswers: 'never',
        reviewFeedback: 'never',
      });
    expect(page.status).to.equal(422);
    expect(visible(page.text)).to.include('Pilih setidaknya satu soal');
    expect(page.text).to.include('value="Kuis X"');
  });
});
