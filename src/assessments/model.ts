import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * A question of a program's bank. `content` is a QuestionContent (questions.ts), validated by the
 * shared schema before every write. `key` is its fingerprint (formats/common.ts questionKey): one
 * per program, so a re-import, a double submit or an edit that makes two questions the same can
 * never leave two copies. `revision` starts at 1 and grows by one on each edit, so an attempt can
 * later say which wording it was given, and an edit made from a stale form is told so.
 */
const questionSchema = new mongoose.Schema(
  {
    program: { type: ObjectId, ref: 'Program', required: true },
    key: { type: String, required: true },
    revision: { type: Number, required: true, default: 1 },
    content: { type: mongoose.Schema.Types.Mixed, required: true },
    createdBy: { type: ObjectId, ref: 'User', required: true },
    archived: { type: Boolean, default: false },
  },
  { timestamps: true, minimize: false },
);
// Unique per program. A bank is read whole by `program` (equality, served by this index's GIN twin
// on FerretDB, and by its prefix on MongoDB): filters by unit, type or tag run in memory on a
// bank of at most bankLimits.questions questions, since FerretDB pushes down no dotted path.
questionSchema.index({ program: 1, key: 1 }, { unique: true });

export type QuestionDoc = InferSchemaType<typeof questionSchema> & { _id: mongoose.Types.ObjectId };
export const Question = mongoose.model('Question', questionSchema);

/**
 * An image uploaded for a question of a program's bank: `_id` is its StoredFile's id. It makes the
 * file one of the bank's images, which a question of that program may then show (a question cannot
 * point at any other stored file, such as a trainee's evidence photo) and which the image route
 * serves to who may see it. Kept when a question drops or replaces its image, or is deleted: quiz
 * attempts keep the content they were given, picture included. Width, height and the narrower
 * copies' widths are the stored image's, copied into a question's content when it is saved.
 */
const questionImageSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, required: true },
    program: { type: ObjectId, ref: 'Program', required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    widths: { type: [Number], default: [] },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
export type QuestionImageDoc = InferSchemaType<typeof questionImageSchema> & { _id: mongoose.Types.ObjectId };
export const QuestionImage = mongoose.model('QuestionImage', questionImageSchema);
