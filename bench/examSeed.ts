import type mongoose from 'mongoose';
import { createQuestion } from '../src/assessments/bank.js';
import { type QuestionContentInput, questionContentSchema } from '../src/assessments/questions.js';
import { quizBody } from '../src/assessments/quizzes/schemas.js';
import { createQuiz } from '../src/assessments/quizzes/service.js';
import type { Actor } from '../src/platform/permissions.js';
import { createToken } from '../src/tokens/service.js';
import type { UserDoc } from '../src/users/model.js';
import { sessionEpochOf } from '../src/users/service.js';
import { benchUnit, elapsedSeconds, enrolCopiedTrainees, seedBenchCohort } from './benchCohort.js';

/**
 * The exam burst's world: a cohort of `trainees` enrolled trainees at the demo coordinator's
 * institution, a 20-question bank on one demo unit, and a quiz of those questions (60 minutes, one
 * attempt, open now), set up through the services. The first trainee goes through the services
 * (createUser, applyOnBehalf); the others are copies of its documents inserted in batches (the
 * services would read the cohort's enrolments for each), and the run refuses to go on if the copies
 * differ in shape. Each trainee gets a bearer token from createToken, the service POST
 * /api/v1/auth/token ends in, without the argon2 check of a password before it (1,000 of those,
 * 19 MiB each, would take minutes on two cores and measure nothing of the exam).
 */

type Id = mongoose.Types.ObjectId;
const question = (content: QuestionContentInput) => questionContentSchema.parse(content);

/** Twenty questions of the kinds graded automatically (no essay: every attempt is graded on submit). */
function bankContents() {
  const contents = [];
  for (let n = 1; n <= 7; n += 1)
    contents.push(
      question({
        type: 'single',
        text: `Soal ${n}: struktur data yang FIFO?`,
        units: [benchUnit],
        options: [
          { id: 'a', text: 'Antrian', correct: true },
          { id: 'b', text: 'Tumpukan' },
          { id: 'c', text: 'Pohon' },
          { id: 'd', text: 'Graf' },
        ],
      }),
    );
  for (let n = 1; n <= 4; n += 1)
    contents.push(
      question({
        type: 'multiple',
        text: `Soal ganda ${n}: mana yang linear?`,
        units: [benchUnit],
        points: 2,
        options: [
          { id: 'a', text: 'Array', correct: true },
          { id: 'b', text: 'Linked list', correct: true },
          { id: 'c', text: 'Graf' },
        ],
      }),
    );
  for (let n = 1; n <= 4; n += 1)
    contents.push(
      question({ type: 'trueFalse', text: `Pernyataan ${n}: array berukuran tetap.`, units: [benchUnit], answer: true }),
    );
  for (let n = 1; n <= 2; n += 1)
    contents.push(
      question({
        type: 'shortAnswer',
        text: `Isian ${n}: singkatan LIFO?`,
        units: [benchUnit],
        answers: [{ text: 'Last In First Out', fraction: 1 }],
      }),
    );
  for (let n = 1; n <= 2; n += 1)
    contents.push(
      question({
        type: 'numeric',
        text: `Angka ${n}: indeks terakhir array 10 elemen?`,
        units: [benchUnit],
        answers: [{ value: 9, tolerance: 0, fraction: 1 }],
      }),
    );
  contents.push(
    question({
      type: 'matching',
      text: 'Pasangkan.',
      units: [benchUnit],
      pairs: [
        { id: 'p1', prompt: 'Antrian', match: 'FIFO' },
        { id: 'p2', prompt: 'Tumpukan', match: 'LIFO' },
      ],
    }),
  );
  return contents;
}

export type ExamSeed = {
  quiz: string;
  cohort: string;
  trainees: { id: string; token: string }[];
  timings: { name: string; seconds: number }[];
};

export async function seedExam(trainees: number, log: (line: string) => void): Promise<ExamSeed> {
  const timings: ExamSeed['timings'] = [];
  let start = performance.now();
  const code = `UJIAN-${Date.now().toString(36).toUpperCase()}`;
  const { admin, coordinator, instructor, program, cohort } = await seedBenchCohort(
    { code, program: `Ujian serentak ${code}`, module: 'Modul ujian', cohort: `Angkatan ujian ${code}` },
    trainees,
  );

  const questions: string[] = [];
  for (const content of bankContents()) questions.push((await createQuestion(coordinator, program, content)).id);
  const quiz = await createQuiz(
    instructor,
    cohort,
    quizBody.parse({
      title: 'Ujian tengah pelatihan',
      target: `unit:${benchUnit}`,
      mode: 'fixed',
      questions,
      timeLimit: 60,
      attemptsAllowed: 1,
      passMark: 70,
      navigation: 'free',
      review: { score: 'immediately', answers: 'afterClose', feedback: 'immediately' },
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    }),
  );
  timings.push({ name: 'program, cohort, 20 questions, quiz (services)', seconds: elapsedSeconds(start) });

  start = performance.now();
  const email = (n: number) => `ujian.${code.toLowerCase()}.${String(n).padStart(4, '0')}@kompeten.test`;
  const { sampleUser, users } = await enrolCopiedTrainees({ admin, coordinator }, cohort, trainees, {
    email,
    name: (n) => `Peserta Ujian ${String(n).padStart(4, '0')}`,
    password: 'ujian-serentak-1',
  });
  timings.push({
    name: `${trainees} enrolled trainees (1 through the services, the rest copied)`,
    seconds: elapsedSeconds(start),
  });

  start = performance.now();
  const accounts = [sampleUser, ...users] as { _id: Id; sessionEpoch?: string }[];
  const tokens: { id: string; token: string }[] = [];
  for (let first = 0; first < accounts.length; first += 10) {
    const batch = accounts.slice(first, first + 10);
    tokens.push(
      ...(await Promise.all(
        batch.map(async (account) => {
          const actor: Actor = { id: String(account._id), role: 'trainee', institution: coordinator.institution };
          const created = await createToken(actor, 'ujian', sessionEpochOf(account as UserDoc));
          return { id: actor.id, token: created.token };
        }),
      )),
    );
  }
  timings.push({ name: `${trainees} API tokens (createToken)`, seconds: elapsedSeconds(start) });
  log(`Seeded the exam: ${trainees} trainees of cohort ${cohort}, quiz ${quiz.id} (${questions.length} questions)`);
  return { quiz: quiz.id, cohort, trainees: tokens, timings };
}
