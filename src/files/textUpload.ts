import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { ValidationError } from '../platform/errors.js';

/**
 * Accepts one uploaded text file (an import: CSV or JSON) into memory as `req.file`, to be parsed
 * at once and discarded; files that are kept go through acceptUpload (upload.ts) instead. A file
 * over the limit, or a form that is not what was expected, is an error on the `file` field with
 * the feature's own message.
 */
export function acceptTextFile(options: { limitBytes: number; tooLargeKey: string; missingKey: string }) {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: options.limitBytes, files: 1, fields: 5 },
  }).single('file');
  return (req: Request, res: Response, next: NextFunction): void => {
    upload(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        const key = error.code === 'LIMIT_FILE_SIZE' ? options.tooLargeKey : options.missingKey;
        return next(new ValidationError([{ field: 'file', key }]));
      }
      next(error);
    });
  };
}
