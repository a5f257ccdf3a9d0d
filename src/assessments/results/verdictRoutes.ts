import type { Request } from 'express';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { form } from '../../platform/http/forms.js';
import { parseInput } from '../../platform/validation.js';
import {
  apiUnitResult,
  reassessmentBody,
  reassessmentForm,
  unitResultResponse,
  verdictBody,
  verdictForm,
} from './verdictSchemas.js';
import {
  decideVerdict,
  decidingCohort,
  evidenceLink,
  openReassessment,
  type Target,
  unitDrillDown,
  verdictLimits,
} from './verdicts.js';

const page = '/cohorts/:cohortId/trainees/:traineeId/units/:unit';
const view = 'assessments/results/unit';

const targetOf = (params: Record<string, unknown>): Target => ({
  cohortId: String(params.cohortId ?? params.id),
  traineeId: String(params.traineeId),
  unit: String(params.unit),
});
const address = (target: Target) =>
  `/cohorts/${target.cohortId}/trainees/${target.traineeId}/units/${encodeURIComponent(target.unit)}`;

/** The drill-down page's locals; the form's fields start at the current verdict, else the proposal. */
async function pageLocals(req: Request) {
  const found = await unitDrillDown(req.actor!, targetOf(req.params));
  const { verdict, proposal } = found.result;
  return {
    title: `${found.trainee.name} · ${found.result.unit}`,
    ...found,
    evidenceLink,
    limits: verdictLimits,
    saved: typeof req.query.saved === 'string' ? req.query.saved : null,
    values: { status: verdict?.status ?? proposal.proposed ?? '', reason: '', note: '' },
  };
}

/** The trainee x unit drill-down (linked from the gradebook's cells), its verdict form and re-assessment. */
export function registerVerdictRoutes({ web, api }: Pick<FeatureContext, 'web' | 'api'>): void {
  web.get(page, requireLogin, async (req, res) => {
    res.render(view, { errors: {}, ...(await pageLocals(req)) });
  });
  web.post(`${page}/verdict`, requireLogin, form(view, pageLocals), async (req, res) => {
    const target = targetOf(req.params);
    await decidingCohort(req.actor!, target.cohortId); // the permission before what was typed
    await decideVerdict(req.actor!, target, parseInput(verdictForm, req.body));
    res.redirect(303, `${address(target)}?saved=verdict`);
  });
  web.post(`${page}/reassessment`, requireLogin, form(view, pageLocals), async (req, res) => {
    const target = targetOf(req.params);
    await decidingCohort(req.actor!, target.cohortId);
    await openReassessment(req.actor!, target, parseInput(reassessmentForm, req.body));
    res.redirect(303, `${address(target)}?saved=reassessment`);
  });

  const tag = 'Verdicts';
  const path = '/cohorts/{id}/trainees/{traineeId}/units/{unit}';
  api.endpoint(
    {
      method: 'get',
      path,
      summary:
        "One trainee's result on one unit of the cohort: criteria, quiz results, evidence, the proposed verdict, the verdict and its history (the cohort's staff)",
      tag,
      access: 'user',
      response: unitResultResponse,
    },
    async ({ actor, params }) => apiUnitResult(await unitDrillDown(actor, targetOf(params))),
  );
  api.endpoint(
    {
      method: 'put',
      path: `${path}/verdict`,
      summary:
        "Gives or changes the verdict, K or BK (the cohort's instructors): a reason is required when it differs from the proposal (422); 409 if the verdict changed since `revision`",
      tag,
      access: 'user',
      body: verdictBody,
      response: unitResultResponse,
    },
    async ({ actor, params, body }) => apiUnitResult(await decideVerdict(actor, targetOf(params), body)),
  );
  api.endpoint(
    {
      method: 'post',
      path: `${path}/reassessment`,
      summary:
        'Opens a re-assessment after a BK verdict, with a note for the trainee; the next verdict closes it. 409 if the verdict changed since `revision` or is not BK',
      tag,
      access: 'user',
      body: reassessmentBody,
      response: unitResultResponse,
    },
    async ({ actor, params, body }) => apiUnitResult(await openReassessment(actor, targetOf(params), body)),
  );
}
