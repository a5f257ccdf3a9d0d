import { type CohortView, cohortRef, findCohort } from '../cohorts/service.js';
import { enrollmentOf } from '../enrolment/service.js';
import { NotFoundError } from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { namesOfUsers } from '../users/directory.js';
import {
  ActivityEntry,
  type ActivityEntryDoc,
  type ActivityKind,
  type AuditAction,
  AuditEntry,
  type AuditEntryDoc,
} from './model.js';
import { type LogPage, logPage, type Range } from './paging.js';

export type ActivityView = {
  id: string;
  kind: ActivityKind;
  subject: string;
  title: string;
  cohort: string;
  detail: Record<string, unknown>;
  at: Date;
};
export type AuditView = {
  id: string;
  action: AuditAction;
  actor: string;
  actorKind: 'user' | 'lsp';
  actorName: string;
  subject: { kind: string; id: string; label: string };
  trainee: string | null;
  traineeName: string;
  cohort: string | null;
  cohortName: string;
  institution: string | null;
  detail: Record<string, unknown>;
  at: Date;
};

const toActivityView = (entry: ActivityEntryDoc): ActivityView => ({
  id: entry._id,
  kind: entry.kind,
  subject: entry.subject ?? '',
  title: entry.title ?? '',
  cohort: entry.cohort,
  detail: (entry.detail ?? {}) as Record<string, unknown>,
  at: entry.at,
});

const toAuditView = (entry: AuditEntryDoc): AuditView => ({
  id: entry._id,
  action: entry.action,
  actor: entry.actor,
  actorKind: (entry.actorKind ?? 'user') as 'user' | 'lsp',
  actorName: entry.actorName ?? '',
  subject: { kind: entry.subject?.kind ?? '', id: entry.subject?.id ?? '', label: entry.subject?.label ?? '' },
  trainee: entry.trainee ?? null,
  traineeName: entry.traineeName ?? '',
  cohort: entry.cohort ?? null,
  cohortName: entry.cohortName ?? '',
  institution: entry.institution ?? null,
  detail: (entry.detail ?? {}) as Record<string, unknown>,
  at: entry.at,
});

export type ActivityQuery = Range & { kind?: ActivityKind };
export type AuditQuery = Range & { action?: AuditAction; actor?: string; institution?: string };

function activityPage(trainee: string, query: ActivityQuery, equalities: Record<string, string>) {
  return logPage<ActivityEntryDoc>({
    model: ActivityEntry,
    scope: `activity:${trainee}`,
    bucketField: 'traineeMonth',
    bucketOf: (month) => `${trainee}:${month}`,
    equalities: { ...equalities, ...(query.kind ? { kind: query.kind } : {}) },
    range: query,
  });
}

const mapPage = <A, B>(page: LogPage<A>, map: (entry: A) => B): LogPage<B> => ({
  entries: page.entries.map(map),
  older: page.older,
});

export type TraineeActivity = { cohort: CohortView; trainee: { id: string; name: string }; page: LogPage<ActivityView> };

/**
 * A trainee's activity in one cohort: for the trainee, and for the cohort's staff. Only the
 * cohort's entries, so the staff of one institution never see what the trainee did in another's
 * cohort. Someone who never had an enrolment in the cohort has no log here (404).
 */
export async function traineeActivity(
  actor: Actor | null,
  cohortId: string,
  traineeId: string,
  query: ActivityQuery,
): Promise<TraineeActivity> {
  const cohort = await findCohort(cohortId);
  authorize(actor, 'activity.view', { trainee: traineeId, cohort: cohortRef(cohort) });
  if (!(await enrollmentOf(traineeId, cohort.id))) throw new NotFoundError();
  const [page, names] = await Promise.all([activityPage(traineeId, query, { cohort: cohort.id }), namesOfUsers([traineeId])]);
  return { cohort, trainee: { id: traineeId, name: names.get(traineeId) ?? '' }, page: mapPage(page, toActivityView) };
}

/** The logged-in trainee's own activity, every cohort's, with the names of the cohorts it names. */
export async function myActivity(
  actor: Actor | null,
  query: ActivityQuery,
): Promise<{ page: LogPage<ActivityView>; cohortNames: Map<string, string> }> {
  authorize(actor, 'activity.viewOwn');
  const page = mapPage(await activityPage(actor.id, query, {}), toActivityView);
  return { page, cohortNames: await cohortNamesOf(page.entries.map((entry) => entry.cohort)) };
}

/** Names of the (few) cohorts a page names; a cohort removed since is left out. */
async function cohortNamesOf(ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    const cohort = await findCohort(id).catch(() => null);
    if (cohort) names.set(id, cohort.name);
  }
  return names;
}

export type AuditLog = { institution: string | null; page: LogPage<AuditView> };

/**
 * The audit log, newest first: an admin's of every institution (or of the one chosen), a
 * coordinator's of their own institution only; asking for another institution's is refused.
 */
export async function auditLog(actor: Actor | null, query: AuditQuery): Promise<AuditLog> {
  authorize(actor, 'audit.view');
  if (query.institution) authorize(actor, 'audit.view', { institution: query.institution });
  const institution = actor.role === 'admin' ? (query.institution ?? null) : actor.institution;
  // A coordinator without an institution has no entries (and never the nationwide list).
  if (actor.role !== 'admin' && !institution) return { institution: null, page: { entries: [], older: null } };
  const equalities = {
    ...(query.action ? { action: query.action } : {}),
    ...(query.actor ? { actor: query.actor } : {}),
  };
  const page = await logPage<AuditEntryDoc>({
    model: AuditEntry,
    ...(institution
      ? { scope: `audit:${institution}`, bucketField: 'institutionMonth', bucketOf: (month: string) => `${institution}:${month}` }
      : { scope: 'audit:*', bucketField: 'month', bucketOf: (month: string) => month }),
    equalities,
    range: query,
  });
  return { institution, page: mapPage(page, toAuditView) };
}
