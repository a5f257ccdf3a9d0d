import { mkdir } from 'node:fs/promises';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import type { Files } from '../../files/index.js';
import { megabytesToBytes } from '../../files/kinds.js';
import { TemporaryFileWriter } from '../../files/temporaryFiles.js';
import { AppError, ValidationError } from '../../platform/errors.js';
import { wantsJson } from '../../platform/http/errorHandler.js';
import { slideLimits, slidesField } from './render.js';
import { checkSlideUploader, type SlideUpload, slidePageFile, uploadDeck } from './service.js';

const param = (req: Request, name: string) => String(req.params[name]);

/**
 * Reads the form's files (field `slides`, up to a deck's number of pages) into temporary files
 * of `writer`, which the caller removes. files/upload.ts takes one file per form and keeps it as
 * it is; slides are several files that become other files (a PDF's pages), so they are read here.
 */
async function receiveSlides(req: Request, res: Response, writer: TemporaryFileWriter, files: Files): Promise<SlideUpload[]> {
  const largestMb = Math.max(files.maxMb.document, files.maxMb.image);
  await mkdir(files.temporaryFolder, { recursive: true });
  const parse = multer({
    storage: writer,
    limits: {
      files: slideLimits.maxPages,
      fields: 10,
      fieldSize: 1024,
      parts: slideLimits.maxPages + 10,
      fileSize: megabytesToBytes(largestMb),
    },
    defParamCharset: 'utf8', // browsers send file names as raw UTF-8
    preservePath: true, // the name is only metadata (cleanFileName keeps its last segment)
  }).array(slidesField, slideLimits.maxPages);
  try {
    await new Promise<void>((resolve, reject) => parse(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
  } catch (error) {
    if (error instanceof multer.MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE')
        throw new ValidationError([{ field: slidesField, key: 'liveSlides.errors.fileTooLarge', params: { max: largestMb } }]);
      if (error.code === 'LIMIT_FILE_COUNT')
        throw new ValidationError([
          { field: slidesField, key: 'liveSlides.errors.tooManyFiles', params: { max: slideLimits.maxPages } },
        ]);
      if (error.code === 'LIMIT_UNEXPECTED_FILE')
        throw new ValidationError([{ field: error.field ?? slidesField, key: 'files.errors.unexpectedFile' }]);
      throw new AppError(413, 'errors.tooLarge');
    }
    if ((error as NodeJS.ErrnoException).syscall) throw error; // a full disk is ours: a logged 500
    throw new ValidationError([{ field: slidesField, key: 'files.errors.incomplete' }]);
  }
  const received = (req.files ?? []) as Express.Multer.File[];
  return received.flatMap((file) => {
    const finished = writer.finishedFile(file.path);
    return finished ? [{ path: finished.path, size: finished.size, originalName: file.originalname }] : [];
  });
}

export function registerLiveSlideRoutes({ web, files, liveConnections }: FeatureContext): void {
  // The room page uploads with fetch (x-csrf-token) and gets the deck as JSON; a form without
  // JavaScript (`?_csrf=` in its action) comes back to the room.
  web.post('/live/:id/slides', requireLogin, async (req, res) => {
    // Who may upload is settled before a byte is read, so nobody else can fill the disk.
    await checkSlideUploader(req.actor!, param(req, 'id'));
    const writer = new TemporaryFileWriter(files.temporaryFolder);
    try {
      const uploads = await receiveSlides(req, res, writer, files);
      const shown = await uploadDeck(req.actor!, param(req, 'id'), uploads, { files, live: liveConnections });
      if (wantsJson(req)) res.json(shown);
      else res.redirect(303, `/live/${param(req, 'id')}/room`);
    } finally {
      await writer.removeAll();
    }
  });

  // A page of a deck, for the session's trainees and staff. A deck never changes (new slides are
  // a new deck), so the ETag holds for good; each request is still checked (files/download.ts).
  web.get('/live/:id/slides/:deckId/:page', requireLogin, async (req, res) => {
    const page = /^\d{1,3}$/.test(param(req, 'page')) ? Number(param(req, 'page')) : 0;
    const fileId = await slidePageFile(req.actor!, param(req, 'id'), param(req, 'deckId'), page);
    await files.sendRequestedFile(req, res, await files.findStoredFile(fileId));
  });
}
