import { isDuplicateKeyError } from '../../platform/errors.js';
import { countsOf, type SummaryState } from './figures.js';
import type { StageCounts } from './model.js';
import { CohortSummary, type CohortSummaryDoc, CohortTally } from './model.js';

/** A summary as stored, read back into the shape followers change. */
export function stateOf(doc: CohortSummaryDoc & { meta?: unknown }): SummaryState {
  return {
    meta: doc.meta as SummaryState['meta'],
    lessonsTotal: doc.lessonsTotal ?? 0,
    trainees: (doc.trainees ?? {}) as SummaryState['trainees'],
    assessments: (doc.assessments ?? {}) as SummaryState['assessments'],
    sessions: (doc.sessions ?? {}) as SummaryState['sessions'],
  };
}

export async function readSummary(cohort: string): Promise<(CohortSummaryDoc & { meta?: unknown }) | null> {
  return CohortSummary.findById(cohort).lean<CohortSummaryDoc & { meta?: unknown }>();
}

/**
 * Writes a summary if it is still at `revision` (null: not stored yet), then its cohort's tally.
 * Returns false when another writer came first: the caller reads again and retries.
 */
export async function writeSummary(
  cohort: string,
  revision: number | null,
  state: SummaryState,
  rebuiltAt?: Date,
): Promise<boolean> {
  const fields = { ...state, ...(rebuiltAt ? { rebuiltAt } : {}) };
  if (revision === null) {
    try {
      await CohortSummary.create({ _id: cohort, ...fields, revision: 1 });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  } else {
    const { matchedCount } = await CohortSummary.updateOne({ _id: cohort, revision }, { $set: fields, $inc: { revision: 1 } });
    if (!matchedCount) return false;
  }
  await writeTally(cohort, (revision ?? 0) + 1, state, countsOf(state.trainees));
  return true;
}

/**
 * The cohort's funnel counts for the national dashboards: absolute figures with the summary's
 * revision, so a slower writer holding older figures never replaces newer ones.
 */
async function writeTally(cohort: string, revision: number, state: SummaryState, counts: StageCounts): Promise<void> {
  const fields = { ...state.meta, counts, revision };
  const { matchedCount } = await CohortTally.updateOne({ _id: cohort, revision: { $lt: revision } }, { $set: fields });
  if (matchedCount) return;
  try {
    await CohortTally.create({ _id: cohort, ...fields });
  } catch (error) {
    // It exists with a newer revision already: that one stands.
    if (!isDuplicateKeyError(error)) throw error;
  }
}
