import { LRUCache } from 'lru-cache';
import mongoose from 'mongoose';
import { ProgramVersion, PublishedLesson, publishedLessonId, type VersionDoc, versionId } from './model.js';
import type { Snapshot } from './publishing.js';

/**
 * Published versions and their lesson texts, kept in memory in each process. A version never
 * changes once it is complete (publishProgram marks it so after storing all its lessons), so what
 * is cached can never be stale and no process has to tell another anything: a new version has a
 * new number, and which number is the newest is read from the program itself (getVersion).
 * A version that is not complete yet is never cached.
 *
 * Both caches are least-recently-used with two bounds, entries and approximate size (characters
 * of the JSON or HTML), so a process reading thousands of versions keeps only the busiest few.
 * Loads of the same key at once share one database read. Permission checks happen above this.
 */
export type CachedVersion = { version: number; publishedAt: Date; snapshot: Snapshot };

export type PublishedCacheLimits = {
  /** Versions (outlines) kept, and their approximate total size in characters. */
  versions: number;
  versionChars: number;
  /** Lesson texts kept, and their approximate total size in characters. */
  lessons: number;
  lessonChars: number;
};

export const defaultPublishedCacheLimits: PublishedCacheLimits = {
  versions: 500,
  versionChars: 32 * 1024 * 1024,
  lessons: 5000,
  lessonChars: 32 * 1024 * 1024,
};

/** Freezes what is shared between requests, so that a caller changing it fails loudly instead of changing it for all. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function makeCaches(limits: PublishedCacheLimits) {
  const versions = new LRUCache<string, CachedVersion>({
    max: limits.versions,
    maxSize: limits.versionChars,
    sizeCalculation: (entry) => Math.max(1, JSON.stringify(entry.snapshot).length),
    fetchMethod: async (id) => {
      const found = await ProgramVersion.findById(id, {
        version: 1,
        publishedAt: 1,
        snapshot: 1,
        complete: 1,
      }).lean<VersionDoc>();
      if (!found?.complete) return undefined; // half-written (or missing): not shown, not cached
      return deepFreeze({ version: found.version, publishedAt: found.publishedAt, snapshot: found.snapshot as Snapshot });
    },
  });
  const lessons = new LRUCache<string, { html: string }>({
    max: limits.lessons,
    maxSize: limits.lessonChars,
    sizeCalculation: (entry) => Math.max(1, entry.html.length),
    fetchMethod: async (id) => {
      const found = await PublishedLesson.findById(id, { html: 1 }).lean();
      return found ? { html: found.html ?? '' } : undefined;
    },
  });
  return { versions, lessons, database: '' };
}

let limits = defaultPublishedCacheLimits;
let caches = makeCaches(limits);

/** The caches for the connected database (tests use one database per file). */
function current() {
  const database = mongoose.connection.name;
  if (caches.database !== database) {
    caches = makeCaches(limits);
    caches.database = database;
  }
  return caches;
}

/**
 * A complete published version, from memory when this process read it before; undefined when
 * there is no such version or it is not complete yet. Only for complete versions of programs the
 * caller already found: the permission check is the caller's.
 */
export async function cachedVersion(programId: unknown, version: number): Promise<CachedVersion | undefined> {
  return current().versions.fetch(versionId(programId, version));
}

/**
 * The rendered text of a lesson in a published version, from memory when read before. Call it
 * only for a lesson of a complete version (its lessons are all stored then, and never change).
 */
export async function cachedLessonHtml(programId: unknown, version: number, lessonId: string): Promise<string | undefined> {
  return (await current().lessons.fetch(publishedLessonId(programId, version, lessonId)))?.html;
}

/** How full the caches are: entries and approximate size. */
export function publishedCacheStats() {
  const { versions, lessons } = current();
  return {
    versions: versions.size,
    versionChars: versions.calculatedSize,
    lessons: lessons.size,
    lessonChars: lessons.calculatedSize,
  };
}

/** Sets the caches' bounds (emptying them); without an argument, back to the defaults. */
export function limitPublishedCache(wanted: Partial<PublishedCacheLimits> = {}): void {
  limits = { ...defaultPublishedCacheLimits, ...wanted };
  caches = makeCaches(limits);
}
