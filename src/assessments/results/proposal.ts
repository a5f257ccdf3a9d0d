import type { UnitResultDoc, VerdictStatus } from './model.js';

export type UnitQuiz = { id: string; title: string };

export type Proposal = {
  /** K when every quiz of the unit is passed and every criterion met; BK when all is assessed but not all met; null while incomplete. */
  proposed: VerdictStatus | null;
  /** Criteria (qualified refs) met on some evidence, assessed but never met, and not yet assessed. */
  met: string[];
  notYetMet: string[];
  unassessed: string[];
  /** Quizzes of the unit passed, failed (their counting result), and without a result yet. */
  passed: UnitQuiz[];
  failed: UnitQuiz[];
  pending: UnitQuiz[];
};

/**
 * What the evidence proposes for one trainee and one unit (the instructor confirms or overrides):
 * competence needs every performance criterion of the unit met on at least one piece of evidence
 * (an accepted assignment, an observation) and every quiz on the unit passed. A quiz whose
 * essays wait for grading (passed null) is pending.
 */
export function proposeVerdict(
  criteria: readonly string[],
  quizzes: readonly UnitQuiz[],
  result: UnitResultDoc | null,
): Proposal {
  const assessed = new Map<string, boolean>();
  for (const evidence of Object.values(result?.evidence ?? {}))
    for (const item of evidence.criteria ?? [])
      if (item.ref) assessed.set(item.ref, assessed.get(item.ref) === true || item.met === true);
  const met = criteria.filter((ref) => assessed.get(ref) === true);
  const notYetMet = criteria.filter((ref) => assessed.get(ref) === false);
  const unassessed = criteria.filter((ref) => !assessed.has(ref));
  const passed: UnitQuiz[] = [];
  const failed: UnitQuiz[] = [];
  const pending: UnitQuiz[] = [];
  for (const quiz of quizzes) {
    const outcome = result?.quizzes?.[quiz.id]?.passed;
    (outcome === true ? passed : outcome === false ? failed : pending).push(quiz);
  }
  // A unit nothing assesses (no criteria in the catalogue, no quiz) proposes nothing: K rests on some evidence.
  const complete = (criteria.length > 0 || quizzes.length > 0) && unassessed.length === 0 && pending.length === 0;
  const allMet = notYetMet.length === 0 && failed.length === 0;
  const proposed: VerdictStatus | null = complete ? (allMet ? 'K' : 'BK') : null;
  return { proposed, met, notYetMet, unassessed, passed, failed, pending };
}
