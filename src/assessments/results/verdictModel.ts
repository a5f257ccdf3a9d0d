import mongoose, { type InferSchemaType } from 'mongoose';
import { verdictChangeKinds, verdictStateSchema } from './model.js';

const { ObjectId } = mongoose.Schema.Types;

/**
 * The audit trail of verdicts: one event per change of a unit result's verdict (confirmed,
 * overridden, changed, re-assessment opened), never updated or deleted. `_id` is
 * `<unit result id>#<revision>`, the revision the change produced, so an event is written once
 * however often its insert is retried (see verdicts.ts), and a unit's history is read by indexed
 * equality on `unitResult`.
 */
const verdictEventSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    unitResult: { type: String, required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    trainee: { type: ObjectId, ref: 'User', required: true },
    unit: { type: String, required: true },
    revision: { type: Number, required: true },
    kind: { type: String, enum: verdictChangeKinds, required: true },
    before: { type: verdictStateSchema, default: null },
    after: { type: verdictStateSchema, default: null },
    note: { type: String, default: '' },
    by: { type: ObjectId, ref: 'User', required: true },
    byName: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
verdictEventSchema.index({ unitResult: 1 });
verdictEventSchema.index({ cohort: 1 });

// Insert-only: changing an event is a bug, refused where it would be made. (Removing a cohort's or
// a person's records is a retention decision, not an edit, so deletes are not guarded here.)
for (const method of ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne'] as const)
  verdictEventSchema.pre(method, () => {
    throw new Error('The verdict audit trail is insert-only');
  });

export type VerdictEventDoc = InferSchemaType<typeof verdictEventSchema> & { _id: string };
export const VerdictEvent = mongoose.model('VerdictEvent', verdictEventSchema, 'verdictEvents');

export const verdictEventId = (unitResult: string, revision: number) => `${unitResult}#${revision}`;
