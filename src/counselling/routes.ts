import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { listSectors } from '../institutions/service.js';
import { NotFoundError } from '../platform/errors.js';
import { form, showForm } from '../platform/http/forms.js';
import { objectIdField, parseInput } from '../platform/validation.js';
import { counsellingOutcomes, educationLevels, schedulePreferences, trainingOutcomes } from './model.js';
import { enrollmentSummary, intakeSchema, ownIntakeView, queuePage, queueQuery, sessionSchema, sessionView } from './schemas.js';
import {
  applicantRecord,
  counsellingQueue,
  finishSession,
  intakeInstitutions,
  ownIntake,
  recentSessions,
  recordedSession,
  recordSession,
  saveIntake,
} from './service.js';

/** The cohort an Apply button sent the trainee from; anything else is ignored (no open redirect). */
const cohortFrom = (value: unknown): string | null => (objectIdField.safeParse(value).success ? String(value) : null);
const applicantId = (req: Request) => String(req.params.applicantId);

export function registerCounsellingRoutes({ web, api, highlights }: FeatureContext): void {
  highlights.add('trainees', 'counselling.highlight.trainees');
  highlights.add('coordinators', 'counselling.highlight.coordinators');
  // --- the applicant's intake ---------------------------------------------------------------------
  const intakeLocals = async (req: Request) => {
    const [intake, institutions, sectors] = await Promise.all([ownIntake(req.actor!), intakeInstitutions(), listSectors()]);
    return {
      title: req.t('counselling.intake.title'),
      intake,
      institutions,
      sectors,
      educationLevels,
      schedulePreferences,
      cohort: cohortFrom(req.query.cohort ?? req.body?.cohort),
      saved: req.query.saved === '1',
    };
  };
  web.get(
    '/intake',
    requirePermission('intake.fill'),
    showForm('counselling/intake', async (req) => {
      const locals = await intakeLocals(req);
      return { ...locals, values: locals.intake ?? {} };
    }),
  );
  web.post('/intake', requirePermission('intake.fill'), form('counselling/intake', intakeLocals), async (req, res) => {
    await saveIntake(req.actor!, parseInput(intakeSchema, req.body));
    const cohort = cohortFrom(req.body.cohort);
    res.redirect(303, cohort ? `/cohorts/${cohort}/apply` : '/intake?saved=1');
  });

  // --- the counsellor's queue and sessions --------------------------------------------------------
  web.get('/counselling', requirePermission('counselling.record'), async (req, res) => {
    const query = parseInput(queueQuery, req.query);
    const [queue, recent, recorded, sectors] = await Promise.all([
      counsellingQueue(req.actor!, query),
      recentSessions(req.actor!),
      recordedSession(req.actor!, req.query.recorded),
      listSectors(),
    ]);
    res.render('counselling/queue', { title: req.t('counselling.queue.title'), queue, recent, recorded, sectors });
  });

  const recordLocals = async (req: Request) => {
    const record = await applicantRecord(req.actor!, applicantId(req));
    return {
      title: record.person.name,
      ...record,
      sectors: await listSectors(),
      outcomes: counsellingOutcomes,
      trainingOutcomes,
    };
  };
  web.get(
    '/counselling/:applicantId',
    requirePermission('counselling.record'),
    showForm('counselling/applicant', async (req) => ({ ...(await recordLocals(req)), values: { requestId: randomUUID() } })),
  );
  web.post(
    '/counselling/:applicantId/sessions',
    requirePermission('counselling.record'),
    form('counselling/applicant', recordLocals),
    async (req, res) => {
      const { session } = await recordSession(req.actor!, applicantId(req), parseInput(sessionSchema, req.body));
      res.redirect(303, `/counselling?recorded=${session.id}`);
    },
  );
  web.post('/counselling/sessions/:id/finish', requirePermission('counselling.record'), async (req, res) => {
    const { session } = await finishSession(req.actor!, String(req.params.id));
    res.redirect(303, `/counselling?recorded=${session.id}`);
  });

  // --- JSON API -------------------------------------------------------------------------------------
  api.endpoint(
    {
      method: 'get',
      path: '/intake',
      summary: "The caller's own intake and counselling history (trainees); 404 before it is filled in",
      tag: 'Counselling',
      access: 'user',
      permission: 'intake.fill',
      response: ownIntakeView,
    },
    async ({ actor }) => {
      const intake = await ownIntake(actor);
      if (!intake) throw new NotFoundError();
      return intake;
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/intake',
      summary: "Fill in or update the caller's intake for career counselling (trainees)",
      tag: 'Counselling',
      access: 'user',
      permission: 'intake.fill',
      body: intakeSchema,
      response: ownIntakeView,
    },
    async ({ actor, body }) => saveIntake(actor, body),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/counselling/queue',
      summary: "Applicants waiting for counselling at the caller's institution (admins: all), oldest first",
      tag: 'Counselling',
      access: 'user',
      permission: 'counselling.record',
      query: queueQuery,
      response: queuePage,
    },
    async ({ actor, query }) => counsellingQueue(actor, query),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/counselling/{id}/sessions',
      summary:
        'Record a counselling session for the applicant {id}; training and entrepreneurship open an application to the recommended cohort. The same requestId twice records one session.',
      tag: 'Counselling',
      access: 'user',
      permission: 'counselling.record',
      body: sessionSchema,
      response: z.object({ session: sessionView, enrollment: enrollmentSummary.optional() }),
      status: 201,
    },
    async ({ actor, params, body }) => {
      const { session, enrollment } = await recordSession(actor, String(params.id), body);
      // The summary the document declares, not every field of the enrolment.
      return enrollment ? { session, enrollment: enrollmentSummary.parse(enrollment) } : { session };
    },
  );
}
