import mongoose, { type InferSchemaType } from 'mongoose';
import { type FileKind, fileKinds } from './kinds.js';

/** An uploaded file: where storage keeps it and what it really is. The bytes live in FileStorage. */
const storedFileSchema = new mongoose.Schema(
  {
    /** The storage key: random, never derived from the user's file name. */
    key: { type: String, required: true, unique: true },
    /** The user's file name, cleaned, for display and as the name of a download. */
    originalName: { type: String, required: true },
    /** Sniffed from the bytes; the name and the browser's Content-Type are never trusted. */
    mimeType: { type: String, required: true },
    kind: { type: String, required: true, enum: fileKinds },
    size: { type: Number, required: true, min: 0 },
    sha256: { type: String, required: true },
    uploadedBy: { type: mongoose.Schema.Types.ObjectId, ref: 'User', default: null },
    /**
     * Set for an image re-encoded for web pages (images.ts): the stored bytes' size in pixels and
     * the narrower copies for phones, each under its own storage key.
     */
    image: {
      type: new mongoose.Schema(
        {
          width: { type: Number, required: true },
          height: { type: Number, required: true },
          variants: [
            new mongoose.Schema(
              {
                key: { type: String, required: true },
                width: { type: Number, required: true },
                height: { type: Number, required: true },
                size: { type: Number, required: true },
                sha256: { type: String, required: true },
              },
              { _id: false },
            ),
          ],
        },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);

export type StoredFileDoc = InferSchemaType<typeof storedFileSchema> & { _id: mongoose.Types.ObjectId; createdAt: Date };
export const StoredFile = mongoose.model('StoredFile', storedFileSchema);

/** A stored file as routes, services and views see it. */
export type StoredFileRecord = {
  id: string;
  key: string;
  originalName: string;
  mimeType: string;
  kind: FileKind;
  size: number;
  sha256: string;
  uploadedBy: string | null;
  createdAt: Date;
  image: WebImageInfo | null;
};

export type ImageVariant = { key: string; width: number; height: number; size: number; sha256: string };
export type WebImageInfo = { width: number; height: number; variants: ImageVariant[] };

export function toStoredFileRecord(doc: StoredFileDoc): StoredFileRecord {
  return {
    id: String(doc._id),
    key: doc.key,
    originalName: doc.originalName,
    mimeType: doc.mimeType,
    kind: doc.kind as FileKind,
    size: doc.size,
    sha256: doc.sha256,
    uploadedBy: doc.uploadedBy ? String(doc.uploadedBy) : null,
    createdAt: doc.createdAt,
    image: doc.image
      ? {
          width: doc.image.width,
          height: doc.image.height,
          variants: (doc.image.variants ?? []).map((variant) => ({
            key: variant.key,
            width: variant.width,
            height: variant.height,
            size: variant.size,
            sha256: variant.sha256,
          })),
        }
      : null,
  };
}
