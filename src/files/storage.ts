import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** An inclusive byte range, as in HTTP: `{ start: 0, end: 9 }` is the first ten bytes. */
export type ByteRange = { start: number; end: number };

export type StoredObjectInfo = { size: number; modifiedAt: Date };

/**
 * Where uploaded files live. Local disk now; GridFS or object storage can take its place when
 * several machines serve the app, without the upload and download code changing.
 */
export interface FileStorage {
  /** Takes a finished temporary file (on local disk) into storage under `key`; the temporary file is gone after. */
  save(key: string, temporaryPath: string): Promise<void>;
  /** The file's bytes, or only `range` of them. */
  openReadStream(key: string, range?: ByteRange): Promise<Readable>;
  /** Undefined when nothing is stored under `key`. */
  stat(key: string): Promise<StoredObjectInfo | undefined>;
  /** Removes the file; removing what is not there is not an error. */
  remove(key: string): Promise<void>;
}

/** Keys are made by `newStorageKey`; anything else (such as "..") is refused, as a second guard. */
const keyPattern = /^[0-9a-f]{2}\/[0-9a-f]{32}$/;

export class LocalDiskStorage implements FileStorage {
  constructor(readonly root: string) {}

  async save(key: string, temporaryPath: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(temporaryPath, target);
    } catch (error) {
      // The temporary folder may sit on another file system (a separate volume); copy instead.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(temporaryPath, target);
      await rm(temporaryPath, { force: true });
    }
  }

  async openReadStream(key: string, range?: ByteRange): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
    // Wait for the file to open, so a missing file is an error here rather than mid-response.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!keyPattern.test(key)) throw new Error(`Not a storage key: ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }
}
