import { z } from 'zod';
import { listSectors } from '../institutions/service.js';
import { ForbiddenError } from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { provinces } from '../platform/provinces.js';
import { objectIdField } from '../platform/validation.js';
import {
  CohortTally,
  type CohortTallyDoc,
  CounsellingTally,
  type CounsellingTallyDoc,
  type StageCounts,
} from './summaries/model.js';

const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .optional()
  .or(z.literal('').transform(() => undefined));
const optionalId = objectIdField.optional().or(z.literal('').transform(() => undefined));
const code = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/)
  .optional()
  .or(z.literal('').transform(() => undefined));

/** The dashboards' filters: a range of months (cohorts by the month they start), sector, program, institution, province. */
export const funnelFilter = z.object({
  from: month,
  to: month,
  sector: code,
  program: optionalId,
  institution: optionalId,
  province: z
    .string()
    .regex(/^\d{2}$/)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});
export type FunnelFilter = z.output<typeof funnelFilter>;

export const funnelStages = ['counselled', 'enrolled', 'active', 'completed', 'certified', 'employed'] as const;
export type FunnelStage = (typeof funnelStages)[number];

/** A coordinator's dashboards are their institution's; an admin's whatever the filter says. */
export function scopedFilter(actor: Actor | null, filter: FunnelFilter): FunnelFilter {
  if (actor?.role === 'coordinator') {
    if (filter.institution && filter.institution !== actor.institution) throw new ForbiddenError();
    const scoped = { ...filter, institution: actor.institution ?? undefined };
    authorize(actor, 'monitoring.institution', { institution: scoped.institution ?? null });
    return scoped;
  }
  authorize(actor, 'monitoring.institution', { institution: filter.institution ?? null });
  return filter;
}

type Dimensions = Pick<CohortTallyDoc, 'institution' | 'program' | 'province' | 'sector' | 'month'>;

/**
 * The equality FerretDB answers from an index: the scope (an institution, else a province, else the
 * country), so that the same read also gives the program and institution choices of the filter
 * form. The rest of the filter applies in memory: the tallies are small, one per cohort (or per
 * institution, program and month).
 */
function scopeQuery(filter: FunnelFilter): Record<string, string> {
  if (filter.institution) return { institution: filter.institution };
  if (filter.province) return { province: filter.province };
  return {};
}

const matches = (filter: FunnelFilter) => (tally: Partial<Dimensions>) =>
  (!filter.program || tally.program === filter.program) &&
  (!filter.institution || tally.institution === filter.institution) &&
  (!filter.province || tally.province === filter.province) &&
  (!filter.sector || tally.sector === filter.sector) &&
  (!filter.from || (tally.month ?? '') >= filter.from) &&
  (!filter.to || (tally.month ?? '') <= filter.to);

/** Upper bound of tallies read at once: 2,000 cohorts a year nationally, for years. */
const tallyLimit = 100_000;

const byName = <T extends { name: string }>(items: Map<string, T>) =>
  [...items.values()].sort((a, b) => a.name.localeCompare(b.name));

export async function talliesFor(filter: FunnelFilter) {
  const [inScope, counselling] = await Promise.all([
    CohortTally.find(scopeQuery(filter)).limit(tallyLimit).lean<CohortTallyDoc[]>(),
    CounsellingTally.find(scopeQuery(filter)).limit(tallyLimit).lean<CounsellingTallyDoc[]>(),
  ]);
  const programs = new Map(inScope.map((tally) => [tally.program, { id: tally.program, name: tally.programTitle }]));
  const institutions = new Map(
    inScope.map((tally) => [tally.institution, { id: tally.institution, name: tally.institutionName }]),
  );
  return {
    cohorts: inScope.filter(matches(filter)),
    // Counselling has no cohort: by program only when one was recommended; a sector filter keeps those too.
    counselling: counselling.filter(matches({ ...filter, sector: undefined })),
    choices: { programs: byName(programs), institutions: byName(institutions) },
  };
}

const rate = (part: number, whole: number) => (whole ? Math.round((part * 1000) / whole) / 10 : null);
const stageCount = (tally: CohortTallyDoc, stage: keyof StageCounts) =>
  Number((tally.counts as Partial<StageCounts>)?.[stage] ?? 0);

function sumStages(cohorts: CohortTallyDoc[], counselled: number): Record<FunnelStage, number> {
  const sum = (stage: keyof StageCounts) => cohorts.reduce((total, tally) => total + stageCount(tally, stage), 0);
  return {
    counselled,
    enrolled: sum('enrolled'),
    active: sum('active'),
    completed: sum('completed'),
    certified: sum('certified'),
    employed: sum('employed'),
  };
}

/** Rates of a group of cohorts: completion of those enrolled, certification and employment of those completed. */
function ratesOf(cohorts: CohortTallyDoc[]) {
  const stages = sumStages(cohorts, 0);
  return {
    enrolled: stages.enrolled,
    completed: stages.completed,
    certified: stages.certified,
    employed: stages.employed,
    completionRate: rate(stages.completed, stages.enrolled),
    certificationRate: rate(stages.certified, stages.completed),
    employmentRate: rate(stages.employed, stages.completed),
  };
}

/**
 * What each stage is a share of. Counselling is not every trainee's way in, so enrolment has none;
 * employment does not need certification, so it is a share of those who completed.
 */
const baseStage: Record<FunnelStage, FunnelStage | null> = {
  counselled: null,
  enrolled: null,
  active: 'enrolled',
  completed: 'active',
  certified: 'completed',
  employed: 'completed',
};

/** Cohorts shown on the page; the export has them all. */
export const cohortRowsShown = 100;

/**
 * The funnel from counselling to employment for the filter's cohorts (by the month they start) and
 * counselling (by the month of an applicant's first session), with rates by sector and by cohort and
 * the months' trend. Reads the tallies only (follow.ts keeps them), never the records.
 */
export async function funnelDashboard(actor: Actor | null, input: FunnelFilter, { allCohorts = false } = {}) {
  const filter = scopedFilter(actor, input);
  const [{ cohorts, counselling, choices }, sectors] = await Promise.all([talliesFor(filter), listSectors()]);
  const counselled = counselling.reduce((total, tally) => total + tally.counselled, 0);
  const stages = sumStages(cohorts, counselled);
  const funnel = funnelStages.map((stage) => ({
    stage,
    count: stages[stage],
    base: baseStage[stage],
    ofPrevious: baseStage[stage] ? rate(stages[stage], stages[baseStage[stage]!]) : null,
  }));
  const sectorName = new Map(sectors.map((sector) => [sector.code, sector.name]));
  const bySectorCode = Map.groupBy(cohorts, (tally) => tally.sector);
  const bySector = [...bySectorCode]
    .map(([sector, group]) => ({ sector, name: sectorName.get(sector) ?? null, cohorts: group.length, ...ratesOf(group) }))
    .sort((a, b) => b.enrolled - a.enrolled);
  const byCohort = cohorts
    .map((tally) => ({
      cohort: tally._id,
      name: tally.name,
      institutionName: tally.institutionName,
      programTitle: tally.programTitle,
      month: tally.month,
      ...ratesOf([tally]),
    }))
    .sort((a, b) => b.month.localeCompare(a.month) || a.name.localeCompare(b.name));
  const months = [...new Set([...cohorts.map((tally) => tally.month), ...counselling.map((tally) => tally.month)])].sort();
  const cohortsByMonth = Map.groupBy(cohorts, (tally) => tally.month);
  const counsellingByMonth = Map.groupBy(counselling, (tally) => tally.month);
  const trend = months.map((month) => ({
    month,
    ...sumStages(
      cohortsByMonth.get(month) ?? [],
      (counsellingByMonth.get(month) ?? []).reduce((total, tally) => total + tally.counselled, 0),
    ),
  }));
  return {
    filter,
    funnel,
    bySector,
    byCohort: allCohorts ? byCohort : byCohort.slice(0, cohortRowsShown),
    cohortCount: byCohort.length,
    trend,
    choices: {
      ...choices,
      sectors: sectors.map((sector) => ({ code: sector.code, name: sector.name })),
      provinces: provinces.map((province) => ({ code: province.code, name: province.name })),
    },
  };
}
export type FunnelDashboard = Awaited<ReturnType<typeof funnelDashboard>>;
