import path from 'node:path';
import type { Request, Response } from 'express';
import mongoose from 'mongoose';
import type { Config } from '../platform/config.js';
import { NotFoundError } from '../platform/errors.js';
import { type SendOptions, type ServableFile, sendStoredFile } from './download.js';
import { StoredFile, type StoredFileDoc, type StoredFileRecord, toStoredFileRecord } from './model.js';
import { type FileStorage, LocalDiskStorage } from './storage.js';
import { acceptUpload, keepWebImage, type UploadOptions } from './upload.js';

export type { FileKind } from './kinds.js';
export { fileKinds } from './kinds.js';
export type { StoredFileRecord } from './model.js';
export { StoredFile } from './model.js';
export type { FileStorage } from './storage.js';
export { LocalDiskStorage } from './storage.js';
export type { SendOptions, ServableFile, UploadOptions };

export type FileSettings = Pick<Config, 'uploadDir' | 'uploadMaxMb'>;

/**
 * File uploads and downloads, built once from the configuration and handed to the features that
 * take files (lessons, evidence). The storage is local disk under UPLOAD_DIR unless another is
 * given; temporary files are always written under UPLOAD_DIR/.tmp.
 */
export function createFiles(settings: FileSettings, storage: FileStorage = new LocalDiskStorage(settings.uploadDir)) {
  const temporaryFolder = path.join(settings.uploadDir, '.tmp');

  async function removeStoredFile(file: Pick<StoredFileRecord, 'id' | 'key'> & Partial<Pick<StoredFileRecord, 'image'>>) {
    // The record first: bytes without a record are only wasted space, a record without bytes a broken link.
    await StoredFile.deleteOne({ _id: file.id });
    await storage.remove(file.key);
    for (const variant of file.image?.variants ?? []) await storage.remove(variant.key);
  }

  return {
    storage,
    /** The size limits, for forms to state them before an upload is refused. */
    maxMb: settings.uploadMaxMb,
    /** Middleware for a multipart form with one file; see upload.ts. */
    acceptUpload: (options: UploadOptions) =>
      acceptUpload({ storage, temporaryFolder, maxMb: settings.uploadMaxMb, removeStoredFile }, options),
    /** Where a feature that makes its own temporary files (slides from a PDF) puts them; it removes them itself. */
    temporaryFolder,
    /**
     * Stores an image the caller received or made (a temporary file, its type sniffed) as web
     * copies, as `acceptUpload` does with `webImage`: for uploads of several files at once.
     */
    keepWebImage: (
      temporaryPath: string,
      record: { originalName: string; mimeType: string; kind: 'image'; uploadedBy: string | null },
      field: string,
    ) =>
      keepWebImage(
        { storage, temporaryFolder, maxMb: settings.uploadMaxMb, removeStoredFile },
        { path: temporaryPath },
        record,
        field,
      ),
    /** Answers a download; the caller has checked permission. */
    sendStoredFile: (req: Request, res: Response, file: ServableFile, options?: SendOptions) =>
      sendStoredFile(storage, req, res, file, options),
    /**
     * Answers a file link as pages make them: `?download=1` saves it, `?w=480` asks for an image's
     * narrower copy (an unknown width is not found), anything else shows it where the browser can.
     */
    sendRequestedFile: (req: Request, res: Response, file: StoredFileRecord) => {
      const width = req.query.w === undefined ? undefined : Number(req.query.w);
      const variant = width === undefined ? file : file.image?.variants.find((candidate) => candidate.width === width);
      if (!variant) throw new NotFoundError();
      return sendStoredFile(
        storage,
        req,
        res,
        { ...file, key: variant.key, sha256: variant.sha256 },
        {
          disposition: req.query.download ? 'attachment' : 'inline',
        },
      );
    },
    /** The stored file with this id, or a NotFoundError. */
    async findStoredFile(id: string): Promise<StoredFileRecord> {
      const doc = mongoose.isValidObjectId(id) ? await StoredFile.findById(id).lean<StoredFileDoc>() : null;
      if (!doc) throw new NotFoundError();
      return toStoredFileRecord(doc);
    },
    removeStoredFile,
  };
}

export type Files = ReturnType<typeof createFiles>;
