import { z } from 'zod';
import { cohortRef, findCohort } from '../cohorts/service.js';
import { enrollmentOf } from '../enrolment/service.js';
import { NotFoundError } from '../platform/errors.js';
import { defineExport, keysetPages } from '../platform/exports/index.js';
import { authorize } from '../platform/permissions.js';
import { objectIdField } from '../platform/validation.js';
import { namesOfUsers } from '../users/directory.js';
import { ActivityEntry, AuditEntry, LogMonth } from './model.js';
import { rangeOf } from './paging.js';
import { auditQuery } from './schemas.js';

/**
 * Both logs as downloads (platform/exports): a trainee's activity in a cohort, and the audit log
 * with the page's filters. Read month by month, oldest first, each month's bucket in bounded keyset
 * pages and put in time order before it is written: the file is the log as it happened.
 */

// biome-ignore lint/suspicious/noExplicitAny: both logs' models
type AnyModel = import('mongoose').Model<any>;
type Row = Record<string, unknown> & { _id: string; order: string; at: Date };

async function monthsOf(scope: string, from: Date | null, until: Date | null): Promise<string[]> {
  const rows = await LogMonth.find({ scope }, { month: 1 }).limit(5_000).lean<{ month: string }[]>();
  const first = from ? from.toISOString().slice(0, 7) : null;
  return rows
    .map((row) => row.month)
    .filter((month) => (first === null || month >= first) && (until === null || `${month}-01` < until.toISOString().slice(0, 10)))
    .sort();
}

/** A scope's entries, month by month in time order, with the filter's equalities and time range. */
async function* entriesOf(
  model: AnyModel,
  scope: string,
  bucket: (month: string) => Record<string, string>,
  equalities: Record<string, string>,
  range: { from?: string; to?: string },
): AsyncGenerator<Row> {
  const { from, until } = rangeOf(range);
  for (const month of await monthsOf(scope, from, until)) {
    const rows: Row[] = [];
    for await (const page of keysetPages<Row>(model, { ...bucket(month), ...equalities })) rows.push(...page);
    rows.sort((a, b) => (a.order < b.order ? -1 : 1));
    for (const row of rows) {
      if ((from && row.at < from) || (until && row.at >= until)) continue;
      yield row;
    }
  }
}

async function countOf(
  model: AnyModel,
  scope: string,
  bucket: (month: string) => Record<string, string>,
  equalities: Record<string, string>,
): Promise<number> {
  let total = 0;
  for (const month of await monthsOf(scope, null, null)) {
    total += await model.countDocuments({ ...bucket(month), ...equalities });
  }
  return total;
}

const detailText = (detail: unknown) => (detail && Object.keys(detail).length ? JSON.stringify(detail) : '');

const activityParams = z.object({ cohort: objectIdField, trainee: objectIdField });
const activityBucket = (trainee: string) => (month: string) => ({ traineeMonth: `${trainee}:${month}` });

const auditParams = auditQuery.omit({ before: true });
type AuditParams = z.output<typeof auditParams> & { scopeInstitution?: string | null };

const auditScopeOf = (institution: string | null) =>
  institution
    ? { scope: `audit:${institution}`, bucket: (month: string) => ({ institutionMonth: `${institution}:${month}` }) }
    : { scope: 'audit:*', bucket: (month: string) => ({ month }) };
const auditEqualities = (params: AuditParams) => ({
  ...(params.action ? { action: params.action } : {}),
  ...(params.actor ? { actor: params.actor } : {}),
});

export function registerActivityExports(): void {
  defineExport('activity', {
    params: activityParams,
    title: (t) => t('activity.export.activity'),
    columns: (t) => [
      { key: 'at', header: t('activity.when'), type: 'date' },
      { key: 'trainee', header: t('activity.export.trainee') },
      { key: 'kind', header: t('activity.log.kind') },
      { key: 'subject', header: t('activity.export.subject') },
      { key: 'title', header: t('activity.export.title') },
      { key: 'detail', header: t('activity.log.what') },
    ],
    // As the page: the trainee themself or the cohort's staff, and only someone who was in the cohort.
    authorize: async (actor, params) => {
      const cohort = await findCohort(params.cohort);
      authorize(actor, 'activity.view', { trainee: params.trainee, cohort: cohortRef(cohort) });
      if (!(await enrollmentOf(params.trainee, cohort.id))) throw new NotFoundError();
      return { institution: cohort.institution };
    },
    count: (params) =>
      countOf(ActivityEntry, `activity:${params.trainee}`, activityBucket(params.trainee), { cohort: params.cohort }),
    rows: async function* (params) {
      const name = (await namesOfUsers([params.trainee])).get(params.trainee) ?? '';
      const entries = entriesOf(
        ActivityEntry,
        `activity:${params.trainee}`,
        activityBucket(params.trainee),
        { cohort: params.cohort },
        {},
      );
      for await (const entry of entries) {
        yield {
          at: entry.at,
          trainee: name,
          kind: entry.kind,
          subject: entry.subject,
          title: entry.title,
          detail: detailText(entry.detail),
        };
      }
    },
  });

  defineExport('audit', {
    params: auditParams,
    title: (t) => t('activity.audit.title'),
    columns: (t) => [
      { key: 'at', header: t('activity.when'), type: 'date' },
      { key: 'actorName', header: t('activity.audit.who') },
      { key: 'actor', header: t('activity.export.actorId') },
      { key: 'action', header: t('activity.audit.action') },
      { key: 'subject', header: t('activity.export.subject') },
      { key: 'trainee', header: t('activity.export.trainee') },
      { key: 'cohort', header: t('activity.export.cohort') },
      { key: 'institution', header: t('activity.audit.institution') },
      { key: 'detail', header: t('activity.audit.what') },
    ],
    // As the page: admins every institution or the one chosen, coordinators their own only. The
    // scope decided here is the one the rows are read in (`scopeInstitution`).
    authorize: async (actor, params: AuditParams) => {
      authorize(actor, 'audit.view');
      if (params.institution) authorize(actor, 'audit.view', { institution: params.institution });
      const institution = actor.role === 'admin' ? (params.institution ?? null) : actor.institution;
      if (!institution && actor.role !== 'admin') throw new NotFoundError();
      params.scopeInstitution = institution;
      return { institution };
    },
    // Fails closed: without the scope authorize decided (never set from the query string: the
    // schema drops unknown keys), nothing is counted or read.
    count: async (params: AuditParams) => {
      if (params.scopeInstitution === undefined) return 0;
      const { scope, bucket } = auditScopeOf(params.scopeInstitution);
      return countOf(AuditEntry, scope, bucket, auditEqualities(params));
    },
    rows: async function* (params: AuditParams) {
      if (params.scopeInstitution === undefined) return;
      const { scope, bucket } = auditScopeOf(params.scopeInstitution);
      for await (const entry of entriesOf(AuditEntry, scope, bucket, auditEqualities(params), params)) {
        const subject = entry.subject as { kind: string; id: string; label: string };
        yield {
          at: entry.at,
          actorName: entry.actorName,
          actor: entry.actor,
          action: entry.action,
          subject: `${subject.kind}: ${subject.label || subject.id}`,
          trainee: entry.traineeName,
          cohort: entry.cohortName,
          institution: entry.institution ?? '',
          detail: detailText(entry.detail),
        };
      }
    },
  });
}
