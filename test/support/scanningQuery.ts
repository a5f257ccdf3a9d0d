import type mongoose from 'mongoose';

/**
 * A query as app code would write it, with no indexed equality: the query guard lets queries
 * written in test files through, so the test of the guard sends this one from here.
 */
// biome-ignore lint/suspicious/noExplicitAny: any model with a numeric `rank`
export async function itemsRankedAbove(model: mongoose.Model<any>, rank: number) {
  return await model.find({ rank: { $gt: rank } }).lean();
}
