import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { listInstitutions } from '../institutions/service.js';
import { exportLinks } from '../platform/exports/index.js';
import { parseInput } from '../platform/validation.js';
import { namesOfUsers } from '../users/directory.js';
import { registerActivityExports } from './exports.js';
import { followActivity } from './follow.js';
import { activityKinds, auditActions } from './model.js';
import { activityEntryOut, activityQuery, auditEntryOut, auditQuery } from './schemas.js';
import { type ActivityView, type AuditView, auditLog, myActivity, traineeActivity } from './service.js';
import { activityText, auditText } from './words.js';

const param = (req: Request, name: string) => String(req.params[name]);

/** A page's address with the filters given (blank ones left out). */
export function pageLink(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams(Object.entries(query).filter((pair): pair is [string, string] => Boolean(pair[1])));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

const activityOut = (req: Request, entry: ActivityView, cohortName = '') => ({
  id: entry.id,
  kind: entry.kind,
  subject: entry.subject,
  title: entry.title,
  cohort: entry.cohort,
  detail: entry.detail,
  text: activityText(req.t, req.language, entry, cohortName),
  at: entry.at.toISOString(),
});

const auditOut = (req: Request, entry: AuditView) => ({
  id: entry.id,
  action: entry.action,
  actor: { id: entry.actor, kind: entry.actorKind, name: entry.actorName },
  subject: entry.subject,
  trainee: entry.trainee ? { id: entry.trainee, name: entry.traineeName } : null,
  cohort: entry.cohort ? { id: entry.cohort, name: entry.cohortName } : null,
  institution: entry.institution,
  detail: entry.detail,
  text: auditText(req.t, req.language, entry),
  at: entry.at.toISOString(),
});

export function registerActivityRoutes({ web, api, log }: FeatureContext): void {
  // The logs follow the domain events from the start (platform/events.ts).
  followActivity(log);
  registerActivityExports();

  /** The activity page, for a trainee in a cohort (staff or the trainee) and for the trainee's own log. */
  const renderActivity = (
    res: Response,
    locals: {
      title: string;
      path: string;
      cohort: { id: string; name: string } | null;
      entries: { at: Date; kind: string; text: string }[];
      older: string | null;
      query: z.output<typeof activityQuery>;
      /** The download links (exportLinks) where the page offers them. */
      downloads?: ReturnType<typeof exportLinks>;
    },
  ) => {
    const filters = { kind: locals.query.kind, from: locals.query.from, to: locals.query.to };
    res.render('activity/log', {
      ...locals,
      ...locals.downloads,
      kinds: activityKinds,
      values: filters,
      olderLink: locals.older ? pageLink(locals.path, { ...filters, before: locals.older }) : null,
      newestLink: locals.query.before ? pageLink(locals.path, filters) : null,
    });
  };

  web.get('/cohorts/:id/trainees/:traineeId/activity', requireLogin, async (req, res) => {
    const query = parseInput(activityQuery, req.query);
    const found = await traineeActivity(req.actor!, param(req, 'id'), param(req, 'traineeId'), query);
    renderActivity(res, {
      title: req.t('activity.log.title', { name: found.trainee.name }),
      path: `/cohorts/${found.cohort.id}/trainees/${found.trainee.id}/activity`,
      cohort: { id: found.cohort.id, name: found.cohort.name },
      entries: found.page.entries.map((entry) => ({
        ...entry,
        text: activityText(req.t, req.language, entry, found.cohort.name),
      })),
      older: found.page.older,
      query,
      downloads: exportLinks('activity', { cohort: found.cohort.id, trainee: found.trainee.id }),
    });
  });

  web.get('/me/activity', requirePermission('activity.viewOwn'), async (req, res) => {
    const query = parseInput(activityQuery, req.query);
    const { page, cohortNames } = await myActivity(req.actor!, query);
    renderActivity(res, {
      title: req.t('activity.log.ownTitle'),
      path: '/me/activity',
      cohort: null,
      entries: page.entries.map((entry) => {
        const cohortName = cohortNames.get(entry.cohort) ?? '';
        return { ...entry, cohortName, text: activityText(req.t, req.language, entry, cohortName) };
      }),
      older: page.older,
      query,
    });
  });

  web.get('/audit', requirePermission('audit.view'), async (req, res) => {
    const query = parseInput(auditQuery, req.query);
    const { institution, page } = await auditLog(req.actor!, query);
    const isAdmin = req.actor!.role === 'admin';
    const institutions = isAdmin ? await listInstitutions(req.actor!) : [];
    const filters = {
      action: query.action,
      actor: query.actor,
      institution: isAdmin ? query.institution : undefined,
      from: query.from,
      to: query.to,
    };
    // The filtered actor's name: from the entries shown, else the users' directory (a page may show none).
    const actorName = query.actor
      ? (page.entries.find((entry) => entry.actor === query.actor)?.actorName ??
        (await namesOfUsers([query.actor])).get(query.actor) ??
        query.actor)
      : null;
    res.render('activity/audit', {
      title: req.t('activity.audit.title'),
      entries: page.entries.map((entry) => ({ ...entry, text: auditText(req.t, req.language, entry) })),
      actions: auditActions,
      institutions,
      institutionNames: new Map(institutions.map((each) => [each.id, each.name])),
      institution,
      isAdmin,
      values: filters,
      actorName,
      actorLink: (actor: string) => pageLink('/audit', { ...filters, actor }),
      withoutActorLink: pageLink('/audit', { ...filters, actor: undefined }),
      olderLink: page.older ? pageLink('/audit', { ...filters, before: page.older }) : null,
      newestLink: query.before ? pageLink('/audit', filters) : null,
      ...exportLinks('audit', filters),
    });
  });

  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/trainees/{traineeId}/activity',
      summary:
        "A trainee's activity log in the cohort (lessons opened and done, submissions, grades, verdicts, live classes attended, enrolment, completion, certification, employment), newest first, 50 a page; the trainee and the cohort's staff",
      tag: 'Activity',
      access: 'user',
      query: activityQuery,
      response: z.object({
        cohort: z.object({ id: z.string(), name: z.string() }),
        trainee: z.object({ id: z.string(), name: z.string() }),
        entries: z.array(activityEntryOut),
        older: z.string().nullable().describe('pass as `before` for the next (older) page; null at the end'),
      }),
    },
    async ({ actor, params, query, req }) => {
      const found = await traineeActivity(actor, String(params.id), String(params.traineeId), query);
      return {
        cohort: { id: found.cohort.id, name: found.cohort.name },
        trainee: found.trainee,
        entries: found.page.entries.map((entry) => activityOut(req, entry, found.cohort.name)),
        older: found.page.older,
      };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/audit',
      summary:
        'The audit log (grades, verdicts, completion approvals and revocations, enrolment decisions, certification results, exports: who, when, what), newest first, 50 a page; admins every institution, coordinators their own. Entries cannot be changed or removed.',
      tag: 'Activity',
      access: 'user',
      permission: 'audit.view',
      query: auditQuery,
      response: z.object({
        institution: z.string().nullable().describe('the institution listed; null: every institution (admins)'),
        entries: z.array(auditEntryOut),
        older: z.string().nullable().describe('pass as `before` for the next (older) page; null at the end'),
      }),
    },
    async ({ actor, query, req }) => {
      const { institution, page } = await auditLog(actor, query);
      return { institution, entries: page.entries.map((entry) => auditOut(req, entry)), older: page.older };
    },
  );
}
