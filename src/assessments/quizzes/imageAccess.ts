import { Cohort, type CohortDoc } from '../../cohorts/model.js';
import { cohortRef, toCohortView } from '../../cohorts/service.js';
import { type Actor, can } from '../../platform/permissions.js';
import type { QuestionImageRef } from '../bank.js';
import type { QuestionContent } from '../questions.js';
import { type AttemptDoc, QuizAttempt } from './model.js';

/**
 * Who may see a bank question's image through quizzes (bank.ts asks): a trainee whose own attempt
 * holds the question with that very image, and the staff who run quizzes in a cohort of the
 * question's program (they review the attempts that show it).
 */
export async function quizImageAccess(actor: Actor, image: QuestionImageRef): Promise<boolean> {
  if (actor.role === 'trainee') {
    const attempts = await QuizAttempt.find({ trainee: actor.id }, { questions: 1 }).limit(5_000).lean<AttemptDoc[]>();
    return attempts.some((attempt) =>
      attempt.questions.some(
        (question) => question.id === image.question && (question.content as QuestionContent).image?.file === image.file,
      ),
    );
  }
  const cohorts = await Cohort.find({ program: image.program }).limit(1_000).lean<CohortDoc[]>();
  return cohorts.some((cohort) => can(actor, 'quiz.manage', cohortRef(toCohortView(cohort))));
}
