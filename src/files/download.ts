import { pipeline } from 'node:stream/promises';
import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import { NotFoundError } from '../platform/errors.js';
import { mayBeShownInline } from './kinds.js';
import type { StoredFileRecord } from './model.js';
import { downloadName } from './names.js';
import type { ByteRange, FileStorage } from './storage.js';

export type ServableFile = Pick<StoredFileRecord, 'key' | 'originalName' | 'mimeType' | 'sha256' | 'createdAt'>;

export type SendOptions = {
  /** `inline` shows videos, PDFs and images in the browser; every other type is always an attachment. */
  disposition?: 'inline' | 'attachment';
};

/**
 * Nothing in a served file may run as our origin: no scripts, no plugins, no forms, and only our
 * own pages may frame it (a lesson shows a PDF in a frame).
 */
const filePolicy = "default-src 'none'; frame-ancestors 'self'; sandbox";
/**
 * Browsers refuse to start their built-in PDF viewer in a sandboxed document, and a
 * `default-src` keeps it from loading its own parts, so an inline PDF gets only the framing
 * rule. Its content runs in the viewer's isolated process, never as our origin, and the exact
 * Content-Type with nosniff means it is never read as anything but a PDF.
 */
const inlinePdfPolicy = "frame-ancestors 'self'";

/**
 * Answers a request for a stored file. The caller has already checked that the user may have it.
 * Handles conditional requests (ETag, Last-Modified) and single byte ranges, so a video can seek
 * without downloading the whole file again.
 */
export async function sendStoredFile(
  storage: FileStorage,
  req: Request,
  res: Response,
  file: ServableFile,
  options: SendOptions = {},
): Promise<void> {
  const info = await storage.stat(file.key);
  if (!info) throw new NotFoundError();
  const etag = `"${file.sha256}"`; // the content's hash: a strong validator that never goes stale
  const lastModified = new Date(file.createdAt);

  // Private: only those allowed may have it. `no-cache`: revalidated every time (a cheap 304),
  // so taking away access takes effect at once.
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified.toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  if (req.fresh) {
    res.status(304).end();
    return;
  }

  const range = requestedRange(req, info.size, etag, lastModified);
  if (range === 'unsatisfiable') {
    res.status(416).setHeader('Content-Range', `bytes */${info.size}`);
    res.end();
    return;
  }
  const stream = req.method === 'HEAD' ? undefined : await storage.openReadStream(file.key, range);

  const inline = options.disposition === 'inline' && mayBeShownInline(file.mimeType);
  res.setHeader('Content-Type', file.mimeType);
  res.setHeader(
    'Content-Disposition',
    contentDisposition(downloadName(file.originalName, file.mimeType), { type: inline ? 'inline' : 'attachment' }),
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', inline && file.mimeType === 'application/pdf' ? inlinePdfPolicy : filePolicy);
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
  }
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : info.size));
  if (!stream) {
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away (a video seeks by dropping one request and making another), or the
    // storage failed mid-file: the response cannot be mended, only ended.
    res.destroy();
  }
}

/**
 * The one byte range to send, undefined for the whole file. Several ranges in one request are
 * answered with the whole file, which HTTP allows; no browser asks for them when playing media.
 */
function requestedRange(req: Request, size: number, etag: string, lastModified: Date): ByteRange | 'unsatisfiable' | undefined {
  if (!req.headers.range) return undefined;
  if (!ifRangeHolds(req.get('if-range'), etag, lastModified)) return undefined;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return ranges[0];
}

/** If-Range: the range applies only if the client's copy is still this file (RFC 9110, 13.1.5). */
function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: Date): boolean {
  if (!ifRange) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  return Date.parse(ifRange) === Math.floor(lastModified.getTime() / 1000) * 1000;
}
