import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { cohortPage } from '../cohorts/routes.js';
import { acceptsApplications, findCohort } from '../cohorts/service.js';
import { hasIntake } from '../counselling/service.js';
import { lessonIds } from '../learning/progress.js';
import { cohortSnapshot } from '../learning/service.js';
import { ValidationError } from '../platform/errors.js';
import { form } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { traineeIdByEmail } from '../users/directory.js';
import { decisionActions } from './model.js';
import { addTraineeSchema, reasonSchema, undoSchema } from './schemas.js';
import {
  applyOnBehalf,
  applyToCohort,
  approveEnrollment,
  cohortOfEnrollment,
  decisionPreview,
  type EnrollmentView,
  enrollmentOf,
  rejectEnrollment,
  undoDecision,
  withdrawEnrollment,
} from './service.js';

const id = (req: Request) => String(req.params.id);
/** An enrolment's id is its natural key "<cohort>:<trainee>", not an ObjectId: so not `:id` (platform/http/params.ts). */
const enrollmentKey = (req: Request) => String(req.params.enrollment);

/** The cohort page of the enrolment a form acted on: where its errors are shown. */
async function enrollmentCohortPage(req: Request) {
  return cohortPage(req, await cohortOfEnrollment(enrollmentKey(req)));
}

const enrollmentOut = z.object({
  id: z.string(),
  cohort: z.string(),
  trainee: z.string(),
  status: z.enum(['applied', 'waitlisted', 'enrolled', 'completed', 'withdrawn', 'rejected']),
  source: z.string(),
  appliedAt: z.string(),
});
const toApi = (enrollment: EnrollmentView) => ({
  id: enrollment.id,
  cohort: enrollment.cohort,
  trainee: enrollment.trainee,
  status: enrollment.status,
  source: enrollment.source,
  appliedAt: enrollment.appliedAt.toISOString(),
});

export function registerEnrolmentRoutes({ web, api }: FeatureContext): void {
  // --- trainees apply ----------------------------------------------------------------------------
  const applyLocals = async (req: Request) => {
    const cohort = await findCohort(id(req));
    const [enrollment, intake] = await Promise.all([enrollmentOf(req.actor!.id, cohort.id), hasIntake(req.actor!.id)]);
    return {
      title: req.t('enrolment.apply.title'),
      cohort,
      enrollment,
      hasIntake: intake,
      open: acceptsApplications(cohort),
    };
  };
  web.get('/cohorts/:id/apply', requirePermission('enrolment.apply'), async (req, res) => {
    res.render('learning/apply', await applyLocals(req));
  });
  web.post('/cohorts/:id/apply', requirePermission('enrolment.apply'), form('learning/apply', applyLocals), async (req, res) => {
    const enrollment = await applyToCohort(req.actor!, id(req));
    res.redirect(303, `/learning?saved=${enrollment.status}`);
  });

  // --- staff decide --------------------------------------------------------------------------------
  web.post(
    '/cohorts/:id/enrolments',
    requireLogin,
    form('cohorts/show', (req) => cohortPage(req, id(req))),
    async (req, res) => {
      const { email } = parseInput(addTraineeSchema, req.body);
      const trainee = await traineeIdByEmail(email);
      if (!trainee) throw new ValidationError([{ field: 'email', key: 'enrolment.errors.noSuchTrainee' }]);
      const enrollment = await applyOnBehalf(req.actor!, id(req), trainee, { source: 'staff', enrolNow: true });
      res.redirect(303, `/cohorts/${id(req)}?saved=${enrollment.status}`);
    },
  );
  const decisions = {
    approve: (req: Request) => approveEnrollment(req.actor!, enrollmentKey(req)),
    reject: (req: Request) => rejectEnrollment(req.actor!, enrollmentKey(req), parseInput(reasonSchema, req.body).reason),
    withdraw: (req: Request) => withdrawEnrollment(req.actor!, enrollmentKey(req), parseInput(reasonSchema, req.body).reason),
  };
  for (const [action, decide] of Object.entries(decisions)) {
    web.post(`/enrolments/:enrollment/${action}`, requireLogin, form('cohorts/show', enrollmentCohortPage), async (req, res) => {
      const enrollment = await decide(req);
      // A trainee withdrawing themself goes back to their learning; staff to the cohort.
      if (enrollment.trainee === req.actor!.id) return res.redirect(303, '/learning?saved=withdrawn');
      if (action === 'approve') return res.redirect(303, `/cohorts/${enrollment.cohort}?saved=${enrollment.status}`);
      // The page the decision was made on names who and what, with an Undo button (decisionNotice).
      const onRoster = enrollment.enrolledAt !== null;
      res.redirect(303, `/cohorts/${enrollment.cohort}${onRoster ? '/roster' : ''}?changed=${enrollment.id}`);
    });
  }

  // --- confirming a decision, and undoing it ---------------------------------------------------------
  // A consequential decision is asked first on a page of its own (no script needed) that says what
  // it will do; the buttons on the cohort page and the roster lead here.
  // Completing is approved on the completion feature's own page (src/completion/routes.ts), same address.
  for (const action of decisionActions.filter((action) => action !== 'complete')) {
    web.get(`/enrolments/:enrollment/${action}`, requireLogin, async (req, res) => {
      const preview = await decisionPreview(req.actor!, enrollmentKey(req), action);
      const studying = preview.enrollment.status === 'enrolled';
      const known = studying ? new Set(lessonIds(await cohortSnapshot(preview.cohort))) : new Set<string>();
      const done = preview.completedLessons.filter((lesson) => known.has(lesson)).length;
      const back = preview.self
        ? '/learning'
        : `/cohorts/${preview.cohort.id}${studying || preview.enrollment.status === 'completed' ? '/roster' : ''}`;
      res.render('enrolment/confirm', {
        title: req.t(`enrolment.confirm.${action}.title`, { name: preview.name }),
        action,
        ...preview,
        progress: studying ? { done, total: known.size, left: known.size - done } : null,
        back,
        values: {},
        errors: {},
      });
    });
  }
  web.post('/enrolments/:enrollment/undo', requireLogin, form('cohorts/show', enrollmentCohortPage), async (req, res) => {
    const { change } = parseInput(undoSchema, req.body);
    const { enrollment, action } = await undoDecision(req.actor!, enrollmentKey(req), change);
    const onRoster = action === 'complete' || enrollment.status === 'enrolled';
    res.redirect(303, `/cohorts/${enrollment.cohort}${onRoster ? '/roster' : ''}?undone=${enrollment.id}`);
  });

  // --- API ---------------------------------------------------------------------------------------
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/applications',
      summary: 'Apply to a cohort that takes applications (trainees with an intake); applying twice returns the same application',
      tag: 'Enrolment',
      access: 'user',
      permission: 'enrolment.apply',
      response: enrollmentOut,
      status: 201,
    },
    async ({ actor, params }) => toApi(await applyToCohort(actor, String(params.id))),
  );
  const summaries: Record<keyof typeof decisions, string> = {
    approve: 'Approve an application: a place if one is free, else the waiting list',
    reject: 'Refuse an application',
    withdraw: 'Withdraw (the trainee, or staff); the place goes to the first on the waiting list',
  };
  for (const action of Object.keys(decisions) as (keyof typeof decisions)[]) {
    api.endpoint(
      {
        method: 'post',
        path: `/enrolments/{enrollment}/${action}`,
        summary: summaries[action],
        tag: 'Enrolment',
        access: 'user',
        body: action === 'reject' || action === 'withdraw' ? reasonSchema : undefined,
        response: enrollmentOut,
      },
      async ({ req }) => toApi(await decisions[action](req)),
    );
  }
}
