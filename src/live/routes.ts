import type { Request } from 'express';
import type { FeatureContext } from '../app.js';
import { wibParts } from '../assessments/assignments/schemas.js';
import { requireLogin } from '../auth/passport.js';
import { form, showForm } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { feedSessions, feedToken, icsCalendar, resetFeedToken } from './calendar.js';
import { registerLiveReportRoutes } from './reports/routes.js';
import {
  cancelForm,
  cancelQuery,
  generateBody,
  generateResult,
  generateWebForm,
  liveLimits,
  sessionBody,
  sessionForm,
  sessionList,
  sessionUpdateBody,
  sessionView,
} from './schemas.js';
import {
  apiSession,
  cancelSession,
  cohortModules,
  cohortSessions,
  createSession,
  generateSessions,
  type LiveSessionView,
  managedSession,
  scheduledCohort,
  updateSession,
} from './service.js';

const param = (req: Request, name: string) => String(req.params[name]);

/** A stored session as its form's fields (WIB). */
const sessionValues = (session: LiveSessionView) => {
  const start = wibParts(session.startsAt);
  return {
    title: session.title,
    day: start.day,
    time: start.time,
    durationMinutes: String(session.durationMinutes),
    module: session.module,
    meetingUrl: session.meetingUrl,
    revision: String(session.revision),
  };
};

const feedAddress = (req: Request, token: string) => `${req.protocol}://${req.get('host')}/calendar/${token}.ics`;

export function registerLiveRoutes({ web, api }: FeatureContext): void {
  registerLiveReportRoutes({ web, api }); // attendance reports and transcripts (live/reports)
  // --- a cohort's live sessions -------------------------------------------------------------------
  const listLocals = async (req: Request) => {
    const list = await cohortSessions(req.actor!, param(req, 'cohortId'));
    const today = wibParts(new Date()).day;
    return {
      title: req.t('live.title'),
      ...list,
      modules: list.manages ? await cohortModules(list.cohort).catch(() => []) : [],
      limits: liveLimits,
      feed: feedAddress(req, await feedToken(req.actor!)),
      saved: typeof req.query.saved === 'string' ? req.query.saved : null,
      savedCount: Number(req.query.created) || 0,
      values: {
        durationMinutes: '90',
        time: list.cohort.schedule.start || '09:00',
        from: [today, wibParts(list.cohort.startsOn).day].sort()[1], // YYYY-MM-DD: the later of the two
        to: wibParts(list.cohort.endsOn).day,
      },
    };
  };
  web.get('/cohorts/:cohortId/live', requireLogin, showForm('live/list', listLocals));
  web.post('/cohorts/:cohortId/live', requireLogin, form('live/list', listLocals), async (req, res) => {
    await scheduledCohort(req.actor!, param(req, 'cohortId')); // the permission before what is typed
    const input = parseInput(sessionForm, req.body);
    await createSession(req.actor!, param(req, 'cohortId'), input);
    res.redirect(303, `/cohorts/${param(req, 'cohortId')}/live?saved=created`);
  });
  web.post('/cohorts/:cohortId/live/generate', requireLogin, form('live/list', listLocals), async (req, res) => {
    await scheduledCohort(req.actor!, param(req, 'cohortId'));
    const result = await generateSessions(req.actor!, param(req, 'cohortId'), parseInput(generateWebForm, req.body));
    res.redirect(303, `/cohorts/${param(req, 'cohortId')}/live?saved=generated&created=${result.created}`);
  });

  const editLocals = async (req: Request) => {
    const { session, cohort } = await managedSession(req.actor!, param(req, 'id'));
    return {
      title: req.t('live.edit'),
      session,
      cohort,
      modules: await cohortModules(cohort).catch(() => []),
      limits: liveLimits,
      values: sessionValues(session),
    };
  };
  web.get('/live/:id/edit', requireLogin, showForm('live/edit', editLocals));
  web.post('/live/:id', requireLogin, form('live/edit', editLocals), async (req, res) => {
    await managedSession(req.actor!, param(req, 'id')); // the permission before what is typed
    const session = await updateSession(req.actor!, param(req, 'id'), parseInput(sessionForm, req.body));
    res.redirect(303, `/cohorts/${session.cohort}/live?saved=moved`);
  });
  web.post('/live/:id/cancel', requireLogin, async (req, res) => {
    await managedSession(req.actor!, param(req, 'id'));
    const { revision } = parseInput(cancelForm, req.body);
    const session = await cancelSession(req.actor!, param(req, 'id'), revision);
    res.redirect(303, `/cohorts/${session.cohort}/live?saved=cancelled`);
  });

  // --- the personal calendar feed -----------------------------------------------------------------
  web.get('/calendar/:token.ics', async (req, res) => {
    const sessions = await feedSessions(param(req, 'token'));
    const host = req.get('host') ?? 'kompeten';
    res.set('Content-Type', 'text/calendar; charset=utf-8');
    res.set('Cache-Control', 'private, no-store'); // the address is the credential: keep it out of shared caches
    res.send(icsCalendar(sessions, { host, name: 'Kompeten', baseUrl: `${req.protocol}://${host}` }));
  });
  web.post('/calendar/reset', requireLogin, async (req, res) => {
    await resetFeedToken(req.actor!);
    const back = typeof req.body.cohort === 'string' && /^[0-9a-f]{24}$/.test(req.body.cohort) ? req.body.cohort : null;
    res.redirect(303, back ? `/cohorts/${back}/live?saved=feedReset` : '/learning');
  });

  // --- API ------------------------------------------------------------------------------------------
  const tag = 'Live sessions';
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/live-sessions',
      summary: "A cohort's live sessions, to come (and under way) and past: for its staff and its trainees",
      tag,
      access: 'user',
      response: sessionList,
    },
    async ({ actor, params }) => {
      const list = await cohortSessions(actor, String(params.id));
      return { upcoming: list.upcoming.map(apiSession), past: list.past.map(apiSession) };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/live-sessions',
      summary:
        'Schedules a live session (its staff): startsAt ISO 8601 with its offset, ahead and within the cohort’s dates; 15–480 minutes; meetingUrl http(s) or empty',
      tag,
      access: 'user',
      body: sessionBody,
      response: sessionView,
      status: 201,
    },
    async ({ actor, params, body }) => apiSession(await createSession(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/live-sessions/generate',
      summary:
        "Schedules a session at the cohort's weekly slot on each matching day from `from` to `to` (YYYY-MM-DD, WIB); slots that have one already are left as they are",
      tag,
      access: 'user',
      body: generateBody,
      response: generateResult,
    },
    async ({ actor, params, body }) => {
      const result = await generateSessions(actor, String(params.id), body);
      return { ...result, items: result.items.map(apiSession) };
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/live-sessions/{id}',
      summary: 'Moves or changes a session; 409 if it changed since `revision` or was cancelled',
      tag,
      access: 'user',
      body: sessionUpdateBody,
      response: sessionView,
    },
    async ({ actor, params, body }) => apiSession(await updateSession(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/live-sessions/{id}',
      summary: 'Cancels a session (it stays, marked cancelled); 409 if it changed since `?revision`',
      tag,
      access: 'user',
      query: cancelQuery,
      response: sessionView,
    },
    async ({ actor, params, query }) => apiSession(await cancelSession(actor, String(params.id), query.revision)),
  );
}
