import type { Request } from 'express';
import mongoose from 'mongoose';
import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { form, showForm } from '../../platform/http/forms.js';
import { parseInput } from '../../platform/validation.js';
import { wibParts } from '../assignments/schemas.js';
import {
  observationBody,
  observationFilter,
  observationLimits,
  observationList,
  observationPick,
  observationUpdateBody,
  observationView,
  parseObservationForm,
} from './schemas.js';
import {
  cohortObservations,
  createObservation,
  deleteObservation,
  type ObservationView,
  observationChoices,
  observationForEdit,
  observingCohort,
  readObservation,
  updateObservation,
} from './service.js';

const param = (req: Request, name: string) => String(req.params[name]);
const views = 'assessments/observations';

/** The observation as the API shows it. */
const apiObservation = (observation: ObservationView) => ({
  ...observation,
  observedAt: observation.observedAt.toISOString(),
  updatedAt: observation.updatedAt.toISOString(),
});

/** The checklist's fields for the unit's criteria, filled from what was observed. */
function checklistValues(criteria: { ref: string }[], observed: ObservationView['criteria']) {
  const values: Record<string, string> = {};
  for (const [index, criterion] of criteria.entries()) {
    const given = observed.find((item) => item.ref === criterion.ref);
    values[`met-${index}`] = given ? (given.met ? 'yes' : 'no') : '';
    values[`comment-${index}`] = given?.comment ?? '';
  }
  return values;
}

export function registerObservationRoutes({ web, api }: FeatureContext): void {
  // --- a cohort's observations ------------------------------------------------------------------------
  web.get('/cohorts/:cohortId/observations', requireLogin, async (req, res) => {
    const filter = parseInput(observationFilter, req.query);
    const list = await cohortObservations(req.actor!, param(req, 'cohortId'), filter);
    res.render(`${views}/list`, {
      title: req.t('assessments.observations.title'),
      ...list,
      saved: typeof req.query.saved === 'string' ? req.query.saved : null,
    });
  });

  /**
   * The new-observation form in two steps that work without scripts: a GET form picks the trainee
   * and the unit, then the checklist of that unit's criteria is shown for them.
   */
  const newLocals = async (req: Request) => {
    const posted = req.method === 'POST';
    const pick = parseInput(observationPick, posted ? (req.body ?? {}) : req.query);
    const found = await observationChoices(req.actor!, param(req, 'cohortId'), pick);
    // "Change trainee or unit" goes back to the chooser with both still picked.
    const changing = !posted && 'change' in req.query;
    const choices = changing ? { ...found, trainee: null, unit: null } : found;
    const errors: Record<string, string> = {};
    // The chooser was sent (or a posted checklist named someone else): say what is missing.
    if (!changing && (posted || 'trainee' in req.query)) {
      if (!choices.trainee)
        errors.trainee = req.t(pick.trainee ? 'assessments.assignments.errors.notTrainee' : 'validation.required');
      if (!choices.unit) errors.unit = req.t(pick.unit ? 'assessments.observations.errors.unit' : 'validation.required');
    }
    const now = wibParts(new Date());
    return {
      title: req.t('assessments.observations.new'),
      ...choices,
      observation: null,
      limits: observationLimits,
      errors,
      values: {
        trainee: pick.trainee ?? '',
        unit: pick.unit ?? '',
        observedDay: now.day,
        observedTime: now.time,
        // The observation's id from the moment the form opens: a double submit stores it once.
        id: String(new mongoose.Types.ObjectId()),
      },
    };
  };
  web.get('/cohorts/:cohortId/observations/new', requireLogin, showForm(`${views}/form`, newLocals));
  web.post('/cohorts/:cohortId/observations', requireLogin, form(`${views}/form`, newLocals), async (req, res) => {
    await observingCohort(req.actor!, param(req, 'cohortId')); // the permission before what is typed
    const input = parseObservationForm(req.body ?? {});
    const observation = await createObservation(req.actor!, param(req, 'cohortId'), input);
    res.redirect(303, `/observations/${observation.id}?saved=created`);
  });

  // --- one observation ----------------------------------------------------------------------------------
  web.get('/observations/:id', requireLogin, async (req, res) => {
    const found = await readObservation(req.actor!, param(req, 'id'));
    res.render(`${views}/show`, {
      title: req.t('assessments.observations.one'),
      ...found,
      saved: typeof req.query.saved === 'string' ? req.query.saved : null,
      errors: {},
    });
  });

  const editLocals = async (req: Request) => {
    const found = await observationForEdit(req.actor!, param(req, 'id'));
    const at = wibParts(found.observation.observedAt);
    return {
      title: req.t('assessments.observations.edit'),
      ...found,
      trainee: { id: found.observation.trainee, name: found.observation.traineeName },
      limits: observationLimits,
      values: {
        observedDay: at.day,
        observedTime: at.time,
        activity: found.observation.activity,
        note: found.observation.note,
        revision: String(found.observation.revision),
        ...checklistValues(found.unit?.criteria ?? [], found.observation.criteria),
      },
    };
  };
  web.get('/observations/:id/edit', requireLogin, showForm(`${views}/form`, editLocals));
  web.post('/observations/:id', requireLogin, form(`${views}/form`, editLocals), async (req, res) => {
    await observationForEdit(req.actor!, param(req, 'id'));
    const input = parseObservationForm(req.body ?? {});
    await updateObservation(req.actor!, param(req, 'id'), input);
    res.redirect(303, `/observations/${param(req, 'id')}?saved=updated`);
  });
  web.post('/observations/:id/delete', requireLogin, async (req, res) => {
    const revision = Number((req.body as { revision?: unknown } | undefined)?.revision) || undefined;
    const cohort = await deleteObservation(req.actor!, param(req, 'id'), revision);
    res.redirect(303, `/cohorts/${cohort}/observations?saved=deleted`);
  });

  // --- API --------------------------------------------------------------------------------------------
  const tag = 'Observations';
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/observations',
      summary:
        "A cohort's practical observations, newest first: all of them for its staff (filtered by trainee or unit), a trainee's own for them",
      tag,
      access: 'user',
      query: observationFilter,
      response: observationList,
    },
    async ({ actor, params, query }) => {
      const list = await cohortObservations(actor, String(params.id), query);
      return { items: list.items.map(apiObservation) };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts/{id}/observations',
      summary:
        "Records an observation checklist of one trainee on one unit of the cohort's program (its staff): each criterion observed met or not, with comments; the unit results get it as evidence. An `id` chosen by the client makes a retry store it once",
      tag,
      access: 'user',
      body: observationBody,
      response: observationView,
      status: 201,
    },
    async ({ actor, params, body }) => apiObservation(await createObservation(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/observations/{id}',
      summary: 'One observation: for the staff of its cohort, and for the trainee observed',
      tag,
      access: 'user',
      response: observationView,
    },
    async ({ actor, params }) => apiObservation((await readObservation(actor, String(params.id))).observation),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/observations/{id}',
      summary: "Changes an observation's time, activity, checklist and note; 409 if it changed since `revision`",
      tag,
      access: 'user',
      body: observationUpdateBody,
      response: observationView,
    },
    async ({ actor, params, body }) => apiObservation(await updateObservation(actor, String(params.id), body)),
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/observations/{id}',
      summary: 'Deletes an observation and its evidence in the unit results; with `revision`, 409 if it changed since',
      tag,
      access: 'user',
      query: z.object({ revision: z.coerce.number().int().min(1).optional() }),
    },
    async ({ actor, params, query }) => {
      await deleteObservation(actor, String(params.id), query.revision);
    },
  );
}
