import { mkdir } from 'node:fs/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError, type FieldIssue, ValidationError } from '../platform/errors.js';
import { type PreparedImage, prepareWebImage, removeTemporary } from './images.js';
import { acceptedType, type FileKind, megabytesToBytes } from './kinds.js';
import { StoredFile, type StoredFileRecord, toStoredFileRecord } from './model.js';
import { cleanFileName, newStorageKey } from './names.js';
import { sniffMimeType } from './sniff.js';
import type { FileStorage } from './storage.js';
import { type TemporaryFile, TemporaryFileWriter } from './temporaryFiles.js';

export type UploadOptions = {
  /** The form field that carries the file. */
  field: string;
  /** The kinds this field takes; each is held to its own size limit. */
  kinds: readonly FileKind[];
  /** Without a file the request is refused (the default), or passes on with no `req.storedFile`. */
  required?: boolean;
  /**
   * Images are stored re-encoded for web pages (images.ts: upright, no metadata, at most 1600 px,
   * with narrower copies) instead of byte for byte. Only for fields that take images alone.
   */
  webImage?: boolean;
  /**
   * Checks the form's other fields once they are read and before the file is kept: a refusal here
   * (a ValidationError) stores nothing, and is reported together with a missing file.
   */
  checkFields?: (req: Request) => void;
  /** The sniffed types this field takes when narrower than its kinds (a question's image: no GIF, see assessments). */
  types?: readonly string[];
  /** How many other fields the form may send; a form with many rows (a question's options) needs more than the default 50. */
  maxFields?: number;
};

export type UploadContext = {
  storage: FileStorage;
  temporaryFolder: string;
  maxMb: Record<FileKind, number>;
  removeStoredFile: (file: StoredFileRecord) => Promise<void>;
};

/** Bounds on the form's other fields: a lesson form has a handful of short ones. */
const fieldLimits = { fields: 50, fieldSize: 100 * 1024, parts: 60, files: 1 };

/**
 * Middleware for a multipart form with one file: the form's fields become `req.body`, the file
 * is written to a temporary file, its type sniffed from the bytes and held to its kind's limit,
 * then moved into storage and recorded as a StoredFile, which is `req.storedFile`. A refused
 * upload leaves nothing behind and is a ValidationError on `field`.
 */
export function acceptUpload(context: UploadContext, options: UploadOptions): RequestHandler {
  const { field, kinds } = options;
  if (kinds.length === 0) throw new Error(`acceptUpload(${field}): name at least one kind of file`);
  if (options.webImage && kinds.some((kind) => kind !== 'image'))
    throw new Error(`acceptUpload(${field}): webImage takes images only`);
  // Multer stops reading at the largest limit of the kinds taken (the kind is known only once
  // the bytes are in); the kind's own limit is checked after sniffing.
  const largestMb = Math.max(...kinds.map((kind) => context.maxMb[kind]));

  return async (req: Request, res: Response, next: NextFunction) => {
    const writer = new TemporaryFileWriter(context.temporaryFolder);
    let outcome: unknown;
    try {
      await mkdir(context.temporaryFolder, { recursive: true });
      await parseMultipart(req, res, writer, field, largestMb, tooLargeKey(options), options.maxFields);
      const upload = req.file?.path ? writer.finishedFile(req.file.path) : undefined;
      const issues = fieldIssues(req, options);
      if (!upload && (options.required ?? true)) issues.unshift({ field, key: 'files.errors.required' });
      if (issues.length) throw new ValidationError(issues);
      if (upload) {
        req.storedFile = await keep(context, req, upload, options);
        discardIfRequestRejected(context, req, res, req.storedFile);
      }
    } catch (error) {
      outcome = error;
    }
    // Before answering, so that a refused upload is gone by the time the user sees why.
    await writer.removeAll();
    next(outcome);
  };
}

/** What `checkFields` refused, as issues (anything else it throws is not the user's to fix). */
function fieldIssues(req: Request, options: UploadOptions): FieldIssue[] {
  try {
    options.checkFields?.(req);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return [...error.fields];
    throw error;
  }
}

async function parseMultipart(
  req: Request,
  res: Response,
  writer: TemporaryFileWriter,
  field: string,
  largestMb: number,
  tooLarge: string,
  maxFields = fieldLimits.fields,
) {
  const parse = multer({
    storage: writer,
    limits: {
      ...fieldLimits,
      fields: maxFields,
      parts: maxFields + fieldLimits.parts - fieldLimits.fields,
      fileSize: megabytesToBytes(largestMb),
    },
    // Browsers send file names as raw UTF-8; busboy would read them as Latin-1.
    defParamCharset: 'utf8',
    // The name is only metadata and cleanFileName keeps its last segment; busboy's own trimming
    // would turn a name such as ".." into no name, and so the file into no file.
    preservePath: true,
  }).single(field);
  try {
    await new Promise<void>((resolve, reject) => parse(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
  } catch (error) {
    throw asUploadError(error, field, largestMb, tooLarge);
  }
}

/** Multer's and busboy's errors as the messages a user can act on. */
function asUploadError(error: unknown, field: string, largestMb: number, tooLarge: string): unknown {
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new ValidationError([{ field, key: tooLarge, params: { max: largestMb } }]);
      case 'LIMIT_FILE_COUNT':
        return new ValidationError([{ field, key: 'files.errors.oneFile' }]);
      case 'LIMIT_UNEXPECTED_FILE':
        return new ValidationError([{ field: error.field ?? field, key: 'files.errors.unexpectedFile' }]);
      default:
        return new AppError(413, 'errors.tooLarge'); // too many or too long form fields
    }
  }
  // A file system error (a full disk) is ours, not the user's: let it be a logged 500.
  if ((error as NodeJS.ErrnoException).syscall) return error;
  // Anything else is a body that did not arrive whole: a malformed form or a dropped connection.
  return new ValidationError([{ field, key: 'files.errors.incomplete' }]);
}

async function keep(context: UploadContext, req: Request, upload: TemporaryFile, options: UploadOptions) {
  const { field, kinds } = options;
  const mimeType = await sniffMimeType(upload.path);
  const type = mimeType ? acceptedType(mimeType) : undefined;
  if (!mimeType || !type || !kinds.includes(type.kind) || (options.types && !options.types.includes(mimeType))) {
    const allowed = describeKinds(req, kinds, options.types);
    throw new ValidationError([{ field, key: 'files.errors.type', params: { allowed } }]);
  }
  const maxMb = context.maxMb[type.kind];
  if (upload.size > megabytesToBytes(maxMb)) {
    throw new ValidationError([{ field, key: tooLargeKey(options), params: { max: maxMb } }]);
  }
  const record = {
    originalName: cleanFileName(req.file?.originalname),
    mimeType,
    kind: type.kind,
    uploadedBy: req.actor?.id ?? null,
  };
  if (options.webImage) return keepWebImage(context, upload, record, field);
  const key = newStorageKey();
  await context.storage.save(key, upload.path);
  try {
    const created = await StoredFile.create({ ...record, key, size: upload.size, sha256: upload.sha256 });
    return toStoredFileRecord(created.toObject());
  } catch (error) {
    await context.storage.remove(key);
    throw error;
  }
}

/** "The image is too large" where the form asks for a picture, else "the file is too large". */
function tooLargeKey(options: UploadOptions): string {
  return options.webImage ? 'files.errors.imageTooLarge' : 'files.errors.tooLarge';
}

/**
 * Keeps the web copies of an uploaded image (images.ts), not the upload itself: its metadata
 * never reaches storage. All copies are stored, then the one record that names them; a failure
 * on the way removes what was stored, and every temporary copy is removed whatever happens.
 */
export async function keepWebImage(
  context: UploadContext,
  upload: Pick<TemporaryFile, 'path'>,
  record: { originalName: string; mimeType: string; kind: FileKind; uploadedBy: string | null },
  field: string,
): Promise<StoredFileRecord> {
  const temporary = new Set<string>();
  const stored: string[] = [];
  try {
    const prepared = await prepareWebImage(
      upload.path,
      record.mimeType,
      context.temporaryFolder,
      (file) => temporary.add(file),
      field,
    );
    const keep = async (image: PreparedImage) => {
      const key = newStorageKey();
      stored.push(key);
      await context.storage.save(key, image.path);
      return key;
    };
    const key = await keep(prepared.main);
    const variants = [];
    for (const variant of prepared.variants) {
      variants.push({
        key: await keep(variant),
        width: variant.width,
        height: variant.height,
        size: variant.size,
        sha256: variant.sha256,
      });
    }
    const created = await StoredFile.create({
      ...record,
      key,
      size: prepared.main.size,
      sha256: prepared.main.sha256,
      image: { width: prepared.main.width, height: prepared.main.height, variants },
    });
    return toStoredFileRecord(created.toObject());
  } catch (error) {
    await Promise.all(stored.map((key) => context.storage.remove(key)));
    throw error;
  } finally {
    await removeTemporary(temporary);
  }
}

/** "a document (PDF, …) or an image (PNG, …)", in the user's language; "JPG, PNG or WEBP" when the field names its types. */
function describeKinds(req: Request, kinds: readonly FileKind[], types?: readonly string[]): string {
  const names = types
    ? types.map((type) => (acceptedType(type)?.extensions[0] ?? type).toUpperCase())
    : kinds.map((kind) => req.t(`files.kinds.${kind}`));
  return new Intl.ListFormat(req.language, { type: 'disjunction' }).format(names);
}

/**
 * When the route refuses the request after all (a 4xx: another field is invalid, the user may
 * not do this), the file it came with is unused: remove it rather than leave an orphan. 5xx
 * answers keep it, since a server error may come after a record already points at the file.
 */
function discardIfRequestRejected(context: UploadContext, req: Request, res: Response, file: StoredFileRecord) {
  res.once('finish', () => {
    if (res.statusCode < 400 || res.statusCode >= 500) return;
    context.removeStoredFile(file).catch((error: unknown) => {
      req.log?.warn({ err: error, key: file.key }, 'could not remove the file of a refused upload');
    });
  });
}

declare global {
  namespace Express {
    interface Request {
      /** The file `acceptUpload` stored for this request. */
      storedFile?: StoredFileRecord;
    }
  }
}
