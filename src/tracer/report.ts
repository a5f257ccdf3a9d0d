import { institutionNames } from '../institutions/service.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize, scope } from '../platform/permissions.js';
import { isObjectId } from '../platform/validation.js';
import { zonedParts } from '../platform/zone.js';
import { catchUp } from './creation.js';
import { type Wave, waves } from './model.js';
import { yearOf } from './schedule.js';
import { type IncomeBand, incomeBands, type Situation, situations } from './schemas.js';
import { type Bucket, refreshSummaries, type SummaryDoc, summariesOf } from './summary.js';

/**
 * Response rates and outcomes of an institution's graduates of one completion year, per cohort,
 * per program and overall, each per wave, counted from the cohorts' summaries (summary.ts). A
 * survey counts as invited from its due day (WIB); stopped surveys (revoked records) do not count
 * at all. Wage bands are the employed graduates'; income bands the self-employed ones'.
 */

export type Figures = {
  invited: number;
  answered: number;
  /** answered / invited, 0..1; null with nobody invited. */
  rate: number | null;
  /** Surveys made but not yet due. */
  upcoming: number;
  outcomes: Record<Situation, number>;
  wageBands: Record<IncomeBand, number>;
  incomeBands: Record<IncomeBand, number>;
};

export type ReportRow = { id: string; name: string; program: string; wave: Wave; figures: Figures };

export type TracerReport = {
  institution: { id: string; name: string };
  year: number;
  /** Years a report can be asked for: this one and the four before. */
  years: number[];
  cohorts: ReportRow[];
  programs: ReportRow[];
  /** The whole year, one row per wave. */
  totals: ReportRow[];
  generatedAt: Date;
};

const counts = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
const emptyFigures = (): Figures => ({
  invited: 0,
  answered: 0,
  rate: null,
  upcoming: 0,
  outcomes: counts(situations),
  wageBands: counts(incomeBands),
  incomeBands: counts(incomeBands),
});

function add(figures: Figures, bucket: Bucket, today: string): void {
  if (bucket.dueDay > today) {
    figures.upcoming += bucket.total;
    return;
  }
  figures.invited += bucket.total;
  figures.answered += bucket.answered;
  for (const situation of situations) figures.outcomes[situation] += bucket.outcomes[situation];
  for (const band of incomeBands) {
    figures.wageBands[band] += bucket.wageBands[band];
    figures.incomeBands[band] += bucket.incomeBands[band];
  }
}

/** Rows per key and wave, in the order keys first appear. */
function rowsBy(
  summaries: SummaryDoc[],
  today: string,
  keyOf: (summary: SummaryDoc) => { id: string; name: string; program: string },
) {
  const rows = new Map<string, ReportRow>();
  for (const summary of summaries) {
    const key = keyOf(summary);
    for (const wave of waves) {
      const id = `${key.id}:${wave}`;
      if (!rows.has(id)) rows.set(id, { ...key, wave, figures: emptyFigures() });
    }
    for (const bucket of summary.buckets) add(rows.get(`${key.id}:${bucket.wave}`)!.figures, bucket, today);
  }
  const list = [...rows.values()];
  for (const row of list) row.figures.rate = row.figures.invited ? row.figures.answered / row.figures.invited : null;
  return list;
}

/** Cohorts the report brings up to date from their records before it counts (the rest: the periodic step). */
const cohortsBroughtUpToDate = 1;

/**
 * The report of `institution` (a coordinator's own; an admin names one) for graduates who
 * completed in `year`. Before counting, the institution's cohorts never looked at yet are brought
 * up to date from their records (a bounded share, see creation.ts), so a coordinator opening the
 * report after approving a cohort sees its surveys.
 */
export async function tracerReport(
  actor: Actor | null,
  query: { institution?: string | undefined; year?: number | undefined },
  now = new Date(),
): Promise<TracerReport> {
  authorize(actor, 'tracer.report');
  const institution = query.institution ?? actor.institution;
  // An admin belongs to no institution: they name one.
  if (!institution) throw new ValidationError([{ field: 'institution', key: 'validation.required' }]);
  if (!isObjectId(institution)) throw new NotFoundError();
  authorize(actor, 'tracer.report', { institution });
  const name = (await institutionNames()).get(institution);
  if (name === undefined) throw new NotFoundError();
  const thisYear = yearOf(now);
  const year = query.year ?? thisYear;
  await catchUp(institution, now, cohortsBroughtUpToDate);
  await refreshSummaries(institution);
  const summaries = await summariesOf({ ...scope(actor, 'tracerSurveys'), institution, year });
  // Newest cohorts first.
  summaries.sort(
    (a, b) =>
      b.trainingStartedOn.getTime() - a.trainingStartedOn.getTime() ||
      a.cohortName.localeCompare(b.cohortName) ||
      String(a.cohort).localeCompare(String(b.cohort)),
  );
  const today = zonedParts(now).day;
  return {
    institution: { id: institution, name },
    year,
    years: [0, 1, 2, 3, 4].map((back) => thisYear - back),
    cohorts: rowsBy(summaries, today, (summary) => ({
      id: String(summary.cohort),
      name: summary.cohortName,
      program: summary.programTitle,
    })),
    programs: rowsBy(
      [...summaries].sort((a, b) => a.programTitle.localeCompare(b.programTitle)),
      today,
      (summary) => ({ id: String(summary.program), name: summary.programTitle, program: summary.programTitle }),
    ),
    totals: rowsBy(summaries, today, () => ({ id: 'all', name: '', program: '' })),
    generatedAt: now,
  };
}
