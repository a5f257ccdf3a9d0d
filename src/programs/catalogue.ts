import type { Page } from '../platform/pagination.js';
import { searchWords } from '../platform/text.js';
import { type CatalogueItem, catalogueChanges, catalogueIndex } from './listings.js';
import { getVersion } from './publishing.js';
import type { CatalogueQuery } from './schemas.js';

export const programsPerPage = 20;

/** What the catalogue shows of a program: its index entry without what only filtering needs. */
export type CatalogueEntry = Omit<CatalogueItem, 'version' | 'institution' | 'words'>;

/** Code-unit order of titles (as MongoDB sorts strings), then ids: a stable order across pages. */
const byTitle = (a: CatalogueItem, b: CatalogueItem) =>
  a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

type Sorted = {
  from: ReadonlyMap<string, CatalogueItem>;
  generation: number;
  items: CatalogueItem[];
  institutions: { id: string; name: string }[];
};
let sorted: Sorted | undefined;

/** Institutions of the items, each once, by name. */
function institutionsOf(items: CatalogueItem[]) {
  const names = new Map<string, string>();
  for (const item of items) if (!names.has(item.institution)) names.set(item.institution, item.institutionName);
  return [...names]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'id') || (a.id < b.id ? -1 : 1));
}

/**
 * Every published program, sorted by title, and their institutions. The catalogue lives in memory
 * (listings.ts): on FerretDB its filters (sector, province, words of the published summary) and
 * its sort would read and decode every program per request. Both are sorted again only after a
 * program changed.
 */
async function catalogue(): Promise<Sorted> {
  const entries = await catalogueIndex.all();
  const generation = catalogueChanges();
  // A new map is a new load (another database, in tests), possibly of no programs at all.
  if (!sorted || sorted.from !== entries || sorted.generation !== generation) {
    const items = [...entries.values()].sort(byTitle);
    sorted = { from: entries, generation, items, institutions: institutionsOf(items) };
  }
  return sorted;
}

function toEntry(item: CatalogueItem): CatalogueEntry {
  const { id, code, title, summary, sector, level, hours, province, institutionName, units, modules } = item;
  return { id, code, title, summary, sector, level, hours, province, institutionName, units, modules };
}

/**
 * Published programs for the public catalogue, filtered by sector, institution, province and words
 * (every word but the last whole, the last as the start of a word, as people type), by title.
 */
export async function listCatalogue(query: CatalogueQuery): Promise<Page<CatalogueEntry>> {
  const words = searchWords(query.q);
  const last = words.pop();
  const matches = (item: CatalogueItem) =>
    (!query.sector || item.sector === query.sector) &&
    (!query.province || item.province === query.province) &&
    (!query.institution || item.institution === query.institution) &&
    words.every((word) => item.words.includes(word)) &&
    (!last || item.words.some((word) => word.startsWith(last)));
  const found = (await catalogue()).items.filter(matches);
  const start = (query.page - 1) * programsPerPage;
  return {
    items: found.slice(start, start + programsPerPage).map(toEntry),
    page: query.page,
    hasMore: found.length > start + programsPerPage,
    total: found.length,
  };
}

/** Institutions with programs in the catalogue, by name, for its filter: from memory, like the catalogue. */
export async function catalogueInstitutions(): Promise<{ id: string; name: string }[]> {
  return (await catalogue()).institutions.map((institution) => ({ ...institution }));
}

/** Published programs (their newest version) for choosing one, e.g. for a cohort; of one institution if given. */
export async function publishedPrograms(
  institution?: string,
): Promise<{ id: string; code: string; title: string; version: number }[]> {
  return (await catalogue()).items
    .filter((item) => !institution || item.institution === institution)
    .map(({ id, code, title, version }) => ({ id, code, title, version }));
}

/** The newest published version of a program, for its public page. */
export function catalogueProgram(programId: string) {
  return getVersion(programId, 'latest');
}
