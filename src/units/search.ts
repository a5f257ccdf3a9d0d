import { RevisionedIndex, writeWithRevision } from '../platform/revisionedIndex.js';
import { searchWords } from '../platform/text.js';
import { CompetencyUnit, type UnitStatus } from './model.js';

/**
 * Unit search, from memory. Every process keeps the code, titles, sector, status and search words
 * of every unit (a RevisionedIndex over the units themselves, so there is nothing to drift), and
 * a listing built from them: the units in code order and, for each word, the positions of the
 * units that have it. A search walks the code order from the first unit of the code prefix and
 * stops once it has the page and one more: under a millisecond at 20,000 units.
 *
 * Everything that writes units goes through writeUnits: it stamps the write's revision (other
 * processes read just those units within `unitIndexCheckMs`) and shows the change here at once.
 */

export type UnitSummary = { code: string; title: { id: string; en: string }; sector: string; status: UnitStatus };
/** A unit as the index keeps it: its summary and its search words, separated by spaces. */
type IndexedUnit = UnitSummary & { words: string };

/** Normalised words of a unit's code, titles and description: what a search matches. */
export function unitWords(unit: {
  code: string;
  title?: { id?: string | null; en?: string | null } | null;
  description?: string | null;
}): string[] {
  return searchWords(unit.code, unit.title?.id, unit.title?.en, unit.description);
}

/** The counter name of unit writes (the collection's). */
const unitRevisions = 'competencyunits';
/** How stale the index may be in a process that did not make the change itself. */
export const unitIndexCheckMs = 1_000;

type LoadedUnit = {
  code: string;
  title?: { id?: string | null; en?: string | null } | null;
  description?: string | null;
  sector?: string | null;
  status: UnitStatus;
};

/** Moves each time the index takes in a unit, so the listing is rebuilt after changes only. */
let indexVersion = 0;
const unitIndex = new RevisionedIndex<LoadedUnit, IndexedUnit>({
  name: unitRevisions,
  model: CompetencyUnit,
  projection: { code: 1, title: 1, description: 1, sector: 1, status: 1 },
  checkEveryMs: unitIndexCheckMs,
  toEntry(unit) {
    indexVersion += 1;
    return {
      key: unit.code, // unique, and never changes (units are saved by code)
      entry: {
        code: unit.code,
        title: { id: unit.title?.id ?? '', en: unit.title?.en ?? '' },
        sector: unit.sector ?? '',
        status: unit.status,
        words: unitWords(unit).join(' '),
      },
    };
  },
});

/** Runs a write of units with the revision to stamp on them (`revision`), then shows it in this process's search. */
export async function writeUnits<T>(write: (revision: number) => Promise<T>): Promise<T> {
  try {
    return await writeWithRevision(unitRevisions, write);
  } finally {
    unitIndex.changed();
  }
}

/**
 * Units stamped with one revision at most. When the counter moves, every process reads the units
 * of the last ten revisions again (a write that finished late is caught so), at about 1 ms a unit
 * on FerretDB, and searches wait for it: 20,000 units under one revision made the first search
 * after the next edit take 20 s. In slices of 100 it is a few hundred units (0.9 s measured on a
 * busy two-core machine).
 */
export const unitsPerRevision = 100;

/** Writes `items` slice by slice, each slice stamped with a revision of its own (writeUnits). */
export async function writeUnitsInSlices<T, R>(items: T[], write: (slice: T[], revision: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += unitsPerRevision) {
    const slice = items.slice(start, start + unitsPerRevision);
    results.push(await writeUnits((revision) => write(slice, revision)));
  }
  return results;
}

/** The units in code order and, for each word, the ascending positions of the units that have it. */
type Listing = { units: IndexedUnit[]; postings: Map<string, Uint32Array>; vocabulary: string[] };

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

function buildListing(entries: Iterable<IndexedUnit>): Listing {
  const units = [...entries].sort(byCode);
  const positions = new Map<string, number[]>();
  units.forEach((unit, position) => {
    if (!unit.words) return;
    for (const word of unit.words.split(' ')) {
      const list = positions.get(word);
      if (list) list.push(position);
      else positions.set(word, [position]);
    }
  });
  const postings = new Map<string, Uint32Array>();
  for (const [word, list] of positions) postings.set(word, Uint32Array.from(list));
  return { units, postings, vocabulary: [...positions.keys()].sort() };
}

let built: { entries: ReadonlyMap<string, IndexedUnit>; version: number; listing: Listing } | undefined;

async function currentListing(): Promise<Listing> {
  const entries = await unitIndex.all();
  if (built?.entries !== entries || built.version !== indexVersion) {
    built = { entries, version: indexVersion, listing: buildListing(entries.values()) };
  }
  return built.listing;
}

/** Loads the index ahead of the first search (it reads every unit once). */
export async function loadUnitIndex(): Promise<void> {
  await currentListing();
}

/** The first position in `sorted` whose value is not below `value`. */
function lowerBound<T>(sorted: T[], value: string, key: (item: T) => string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (key(sorted[middle] as T) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Above every character of a code or a word, to end a prefix's range. */
const afterAll = '\uffff';

export type UnitMatch = {
  /** Only units of this status (non-staff: approved). */
  status?: UnitStatus;
  sector?: string;
  codePrefix?: string;
  /** Words each unit must have. */
  words: string[];
  /** And a word starting with this. */
  wordPrefix?: string;
};

/**
 * Marks the positions of the units that have every word and a word with the prefix: a unit's
 * mark counts the requirements met so far, each moving it on once. Undefined when none can match.
 */
function markWords(listing: Listing, match: UnitMatch): { marks: Uint8Array; needed: number } | undefined {
  const requirements: Uint32Array[][] = [];
  for (const word of new Set(match.words)) {
    const list = listing.postings.get(word);
    if (!list) return undefined;
    requirements.push([list]);
  }
  if (match.wordPrefix) {
    const { vocabulary } = listing;
    const first = lowerBound(vocabulary, match.wordPrefix, (word) => word);
    const end = lowerBound(vocabulary, match.wordPrefix + afterAll, (word) => word);
    if (first === end) return undefined;
    requirements.push(vocabulary.slice(first, end).map((word) => listing.postings.get(word) as Uint32Array));
  }
  if (requirements.length > 255) return undefined; // more words than a query can hold
  const marks = new Uint8Array(listing.units.length);
  requirements.forEach((lists, met) => {
    for (const list of lists) {
      for (const position of list) if (marks[position] === met) marks[position] = met + 1;
    }
  });
  return { marks, needed: requirements.length };
}

/** Units `skip` to `skip + limit` of those that match, in code order (the walk stops there). */
export async function findUnits(match: UnitMatch, skip = 0, limit = Number.POSITIVE_INFINITY): Promise<UnitSummary[]> {
  const found: UnitSummary[] = [];
  if (limit <= 0) return found;
  let index = 0;
  for (const unit of matching(await currentListing(), match)) {
    index += 1;
    if (index <= skip) continue;
    found.push({ code: unit.code, title: { ...unit.title }, sector: unit.sector, status: unit.status });
    if (found.length === limit) break;
  }
  return found;
}

/** The indexed units that match, in code order. */
function* matching(listing: Listing, match: UnitMatch): Generator<IndexedUnit> {
  const { units } = listing;
  let first = 0;
  let end = units.length;
  if (match.codePrefix) {
    first = lowerBound(units, match.codePrefix, (unit) => unit.code);
    end = lowerBound(units, match.codePrefix + afterAll, (unit) => unit.code);
  }
  const byWords = match.words.length || match.wordPrefix ? markWords(listing, match) : null;
  if (byWords === undefined) return;
  for (let position = first; position < end; position += 1) {
    if (byWords && byWords.marks[position] !== byWords.needed) continue;
    const unit = units[position] as IndexedUnit;
    if (match.status && unit.status !== match.status) continue;
    if (match.sector && unit.sector !== match.sector) continue;
    yield unit;
  }
}

/**
 * One search box for a code or words, as the unit picker has: a text without spaces that starts
 * like a code ("J.620100", "tik.pr02", "J.") is a code prefix; anything else is words, the last
 * one a prefix ("basis dat"). A bare "620100" stays words: every part of a code is one of its words.
 */
export function splitUnitQuery(text: string): { code: string; q: string } {
  const trimmed = text.trim();
  if (/^[A-Za-z]{1,5}\.[A-Za-z0-9.]*$/.test(trimmed)) return { code: trimmed.toUpperCase(), q: '' };
  return { code: '', q: trimmed };
}

/** The indexed units with these codes (from memory: no query per unit), by code; unknown codes are absent. */
export async function unitsByCode(codes: Iterable<string>): Promise<Map<string, UnitSummary>> {
  const entries = await unitIndex.all();
  const found = new Map<string, UnitSummary>();
  for (const code of codes) {
    const unit = entries.get(code);
    if (unit) found.set(code, { code: unit.code, title: { ...unit.title }, sector: unit.sector, status: unit.status });
  }
  return found;
}
