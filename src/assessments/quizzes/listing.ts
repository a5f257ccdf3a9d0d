import { cohortRef, findCohort } from '../../cohorts/service.js';
import { enrollmentOf } from '../../enrolment/service.js';
import { ForbiddenError } from '../../platform/errors.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { quizzesOfCohort } from './catalogue.js';
import { type AttemptDoc, QuizAttempt } from './model.js';
import { type QuizView, questionCount, quizWindow, toQuizView } from './service.js';

/** A quiz's state for one trainee, as lists and the course outline show it. */
export type TraineeQuizState = 'notStarted' | 'inProgress' | 'needsGrading' | 'passed' | 'failed' | 'done';

/** One trainee's attempts at each of the given quizzes (one indexed read by `trainee`). */
async function traineeAttempts(traineeId: string): Promise<Map<string, AttemptDoc[]>> {
  const byQuiz = new Map<string, AttemptDoc[]>();
  for (const attempt of await QuizAttempt.find({ trainee: traineeId }).limit(5_000).lean<AttemptDoc[]>()) {
    const list = byQuiz.get(String(attempt.quiz)) ?? [];
    list.push(attempt);
    byQuiz.set(String(attempt.quiz), list);
  }
  return byQuiz;
}

/** What a trainee sees of a quiz in a list: its state (passed or failed only where the score may be shown), window and attempts left. */
export function traineeQuizState(quiz: QuizView, attempts: readonly AttemptDoc[], now = new Date()) {
  const open = attempts.find((attempt) => attempt.status === 'open' && (!attempt.deadline || now < attempt.deadline));
  const ended = attempts.filter((attempt) => attempt.status === 'graded' || attempt.status === 'needsGrading');
  const scoreShown =
    quiz.review.score === 'immediately' || (quiz.review.score === 'afterClose' && quizWindow(quiz, now) === 'closed');
  let state: TraineeQuizState = 'notStarted';
  if (open) state = 'inProgress';
  else if (ended.some((attempt) => attempt.status === 'graded' && attempt.passed) && scoreShown) state = 'passed';
  else if (ended.some((attempt) => attempt.status === 'needsGrading')) state = 'needsGrading';
  else if (ended.length) state = scoreShown ? 'failed' : 'done';
  const left = quiz.attemptsAllowed === 0 ? null : Math.max(0, quiz.attemptsAllowed - attempts.length);
  return { state, window: quizWindow(quiz, now), left, questionCount: questionCount(quiz) };
}

/** A cohort's quizzes; for staff with how many started and await marking, for a trainee with their own state. */
export async function cohortQuizzes(actor: Actor | null, cohortId: string, now = new Date()) {
  const cohort = await findCohort(cohortId);
  const quizzes = (await quizzesOfCohort(cohort.id)).map(toQuizView);
  if (can(actor, 'quiz.manage', cohortRef(cohort))) {
    const items = await Promise.all(
      quizzes.map(async (quiz) => {
        const attempts = await QuizAttempt.find({ quiz: quiz.id }, { trainee: 1, status: 1 }).limit(20_000).lean<AttemptDoc[]>();
        return {
          ...quiz,
          questionCount: questionCount(quiz),
          window: quizWindow(quiz, now),
          counts: {
            started: new Set(attempts.map((attempt) => String(attempt.trainee))).size,
            needsGrading: attempts.filter((attempt) => attempt.status === 'needsGrading').length,
          },
        };
      }),
    );
    return { cohort, staff: true as const, items };
  }
  if (!actor) throw new ForbiddenError();
  const enrollment = await enrollmentOf(actor.id, cohort.id);
  authorize(actor, 'quiz.take', { trainee: enrollment?.trainee ?? '', status: enrollment?.status ?? '' });
  return { cohort, staff: false as const, items: await outlineQuizzes(cohort.id, actor.id, now) };
}

/** The quizzes of a cohort with one trainee's states, for their list and the course outline (the caller checked enrolment). */
export async function outlineQuizzes(cohortId: string, traineeId: string, now = new Date()) {
  const [quizzes, attempts] = await Promise.all([quizzesOfCohort(cohortId), traineeAttempts(traineeId)]);
  return quizzes.map(toQuizView).map((quiz) => ({ ...quiz, ...traineeQuizState(quiz, attempts.get(quiz.id) ?? [], now) }));
}
