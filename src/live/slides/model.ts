import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * A set of slides an instructor uploaded to a live session: a PDF's pages or a few pictures, each
 * page a web image (files/images.ts: at most 1600 px, with 480 and 960 px copies). Created only
 * once every page is stored, and never changed after: its id names its pages for good, so
 * browsers may keep them. The room (LiveRoom) says which deck is on screen and at which page.
 */
const slidePageSchema = new mongoose.Schema(
  {
    /** The StoredFile of the page's largest copy. */
    file: { type: ObjectId, ref: 'StoredFile', required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    /** The widths it is stored at, narrowest first (the last is `width`): a page's `srcset` without reading its file. */
    widths: { type: [Number], required: true },
  },
  { _id: false },
);

const liveSlideDeckSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    pages: { type: [slidePageSchema], required: true },
    /** The PDF's name, or the first picture's. */
    originalName: { type: String, required: true },
    createdBy: { type: ObjectId, ref: 'User', required: true },
  },
  { timestamps: true },
);
liveSlideDeckSchema.index({ session: 1 });
export type LiveSlideDeckDoc = InferSchemaType<typeof liveSlideDeckSchema> & { _id: mongoose.Types.ObjectId };
export const LiveSlideDeck = mongoose.model('LiveSlideDeck', liveSlideDeckSchema);
