import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type multer from 'multer';

export type TemporaryFile = { path: string; size: number; sha256: string };

/**
 * A Multer storage engine for one request: writes each uploaded file to a randomly named
 * temporary file, hashing it on the way, and remembers every file it started so that all of
 * them can be removed whatever happened to the request (limit, bad type, client gone).
 */
export class TemporaryFileWriter implements multer.StorageEngine {
  private readonly started = new Set<string>();
  private readonly finished = new Map<string, TemporaryFile>();
  private readonly writes: Promise<unknown>[] = [];

  constructor(private readonly folder: string) {}

  _handleFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ) {
    const filePath = path.join(this.folder, `${randomBytes(16).toString('hex')}.part`);
    this.started.add(filePath);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const write = pipeline(file.stream, measure, createWriteStream(filePath, { flags: 'wx' })).then(
      () => {
        this.finished.set(filePath, { path: filePath, size, sha256: hash.digest('hex') });
        callback(null, { path: filePath, size });
      },
      async (error: unknown) => {
        await rm(filePath, { force: true });
        callback(error);
      },
    );
    this.writes.push(write);
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void) {
    rm(file.path, { force: true }).then(() => callback(null), callback);
  }

  /** The finished file Multer reported at `filePath`. */
  finishedFile(filePath: string): TemporaryFile | undefined {
    return this.finished.get(filePath);
  }

  /** Waits until no file is being written any more, then removes every temporary file still there. */
  async removeAll(): Promise<void> {
    await Promise.allSettled(this.writes);
    await Promise.all([...this.started].map((filePath) => rm(filePath, { force: true })));
  }
}

/**
 * Removes temporary files a crashed process left behind (a request in flight removes its own).
 * Only files older than a day are touched, so uploads in progress in any process are safe.
 */
export async function removeStaleTemporaryFiles(
  folder: string,
  now = Date.now(),
  maxAgeMs = 24 * 60 * 60 * 1000,
): Promise<number> {
  let removed = 0;
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(folder, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > maxAgeMs) {
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}
