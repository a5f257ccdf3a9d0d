import type { Request } from 'express';
import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { exportLinks } from '../platform/exports/index.js';
import { atRiskTrainees, type CohortRisk, inactiveAfterDays, scheduleTolerancePoints } from './atRisk.js';
import { registerDashboardRoutes } from './dashboardRoutes.js';
import { traineeView } from './words.js';

const param = (req: Request, name: string) => String(req.params[name]);

const pageOf = (t: TFunction, risk: CohortRisk) => ({
  cohort: risk.cohort,
  elapsedPercent: risk.elapsedPercent,
  atRisk: risk.atRisk.map((trainee) => traineeView(t, risk, trainee)),
  onTrack: risk.onTrack.map((trainee) => traineeView(t, risk, trainee)),
});

const reasonOut = z.object({
  rule: z.enum(['inactive', 'behind', 'failed', 'attendance']),
  text: z.string().describe("the reason in the request's language"),
  days: z.number().optional().describe('inactive: whole days without lesson activity'),
  done: z.number().optional().describe('behind: lessons done'),
  total: z.number().optional().describe("behind: lessons of the cohort's program version"),
  elapsedPercent: z.number().optional().describe("behind: share of the cohort's run elapsed"),
  units: z.array(z.string()).optional().describe('failed: codes of units with a BK verdict'),
  quizzes: z
    .array(z.object({ title: z.string(), percent: z.number().nullable() }))
    .optional()
    .describe('failed: quizzes whose result that counts did not pass'),
  percent: z.number().optional().describe('attendance: whole percent of live-class minutes attended'),
  minimum: z.number().optional().describe("attendance: the version's completion threshold"),
});
const traineeOut = z.object({
  enrollment: z.string(),
  trainee: z.string(),
  name: z.string(),
  lastActivityAt: z.string().nullable(),
  lessonsDone: z.number(),
  lessonsTotal: z.number(),
  reasons: z.array(reasonOut),
  message: z.string(),
  whatsApp: z.string().nullable(),
  mailto: z.string().nullable(),
});

export function registerMonitoringRoutes(features: FeatureContext): void {
  const { web, api } = features;
  registerDashboardRoutes(features);
  web.get('/cohorts/:id/at-risk', requireLogin, async (req, res) => {
    const risk = await atRiskTrainees(req.actor!, param(req, 'id'));
    res.render('monitoring/atRisk', {
      title: req.t('monitoring.atRisk.title', { cohort: risk.cohort.name }),
      ...pageOf(req.t, risk),
      inactiveAfterDays,
      scheduleTolerancePoints,
      ...exportLinks('cohort-at-risk', { cohort: risk.cohort.id }, risk.atRisk.length),
    });
  });

  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/at-risk',
      summary: `The cohort's studying trainees at risk, each with the reasons (no lesson activity for ${inactiveAfterDays} days, behind the schedule by more than ${scheduleTolerancePoints} points, a BK verdict or failed quiz, attendance below the completion threshold) and message links; the cohort's staff`,
      tag: 'Monitoring',
      access: 'user',
      response: z.object({
        cohort: z.object({ id: z.string(), name: z.string() }),
        elapsedPercent: z.number().nullable(),
        inactiveAfterDays: z.number(),
        atRisk: z.array(traineeOut),
        onTrack: z.number().describe('studying trainees with no reason'),
      }),
    },
    async ({ actor, params, req }) => {
      const page = pageOf(req.t, await atRiskTrainees(actor, String(params.id)));
      return {
        cohort: { id: page.cohort.id, name: page.cohort.name },
        elapsedPercent: page.elapsedPercent,
        inactiveAfterDays,
        atRisk: page.atRisk.map((trainee) => ({
          enrollment: trainee.enrollment,
          trainee: trainee.trainee,
          name: trainee.name,
          lastActivityAt: trainee.lastActivityAt?.toISOString() ?? null,
          lessonsDone: trainee.lessonsDone,
          lessonsTotal: trainee.lessonsTotal,
          reasons: trainee.reasons,
          message: trainee.message,
          whatsApp: trainee.whatsApp,
          mailto: trainee.mailto,
        })),
        onTrack: page.onTrack.length,
      };
    },
  );
}
