import mongoose from 'mongoose';
import type { UnitQuiz } from '../results/proposal.js';
import { Quiz, type QuizDoc } from './model.js';

/** The quizzes of a cohort, oldest first (indexed equality on `cohort`). */
export async function quizzesOfCohort(cohortId: string): Promise<QuizDoc[]> {
  if (!mongoose.isValidObjectId(cohortId)) return [];
  return Quiz.find({ cohort: cohortId }).sort({ createdAt: 1 }).lean<QuizDoc[]>();
}

/** Per unit code, the cohort's quizzes that assess it (for verdict proposals and the gradebook). */
export async function quizzesByUnit(cohortId: string): Promise<Map<string, UnitQuiz[]>> {
  const byUnit = new Map<string, UnitQuiz[]>();
  for (const quiz of await quizzesOfCohort(cohortId))
    for (const unit of quiz.units) {
      const list = byUnit.get(unit) ?? [];
      list.push({ id: String(quiz._id), title: quiz.title });
      byUnit.set(unit, list);
    }
  return byUnit;
}
