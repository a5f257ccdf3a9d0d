import { type EvidenceSource, UnitResult, unitResultId } from './model.js';

/**
 * The one way results reach the unit summaries (model.ts). Each call is a single upsert that sets
 * one map entry, so it is idempotent (a retry sets the same entry) and independent of every other
 * assessment's entry.
 */

/** Keys of a map entry: no dots (a path separator) and no leading '$'. */
export const entryKey = (value: string) => value.replace(/[.$]/g, '_');

type Owner = { cohort: string; trainee: string; unit: string };

async function setEntry(owner: Owner, path: string, value: unknown): Promise<void> {
  await UnitResult.updateOne(
    { _id: unitResultId(owner.cohort, owner.trainee, owner.unit) },
    {
      $set: { [path]: value },
      $setOnInsert: { cohort: owner.cohort, trainee: owner.trainee, unit: owner.unit },
    },
    { upsert: true },
  );
}

async function unsetEntry(owner: Owner, path: string): Promise<void> {
  await UnitResult.updateOne({ _id: unitResultId(owner.cohort, owner.trainee, owner.unit) }, { $unset: { [path]: 1 } });
}

export type QuizResultInput = {
  cohort: string;
  trainee: string;
  /** The units the quiz assesses (its unit, or the units of its module). */
  units: string[];
  quiz: string;
  title: string;
  attempt: string;
  percent: number | null;
  passed: boolean | null;
  attempts: number;
  at: Date;
};

/** Records the attempt that counts for a quiz, on each unit the quiz assesses. */
export async function recordQuizResult(input: QuizResultInput): Promise<void> {
  const { units, quiz, cohort, trainee, ...result } = input;
  for (const unit of units) await setEntry({ cohort, trainee, unit }, `quizzes.${entryKey(quiz)}`, result);
}

export type EvidenceInput = {
  cohort: string;
  trainee: string;
  unit: string;
  source: EvidenceSource;
  id: string;
  title: string;
  criteria: { ref: string; met: boolean }[];
  by: string | null;
  at: Date;
};

/** Records (or replaces) what one piece of evidence showed for a unit's criteria. */
export async function recordEvidence(input: EvidenceInput): Promise<void> {
  const { cohort, trainee, unit, ...evidence } = input;
  await setEntry({ cohort, trainee, unit }, `evidence.${entryKey(`${input.source}-${input.id}`)}`, evidence);
}

/** Forgets a piece of evidence (its assessment was deleted). */
export async function forgetEvidence(owner: Owner & { source: EvidenceSource; id: string }): Promise<void> {
  await unsetEntry(owner, `evidence.${entryKey(`${owner.source}-${owner.id}`)}`);
}
