import type { TFunction } from 'i18next';
import { z } from 'zod';
import { defineExport, type ExportColumn } from '../platform/exports/index.js';
import type { Actor } from '../platform/permissions.js';
import { atRiskTrainees, type CohortRisk } from './atRisk.js';
import { cohortFigures, watchedCohort } from './cohortDashboard.js';
import { type FunnelFilter, funnelDashboard, funnelFilter, scopedFilter } from './funnel.js';
import { reasonText } from './words.js';

const D = 'monitoring.dashboard.';
const F = 'monitoring.funnel.';
const cohortParams = z.object({ cohort: z.string().regex(/^[0-9a-f]{24}$/) });
type CohortParams = z.output<typeof cohortParams>;

async function* each<T>(rows: T[]): AsyncIterable<T> {
  yield* rows;
}

/** A table of the cohort dashboard: the same figures the page shows, for the same people. */
type Figures = Awaited<ReturnType<typeof cohortFigures>>;
/** Nothing to export for params no authorize call saw (never reached: the exports feature asks it first). */
const noFigures = { units: [], trainees: [], distribution: [], assessments: [], classes: [] } as unknown as Figures;

function cohortTable(
  name: string,
  heading: string,
  columns: (t: TFunction, figures: Figures) => ExportColumn[],
  rows: (figures: Figures) => Record<string, unknown>[],
) {
  // authorize reads the figures once; columns (one per unit), count and rows of the same export
  // get the same params object, so they find them here.
  const read = new WeakMap<CohortParams, Figures>();
  const figuresOf = (params: CohortParams) => read.get(params) ?? noFigures;
  defineExport(name, {
    params: cohortParams,
    title: (t, params) => t(heading, { cohort: read.get(params)?.cohort.name ?? '' }),
    columns: (t, params) => columns(t, figuresOf(params)),
    authorize: async (actor: Actor, params) => {
      const cohort = await watchedCohort(actor, params.cohort);
      read.set(params, await cohortFigures(cohort));
      return { institution: cohort.institution };
    },
    count: async (params) => rows(figuresOf(params)).length,
    rows: async function* (params) {
      yield* each(rows(figuresOf(params)));
    },
  });
}

/** A table of the funnel dashboard, scoped as the page is (a coordinator's institution). */
function funnelTable(
  name: string,
  heading: string,
  columns: (t: TFunction) => ExportColumn[],
  rows: (dashboard: Awaited<ReturnType<typeof funnelDashboard>>, t?: TFunction) => Record<string, unknown>[],
) {
  const actors = new WeakMap<FunnelFilter, Actor>();
  defineExport(name, {
    params: funnelFilter,
    title: (t) => t(heading),
    columns,
    authorize: async (actor: Actor, params) => {
      const scoped = scopedFilter(actor, params);
      actors.set(params, actor);
      return { institution: scoped.institution ?? null };
    },
    count: async () => 0,
    rows: async function* (params) {
      const actor = actors.get(params);
      if (!actor) return;
      yield* each(rows(await funnelDashboard(actor, params, { allCohorts: true })));
    },
  });
}

/** The at-risk list as the page shows it: each reason in the reader's words (the words need the columns' t). */
function atRiskTable() {
  const risks = new WeakMap<CohortParams, CohortRisk>();
  const readers = new WeakMap<CohortParams, TFunction>();
  defineExport('cohort-at-risk', {
    params: cohortParams,
    title: (t, params) => t('monitoring.atRisk.title', { cohort: risks.get(params)?.cohort.name ?? '' }),
    columns: (t, params) => {
      readers.set(params, t);
      return [
        { key: 'name', header: t(`${D}matrix.trainee`) },
        { key: 'reasons', header: t('monitoring.atRisk.exportReasons') },
        { key: 'lessonsDone', header: t(`${D}exports.lessonsDone`), type: 'number' },
        { key: 'lessonsTotal', header: t(`${D}exports.lessonsTotal`), type: 'number' },
        { key: 'lastActivityAt', header: t(`${D}matrix.lastActivity`), type: 'date' },
        { key: 'phone', header: t('monitoring.atRisk.exportPhone') },
        { key: 'email', header: t('monitoring.atRisk.exportEmail') },
      ];
    },
    authorize: async (actor: Actor, params) => {
      const risk = await atRiskTrainees(actor, params.cohort);
      risks.set(params, risk);
      return { institution: risk.cohort.institution };
    },
    count: async (params) => risks.get(params)?.atRisk.length ?? 0,
    rows: async function* (params) {
      const risk = risks.get(params);
      const t = readers.get(params);
      if (!risk || !t) return;
      for (const trainee of risk.atRisk)
        yield { ...trainee, reasons: trainee.reasons.map((reason) => reasonText(t, reason)).join('; ') };
    },
  });
}

export function registerMonitoringExports(): void {
  atRiskTable();
  cohortTable(
    'cohort-progress',
    `${D}exports.progress`,
    (t, figures) => [
      { key: 'name', header: t(`${D}matrix.trainee`) },
      { key: 'status', header: t(`${D}exports.status`) },
      { key: 'done', header: t(`${D}exports.lessonsDone`), type: 'number' },
      { key: 'total', header: t(`${D}exports.lessonsTotal`), type: 'number' },
      { key: 'percent', header: t(`${D}exports.percent`), type: 'number' },
      ...figures.units.map((unit) => ({ key: `unit:${unit.code}`, header: unit.code })),
      { key: 'passed', header: t(`${D}assessments.passed`), type: 'number' as const },
      { key: 'failed', header: t(`${D}assessments.failed`), type: 'number' as const },
      { key: 'attendancePercent', header: t(`${D}matrix.attendance`), type: 'number' as const },
      { key: 'lastActivityAt', header: t(`${D}matrix.lastActivity`), type: 'date' as const },
    ],
    (figures) =>
      figures.trainees.map((row) => ({
        ...row,
        ...Object.fromEntries(figures.units.map((unit, index) => [`unit:${unit.code}`, row.verdicts[index] ?? ''])),
      })),
  );
  cohortTable(
    'cohort-distribution',
    `${D}exports.distribution`,
    (t) => [
      { key: 'band', header: t(`${D}distribution.band`) },
      { key: 'trainees', header: t(`${D}distribution.trainees`), type: 'number' },
    ],
    (figures) => figures.distribution.map((band) => ({ band: `${band.low}-${band.high}%`, trainees: band.trainees })),
  );
  cohortTable(
    'cohort-assessments',
    `${D}exports.assessments`,
    (t) => [
      { key: 'title', header: t(`${D}assessments.assessment`) },
      { key: 'kind', header: t(`${D}exports.kind`) },
      { key: 'graded', header: t(`${D}exports.graded`), type: 'number' },
      { key: 'passed', header: t(`${D}assessments.passed`), type: 'number' },
      { key: 'failed', header: t(`${D}assessments.failed`), type: 'number' },
      { key: 'averagePercent', header: t(`${D}exports.averagePercent`), type: 'number' },
    ],
    (figures) => figures.assessments,
  );
  cohortTable(
    'cohort-classes',
    `${D}exports.classes`,
    (t) => [
      { key: 'title', header: t(`${D}classes.class`) },
      { key: 'at', header: t(`${D}exports.date`), type: 'date' },
      { key: 'heldMinutes', header: t(`${D}exports.heldMinutes`), type: 'number' },
      { key: 'present', header: t(`${D}classes.present`), type: 'number' },
      { key: 'averageMinutes', header: t(`${D}exports.averageMinutes`), type: 'number' },
    ],
    (figures) => figures.classes,
  );
  funnelTable(
    'monitoring-funnel',
    `${F}exports.funnel`,
    (t) => [
      { key: 'stage', header: t(`${F}stage`) },
      { key: 'count', header: t(`${F}count`), type: 'number' },
      { key: 'ofPrevious', header: t(`${F}ofPrevious`), type: 'number' },
    ],
    (dashboard) => dashboard.funnel,
  );
  const rateColumns = (t: TFunction): ExportColumn[] => [
    { key: 'enrolled', header: t(`${F}stages.enrolled`), type: 'number' },
    { key: 'completed', header: t(`${F}stages.completed`), type: 'number' },
    { key: 'certified', header: t(`${F}stages.certified`), type: 'number' },
    { key: 'employed', header: t(`${F}stages.employed`), type: 'number' },
    { key: 'completionRate', header: t(`${F}completionRate`), type: 'number' },
    { key: 'certificationRate', header: t(`${F}certificationRate`), type: 'number' },
    { key: 'employmentRate', header: t(`${F}employmentRate`), type: 'number' },
  ];
  funnelTable(
    'monitoring-sectors',
    `${F}exports.sectors`,
    (t) => [
      { key: 'sector', header: t(`${F}sector`) },
      { key: 'cohorts', header: t(`${F}cohorts`), type: 'number' },
      ...rateColumns(t),
    ],
    (dashboard) => dashboard.bySector.map((row) => ({ ...row, sector: row.name?.id || row.sector })),
  );
  funnelTable(
    'monitoring-cohorts',
    `${F}exports.cohorts`,
    (t) => [
      { key: 'name', header: t(`${F}cohort`) },
      { key: 'institutionName', header: t(`${F}institution`) },
      { key: 'programTitle', header: t(`${F}program`) },
      { key: 'month', header: t(`${F}month`) },
      ...rateColumns(t),
    ],
    (dashboard) => dashboard.byCohort,
  );
  funnelTable(
    'monitoring-trend',
    `${F}exports.trend`,
    (t) => [
      { key: 'month', header: t(`${F}month`) },
      ...(['counselled', 'enrolled', 'active', 'completed', 'certified', 'employed'] as const).map((stage) => ({
        key: stage,
        header: t(`${F}stages.${stage}`),
        type: 'number' as const,
      })),
    ],
    (dashboard) => dashboard.trend,
  );
}
