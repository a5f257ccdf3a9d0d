import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { Figures, ReportRow, TracerReport } from './report.js';
import { type IncomeBand, incomeBands, type Situation, situations } from './schemas.js';
import type { SurveyView } from './service.js';

/**
 * The tracer's shapes outside the app: its API answers (declared for the OpenAPI document) and
 * its CSV export, one line per cohort, program or the whole year, and wave.
 */

const countsOf = <K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.number().int()])) as Record<K, z.ZodNumber>);

export const surveyView = z.object({
  id: z.string().describe('"<cohort>:<trainee>:<wave>"'),
  wave: z.number().int().describe('months after completion: 3 or 6'),
  state: z.enum(['upcoming', 'open', 'overdue', 'answered', 'closed', 'stopped']),
  cohortName: z.string(),
  programTitle: z.string(),
  dueAt: z.string(),
  remindAt: z.string().describe('an unanswered survey is reminded from then'),
  editableUntil: z.string().describe('answers may be given or changed until then'),
  answeredAt: z.string().nullable(),
  changedAt: z.string().nullable(),
  answers: z
    .record(z.string(), z.string())
    .nullable()
    .describe('`situation` and the fields of that situation (dates as YYYY-MM-DD, WIB)'),
});

export const apiSurvey = (survey: SurveyView): z.input<typeof surveyView> => ({
  id: survey.id,
  wave: survey.wave,
  state: survey.state,
  cohortName: survey.cohortName,
  programTitle: survey.programTitle,
  dueAt: survey.dueAt.toISOString(),
  remindAt: survey.remindAt.toISOString(),
  editableUntil: survey.editableUntil.toISOString(),
  answeredAt: survey.answeredAt?.toISOString() ?? null,
  changedAt: survey.changedAt?.toISOString() ?? null,
  answers: survey.answers ? (survey.answers as unknown as Record<string, string>) : null,
});

const figuresView = z.object({
  invited: z.number().int().describe('surveys that fell due (stopped ones left out)'),
  answered: z.number().int(),
  rate: z.number().nullable().describe('answered / invited, 0 to 1; null with nobody invited'),
  upcoming: z.number().int().describe('surveys made but not yet due'),
  outcomes: countsOf(situations),
  wageBands: countsOf(incomeBands).describe('the employed, by monthly wage band'),
  incomeBands: countsOf(incomeBands).describe('the self-employed, by monthly income band'),
});
const rowView = z.object({ id: z.string(), name: z.string(), program: z.string(), wave: z.number().int(), figures: figuresView });

export const apiReport = z.object({
  institution: z.object({ id: z.string(), name: z.string() }),
  year: z.number().int().describe('completion year (WIB)'),
  years: z.array(z.number().int()),
  cohorts: z.array(rowView),
  programs: z.array(rowView),
  totals: z.array(rowView),
  generatedAt: z.string(),
});
export type ReportView = z.output<typeof apiReport>;

export const reportView = (report: TracerReport): ReportView => ({ ...report, generatedAt: report.generatedAt.toISOString() });

/** A rate as a percentage with one decimal, a number in the file; '' when nobody was asked. */
export const percent = (rate: number | null) => (rate === null ? '' : Math.round(rate * 1000) / 10);

export function reportCsv(report: TracerReport, t: TFunction): (string | number)[][] {
  const C = 'tracer.csv.';
  const header = [
    t(`${C}scope`),
    t(`${C}name`),
    t(`${C}program`),
    t(`${C}wave`),
    t(`${C}invited`),
    t(`${C}answered`),
    t(`${C}rate`),
    t(`${C}upcoming`),
    ...situations.map((situation: Situation) => t(`tracer.situation.${situation}`)),
    ...incomeBands.map((band: IncomeBand) => t(`${C}wage`, { band: t(`tracer.band.${band}`) })),
    ...incomeBands.map((band: IncomeBand) => t(`${C}income`, { band: t(`tracer.band.${band}`) })),
  ];
  const line = (scope: string, row: ReportRow, name: string, program: string) => {
    const f: Figures = row.figures;
    return [
      scope,
      name,
      program,
      row.wave,
      f.invited,
      f.answered,
      percent(f.rate),
      f.upcoming,
      ...situations.map((situation) => f.outcomes[situation]),
      ...incomeBands.map((band) => f.wageBands[band]),
      ...incomeBands.map((band) => f.incomeBands[band]),
    ];
  };
  return [
    header,
    ...report.totals.map((row) => line(t(`${C}all`), row, report.institution.name, '')),
    ...report.programs.map((row) => line(t(`${C}programScope`), row, row.name, row.name)),
    ...report.cohorts.map((row) => line(t(`${C}cohortScope`), row, row.name, row.program)),
  ];
}
