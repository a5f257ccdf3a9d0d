import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { cohortRef, findCohort } from '../cohorts/service.js';
import { follow } from '../platform/events.js';
import { exportLinks } from '../platform/exports/index.js';
import { actorOf, authorizeSocket } from '../platform/socket.js';
import { parseInput } from '../platform/validation.js';
import { atRiskTrainees } from './atRisk.js';
import { cohortDashboard, progressBands } from './cohortDashboard.js';
import { registerMonitoringExports } from './exports.js';
import { funnelDashboard, funnelFilter, funnelStages } from './funnel.js';
import { dashboardRooms, summaryFollowers } from './summaries/follow.js';
import { rebuildCohortSummary } from './summaries/rebuild.js';
import { reasonText } from './words.js';

const param = (req: Request, name: string) => String(req.params[name]);
const pageAssets = {
  exportLinks,
  styles: ['/css/charts.css'],
  scripts: ['/js/vendor/socket.io.min.js', '/js/vendor/chart.umd.min.js', '/js/charts.js', '/js/monitoring.js'],
};

const watchInput = z.union([
  z.object({ cohort: z.string().regex(/^[0-9a-f]{24}$/) }),
  z.object({ institution: z.string().regex(/^[0-9a-f]{24}$/) }),
  z.object({ national: z.literal(true) }),
]);

const stageCounts = z.object({
  applied: z.number(),
  enrolled: z.number(),
  active: z.number(),
  completed: z.number(),
  certified: z.number(),
  employed: z.number(),
  withdrawn: z.number(),
});
const ratesOut = {
  enrolled: z.number(),
  completed: z.number(),
  certified: z.number(),
  employed: z.number(),
  completionRate: z.number().nullable().describe('completed per 100 enrolled, one decimal'),
  certificationRate: z.number().nullable().describe('certified per 100 completed'),
  employmentRate: z.number().nullable().describe('working at the latest tracer wave per 100 completed'),
};

/**
 * The monitoring dashboards: a cohort's (its staff), and the funnel across cohorts (an institution's
 * coordinators, admins for provinces and the country). Both read summaries the followers keep up to
 * date (summaries/), and pages watching them are told over Socket.IO when a figure changed.
 */
export function registerDashboardRoutes({ web, api, log, liveConnections }: FeatureContext): void {
  follow('monitoring', summaryFollowers(liveConnections), log);
  registerMonitoringExports();

  // A page asks to be told when its figures change; it joins only a room it may read.
  liveConnections.event('monitoring:watch', watchInput, async (input, socket) => {
    const actor = actorOf(socket);
    if ('cohort' in input) {
      authorizeSocket(socket, 'monitoring.cohort', cohortRef(await findCohort(input.cohort)));
      await socket.join(dashboardRooms.cohort(input.cohort));
    } else if ('institution' in input) {
      authorizeSocket(socket, 'monitoring.institution', { institution: input.institution });
      await socket.join(dashboardRooms.institution(input.institution));
    } else {
      authorizeSocket(socket, 'monitoring.institution', { institution: actor.role === 'admin' ? null : '' });
      await socket.join(dashboardRooms.national);
    }
    return {};
  });

  web.get('/cohorts/:id/dashboard', requireLogin, async (req, res) => {
    const dashboard = await cohortDashboard(req.actor!, param(req, 'id'));
    // The trainees at risk, from the same summary: names and reasons here, messages on their page.
    const risk = await atRiskTrainees(req.actor!, param(req, 'id'));
    res.render('monitoring/cohortDashboard', {
      title: req.t('monitoring.dashboard.title', { cohort: dashboard.cohort.name }),
      ...dashboard,
      atRisk: risk.atRisk.map((trainee) => ({ ...trainee, reasons: trainee.reasons.map((reason) => reasonText(req.t, reason)) })),
      progressBands,
      rebuilt: req.query.rebuilt === '1',
      ...pageAssets,
    });
  });

  web.post('/cohorts/:id/dashboard/rebuild', requireLogin, async (req, res) => {
    // Whoever reads the dashboard may have it worked out again from the records.
    await cohortDashboard(req.actor!, param(req, 'id'));
    await rebuildCohortSummary(param(req, 'id'));
    res.redirect(303, `/cohorts/${param(req, 'id')}/dashboard?rebuilt=1`);
  });

  web.get('/monitoring', requireLogin, async (req, res) => {
    const filter = parseInput(funnelFilter, req.query);
    const dashboard = await funnelDashboard(req.actor!, filter);
    res.render('monitoring/funnel', {
      title: req.t('monitoring.funnel.title'),
      ...dashboard,
      funnelStages,
      viewerRole: req.actor!.role,
      ...pageAssets,
    });
  });

  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/dashboard',
      summary:
        "A cohort's monitoring figures: per trainee lessons, unit verdicts, assessment results, attendance and last activity; lesson progress distribution; each assessment's and class's results; the cohort's staff",
      tag: 'Monitoring',
      access: 'user',
      response: z.object({
        cohort: z.object({ id: z.string(), name: z.string() }),
        counts: stageCounts,
        units: z.array(z.object({ code: z.string(), competent: z.number(), notYet: z.number() })),
        trainees: z.array(
          z.object({
            trainee: z.string(),
            enrollment: z.string(),
            name: z.string(),
            status: z.string(),
            lessonsDone: z.number(),
            lessonsTotal: z.number(),
            percent: z.number(),
            lastActivityAt: z.string().nullable(),
            verdicts: z.record(z.string(), z.enum(['K', 'BK']).nullable()).describe('unit code → verdict, null while none'),
            passed: z.number(),
            failed: z.number(),
            attendedMinutes: z.number(),
            attendancePercent: z.number().nullable(),
          }),
        ),
        distribution: z.array(z.object({ low: z.number(), high: z.number(), trainees: z.number() })),
        assessments: z.array(
          z.object({
            key: z.string(),
            kind: z.enum(['quiz', 'assignment']),
            title: z.string(),
            graded: z.number(),
            passed: z.number(),
            failed: z.number(),
            averagePercent: z.number().nullable(),
          }),
        ),
        classes: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            at: z.string(),
            heldMinutes: z.number(),
            present: z.number(),
            averageMinutes: z.number(),
          }),
        ),
      }),
    },
    async ({ actor, params }) => {
      const dashboard = await cohortDashboard(actor, String(params.id));
      return {
        cohort: { id: dashboard.cohort.id, name: dashboard.cohort.name },
        counts: dashboard.counts,
        units: dashboard.units.map((unit) => ({ code: unit.code, competent: unit.competent, notYet: unit.notYet })),
        trainees: dashboard.trainees.map((row) => ({
          trainee: row.trainee,
          enrollment: row.enrollment,
          name: row.name,
          status: row.status,
          lessonsDone: row.done,
          lessonsTotal: row.total,
          percent: row.percent,
          lastActivityAt: row.lastActivityAt?.toISOString() ?? null,
          verdicts: Object.fromEntries(dashboard.units.map((unit, index) => [unit.code, row.verdicts[index] ?? null])),
          passed: row.passed,
          failed: row.failed,
          attendedMinutes: row.attendedMinutes,
          attendancePercent: row.attendancePercent,
        })),
        distribution: dashboard.distribution,
        assessments: dashboard.assessments.map(({ key, kind, title, graded, passed, failed, averagePercent }) => ({
          key,
          kind,
          title,
          graded,
          passed,
          failed,
          averagePercent,
        })),
        classes: dashboard.classes.map((row) => ({ ...row, at: row.at.toISOString() })),
      };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/monitoring/funnel',
      summary:
        'The funnel from counselling to employment for cohorts starting in the months given, with rates by sector and by cohort and the monthly trend; coordinators see their institution, admins any institution, province or the country',
      tag: 'Monitoring',
      access: 'user',
      query: funnelFilter,
      response: z.object({
        funnel: z.array(
          z.object({
            stage: z.enum(funnelStages),
            count: z.number(),
            base: z.enum(funnelStages).nullable().describe('the stage this one is a share of'),
            ofPrevious: z.number().nullable().describe('count per 100 of the base stage'),
          }),
        ),
        bySector: z.array(z.object({ sector: z.string(), cohorts: z.number(), ...ratesOut })),
        byCohort: z.array(
          z.object({ cohort: z.string(), name: z.string(), institutionName: z.string(), month: z.string(), ...ratesOut }),
        ),
        cohortCount: z.number(),
        trend: z.array(
          z.object({
            month: z.string(),
            counselled: z.number(),
            enrolled: z.number(),
            active: z.number(),
            completed: z.number(),
            certified: z.number(),
            employed: z.number(),
          }),
        ),
      }),
    },
    async ({ actor, query }) => {
      const dashboard = await funnelDashboard(actor, query);
      return {
        funnel: dashboard.funnel,
        bySector: dashboard.bySector.map(({ name: _name, ...row }) => row),
        byCohort: dashboard.byCohort.map(({ programTitle: _program, ...row }) => row),
        cohortCount: dashboard.cohortCount,
        trend: dashboard.trend,
      };
    },
  );
}
