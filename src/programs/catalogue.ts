import { Institution } from '../institutions/model.js';
import { paginate } from '../platform/pagination.js';
import { escapeRegExp, searchWords } from '../platform/text.js';
import { Program } from './model.js';
import { getVersion } from './publishing.js';
import type { CatalogueQuery } from './schemas.js';

export const programsPerPage = 20;

export type CatalogueEntry = {
  id: string;
  code: string;
  title: string;
  summary: string;
  sector: string;
  level: number | null;
  hours: number;
  province: string;
  institutionName: string;
  units: number;
  modules: number;
};

/** Published programs for the public catalogue, filtered by sector, institution, province and words. */
export async function listCatalogue(query: CatalogueQuery) {
  const filter: Record<string, unknown> = { 'published.version': { $gt: 0 } };
  if (query.sector) filter['published.sector'] = query.sector;
  if (query.province) filter['published.province'] = query.province;
  if (query.institution) filter.institution = query.institution;
  const words = searchWords(query.q);
  const last = words.pop();
  const conditions: Record<string, unknown>[] = [];
  if (words.length) conditions.push({ 'published.words': { $all: words } });
  if (last) conditions.push({ 'published.words': { $regex: `^${escapeRegExp(last)}` } });
  if (conditions.length) filter.$and = conditions;
  const found = await paginate(query.page, programsPerPage, (skip, limit) =>
    Program.find(filter, { published: 1 }).sort({ 'published.title': 1, _id: 1 }).skip(skip).limit(limit).lean(),
  );
  const entries: CatalogueEntry[] = found.items.map((program) => ({
    id: String(program._id),
    code: program.published?.code ?? '',
    title: program.published?.title ?? '',
    summary: program.published?.summary ?? '',
    sector: program.published?.sector ?? '',
    level: program.published?.level ?? null,
    hours: program.published?.hours ?? 0,
    province: program.published?.province ?? '',
    institutionName: program.published?.institutionName ?? '',
    units: program.published?.units ?? 0,
    modules: program.published?.modules ?? 0,
  }));
  return { ...found, items: entries };
}

/**
 * Active institutions, for the catalogue's filter. All of them rather than only those with
 * published programs: that `distinct` over every program scanned the programs on FerretDB
 * (90 ms with 1,000 programs), while institutions are few.
 */
export async function catalogueInstitutions() {
  return (await Institution.find({ active: true }, { name: 1 }).sort({ name: 1 }).lean()).map((institution) => ({
    id: String(institution._id),
    name: institution.name,
  }));
}

/** The newest published version of a program, for its public page. */
export function catalogueProgram(programId: string) {
  return getVersion(programId, 'latest');
}
