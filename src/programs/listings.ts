import type mongoose from 'mongoose';
import { RevisionedIndex, writeWithRevision } from '../platform/revisionedIndex.js';
import { Program } from './model.js';

/**
 * Listings of programs kept in memory in each process (platform/revisionedIndex.ts): the public
 * catalogue (every published program) and the list of every program for admins. Both would read
 * the whole programs collection per request on FerretDB, whose program documents are large.
 * Every write that changes what they show goes through `writeProgram`, which stamps the program
 * with a revision, so other processes read just that program within a second, and this process
 * at once.
 */
const counter = 'programs';

/** What the catalogue shows of a program, and what it filters by. */
export type CatalogueItem = {
  id: string;
  /** The newest published version's number. */
  version: number;
  code: string;
  title: string;
  summary: string;
  sector: string;
  level: number | null;
  hours: number;
  province: string;
  institution: string;
  institutionName: string;
  units: number;
  modules: number;
  /** Search words (platform/text.ts searchWords), each once. */
  words: string[];
};

type Published = {
  version?: number | null;
  code?: string | null;
  title?: string | null;
  summary?: string | null;
  sector?: string | null;
  level?: number | null;
  hours?: number | null;
  province?: string | null;
  institutionName?: string | null;
  units?: number | null;
  modules?: number | null;
  words?: string[] | null;
};
type CatalogueSource = { _id: mongoose.Types.ObjectId; institution: mongoose.Types.ObjectId; published?: Published | null };

let catalogueGeneration = 0;

export const catalogueIndex = new RevisionedIndex<CatalogueSource, CatalogueItem>({
  name: counter,
  model: Program,
  projection: { institution: 1, published: 1 },
  toEntry(program) {
    catalogueGeneration += 1;
    const published = program.published;
    const key = String(program._id);
    if (!published?.version) return { key, entry: undefined };
    return {
      key,
      entry: {
        id: key,
        version: published.version,
        code: published.code ?? '',
        title: published.title ?? '',
        summary: published.summary ?? '',
        sector: published.sector ?? '',
        level: published.level ?? null,
        hours: published.hours ?? 0,
        province: published.province ?? '',
        institution: String(program.institution),
        institutionName: published.institutionName ?? '',
        units: published.units ?? 0,
        modules: published.modules ?? 0,
        words: [...new Set(published.words ?? [])],
      },
    };
  },
});

/** Moves whenever an entry of the catalogue may have changed, so sorted copies know to sort again. */
export const catalogueChanges = () => catalogueGeneration;

/**
 * What the list of programs shows of each: fields that change only when a program is created,
 * edited or published (not on every change of a lesson, which would stamp a revision each time).
 */
export type ProgramSummary = {
  id: string;
  code: string;
  title: string;
  level: number;
  sector: string;
  institution: string;
  publishedVersion: number;
};

type SummarySource = {
  _id: mongoose.Types.ObjectId;
  code: string;
  title: string;
  level: number;
  sector?: string | null;
  institution: mongoose.Types.ObjectId;
  publishedVersion?: number | null;
};

export function toProgramSummary(program: SummarySource): ProgramSummary {
  return {
    id: String(program._id),
    code: program.code,
    title: program.title,
    level: program.level,
    sector: program.sector ?? '',
    institution: String(program.institution),
    publishedVersion: program.publishedVersion ?? 0,
  };
}

/** The fields toProgramSummary reads. */
export const summaryProjection = {
  code: 1,
  title: 1,
  level: 1,
  sector: 1,
  institution: 1,
  publishedVersion: 1,
} as const;

/** Every program, for admins (others list theirs by an indexed field). Loaded on first use. */
export const programDirectory = new RevisionedIndex<SummarySource, ProgramSummary>({
  name: counter,
  model: Program,
  projection: summaryProjection,
  toEntry: (program) => ({ key: String(program._id), entry: toProgramSummary(program) }),
});

/**
 * Runs a write of programs that changes what a listing shows, with the revision to stamp on
 * each program it writes (`revision: <n>` in its `$set`, or in a new document); the listings of
 * this process see it at once.
 */
export async function writeProgram<T>(write: (revision: number) => Promise<T>): Promise<T> {
  try {
    return await writeWithRevision(counter, write);
  } finally {
    catalogueIndex.changed();
    programDirectory.changed();
  }
}
