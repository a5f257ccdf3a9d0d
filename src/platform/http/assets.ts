import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Request, type RequestHandler, type Response } from 'express';

/**
 * Static files with their content in the URL: /public/css/app.css is linked as
 * /public/css/app.<hash>.css, so a browser may keep it for a year and never ask again, and a
 * changed file gets a new URL. The hash goes into the path rather than a ?v= query: the server can
 * then tell an old or unknown hash from the current one (and not let a year-long cache keep the
 * wrong content under it), and proxies that do not cache URLs with a query still cache these.
 */

const oneYear = 'public, max-age=31536000, immutable';
/** Plain URLs (bookmarks, old pages, other tools) keep working, kept only a few minutes. */
const shortCache = 'public, max-age=300';
/** An old or unknown hash answers with today's file, which must not be kept under that URL. */
const notKept = 'no-cache';
const hashLength = 10;
const fingerprinted = new RegExp(`^(.*)\\.([0-9a-f]{${hashLength}})(\\.[A-Za-z0-9]+)$`);

type Entry = { hash: string; mtimeMs: number; size: number };

export type PublicAssets = {
  /** '/css/app.css' or '/public/css/app.css' → '/public/css/app.<hash>.css'; unknown files as given. */
  url(file: string): string;
  /** Serves the folder under /public: fingerprinted URLs for a year, plain ones briefly. */
  handler: RequestHandler;
  /** public/js/sw.js with the asset URLs it keeps offline rewritten to their fingerprinted form. */
  serviceWorker(): string;
};

/**
 * Hashes every file of `dir` once, at start. With `watch` (development), a file edited since is
 * hashed again when next linked or asked for, so a changed stylesheet shows without a restart.
 */
export function createPublicAssets(
  dir: string,
  { watch = false, vendor = {} }: { watch?: boolean; vendor?: Record<string, string> } = {},
): PublicAssets {
  const entries = new Map<string, Entry>();
  // A file of a dependency served as if it were in the folder (the Socket.IO client), from where
  // npm installed it: no copy in the repository to keep in step with the package.
  const sourceOf = (file: string) => vendor[file] ?? path.join(dir, file);
  const hashFile = (file: string): Entry => {
    const stat = statSync(sourceOf(file));
    const hash = createHash('sha256')
      .update(readFileSync(sourceOf(file)))
      .digest('hex')
      .slice(0, hashLength);
    return { hash, mtimeMs: stat.mtimeMs, size: stat.size };
  };
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const relative = `/${file.split(path.sep).join('/')}`;
    if (statSync(path.join(dir, file)).isFile()) entries.set(relative, hashFile(relative));
  }
  for (const file of Object.keys(vendor)) entries.set(file, hashFile(file));

  const entryOf = (file: string): Entry | undefined => {
    const entry = entries.get(file);
    if (!entry || !watch) return entry;
    try {
      const stat = statSync(sourceOf(file));
      if (stat.mtimeMs === entry.mtimeMs && stat.size === entry.size) return entry;
      const fresh = hashFile(file);
      entries.set(file, fresh);
      return fresh;
    } catch {
      entries.delete(file); // removed since start
      return undefined;
    }
  };

  const url = (file: string): string => {
    const relative = file.startsWith('/public/') ? file.slice('/public'.length) : file;
    const entry = entryOf(relative);
    if (!entry) return file;
    const extension = path.posix.extname(relative);
    return `/public${relative.slice(0, relative.length - extension.length)}.${entry.hash}${extension}`;
  };

  const cacheControl = new WeakMap<Response, string>();
  const serveStatic = express.static(dir, {
    // The Cache-Control chosen below, set only when a file is actually sent (not on a 404).
    cacheControl: false,
    setHeaders: (res) => res.setHeader('Cache-Control', cacheControl.get(res as unknown as Response) ?? shortCache),
  });
  const handler: RequestHandler = (req, res, next) => {
    const match = fingerprinted.exec(req.path);
    if (match && !entries.has(req.path)) {
      const [, stem, hash, extension] = match;
      const entry = entryOf(`${stem}${extension}`);
      if (entry) {
        cacheControl.set(res, entry.hash === hash ? oneYear : notKept);
        req.url = `${stem}${extension}${req.url.slice(req.path.length)}`;
      }
    }
    const vendored = vendor[req.path];
    if (vendored) {
      // sendFile calls back when done too: only a failure before anything was sent goes on.
      res.sendFile(
        vendored,
        { cacheControl: false, headers: { 'Cache-Control': cacheControl.get(res) ?? shortCache } },
        (error) => {
          if (error && !res.headersSent) next(error);
        },
      );
      return;
    }
    serveStatic(req, res, next);
  };

  let serviceWorkerSource: string | undefined;
  const serviceWorker = () => {
    serviceWorkerSource ??= readFileSync(path.join(dir, 'js', 'sw.js'), 'utf8');
    return serviceWorkerSource.replace(/\/public\/[\w./-]+\.(?:css|js)\b/g, (found) => url(found));
  };

  return { url, handler, serviceWorker };
}

/** The assets of the app that answers this request (createApp keeps them in app.locals). */
export function assetsOf(req: Request): PublicAssets {
  return req.app.locals.assets as PublicAssets;
}

/**
 * Compresses what is text and sent whole: pages, styles, scripts, JSON. Not media (already
 * compressed), not uploaded files in general, and never a byte range: a video's seek asks for
 * bytes of the file, which a compressed body would not match.
 */
export function compressText(): RequestHandler {
  return compression({
    filter: (req, res) => {
      if (req.headers.range || res.statusCode === 206) return false;
      const type = String(res.getHeader('Content-Type') ?? '');
      return /^(?:text\/(?:html|css|javascript)|application\/(?:javascript|json))\b/i.test(type);
    },
  });
}
