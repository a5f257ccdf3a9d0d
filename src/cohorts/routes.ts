import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requireLogin, requirePermission } from '../auth/passport.js';
import { openableApplicantRecords } from '../counselling/service.js';
import { seatsTaken } from '../enrolment/seats.js';
import { cohortEnrollments, decisionNotice, enrollmentCounts } from '../enrolment/service.js';
import { listInstitutions } from '../institutions/service.js';
import { cohortRoster } from '../learning/service.js';
import { form, showForm } from '../platform/http/forms.js';
import { can } from '../platform/permissions.js';
import { pageOf, parseInput } from '../platform/validation.js';
import { publishedPrograms } from '../programs/catalogue.js';
import { activeInstructorsOf, namesOfUsers } from '../users/directory.js';
import { cohortListQuery, cohortSchema, enrolmentListQuery } from './schemas.js';
import {
  type CohortView,
  cohortRef,
  createCohort,
  dayOf,
  listCohorts,
  manageableCohort,
  updateCohort,
  viewableCohort,
} from './service.js';

const id = (req: Request) => String(req.params.id);

/** Choices for the cohort form: published programs and instructors of the institution. */
async function cohortChoices(req: Request, institution: string | null) {
  const anyInstitution = can(req.actor, 'institution.chooseAny');
  const [programs, instructors, institutions] = await Promise.all([
    // From the catalogue's index in memory; an admin chooses among every program in the country.
    publishedPrograms(anyInstitution ? undefined : (institution ?? undefined)),
    activeInstructorsOf(institution),
    anyInstitution ? listInstitutions(req.actor!) : Promise.resolve([]),
  ]);
  return {
    programs: programs.map((program) => ({
      id: program.id,
      label: `${program.code} · ${program.title}`,
      versions: program.version,
    })),
    instructors,
    institutions,
  };
}

/** A cohort as its form shows it. */
const formValues = (cohort: CohortView) => ({
  ...cohort,
  startsOn: dayOf(cohort.startsOn),
  endsOn: dayOf(cohort.endsOn),
  enrolmentOpens: dayOf(cohort.enrolmentOpens),
  enrolmentCloses: dayOf(cohort.enrolmentCloses),
  scheduleDays: cohort.schedule.days,
  scheduleStart: cohort.schedule.start,
  scheduleEnd: cohort.schedule.end,
});

/** What the cohort page shows; also the locals of the forms on it, shown again when one fails. */
export async function cohortPage(req: Request, cohortId: string) {
  const cohort = await viewableCohort(req.actor!, cohortId);
  const [counts, taken, applied, waitlisted, instructors] = await Promise.all([
    enrollmentCounts(cohort.id),
    seatsTaken(cohort.id),
    cohortEnrollments(req.actor!, cohort.id, 'applied'),
    cohortEnrollments(req.actor!, cohort.id, 'waitlisted'),
    namesOfUsers(cohort.instructors),
  ]);
  // Applicants whose intake and counselling history the viewer may open: their names link there.
  const records = await openableApplicantRecords(
    req.actor!,
    [...applied, ...waitlisted].map((enrollment) => enrollment.trainee),
  );
  return {
    title: cohort.name,
    cohort,
    counts,
    taken,
    applied,
    waitlisted,
    instructors: cohort.instructors.map((instructor) => instructors.get(instructor) ?? ''),
    manages: can(req.actor, 'cohort.manage', cohortRef(cohort)),
    records,
    saved: null,
  };
}

/** After a decision on an enrolment (?changed=) or its undo (?undone=): what the page says about it. */
async function decisionNotices(req: Request) {
  return {
    changed: await decisionNotice(req.actor!, id(req), req.query.changed),
    undone: await decisionNotice(req.actor!, id(req), req.query.undone),
  };
}

export function registerCohortRoutes({ web, api, highlights }: FeatureContext): void {
  highlights.add('coordinators', 'cohorts.highlight');
  web.get('/cohorts', requirePermission('cohort.view'), async (req, res) => {
    const query = parseInput(cohortListQuery, req.query);
    res.render('cohorts/list', { title: req.t('cohorts.title'), result: await listCohorts(req.actor!, query), query });
  });

  const newLocals = async (req: Request) => ({
    title: req.t('cohorts.new'),
    cohort: null,
    ...(await cohortChoices(req, req.actor!.institution)),
  });
  web.get(
    '/cohorts/new',
    requirePermission('cohort.manage'),
    showForm('cohorts/form', async (req) => ({
      ...(await newLocals(req)),
      values: { capacity: 30, mode: 'online', status: 'planned', program: req.query.program ?? '' },
    })),
  );
  web.post('/cohorts', requirePermission('cohort.manage'), form('cohorts/form', newLocals), async (req, res) => {
    const cohortId = await createCohort(req.actor!, parseInput(cohortSchema, req.body));
    res.redirect(303, `/cohorts/${cohortId}?saved=cohort`);
  });

  const editLocals = async (req: Request) => {
    const cohort = await manageableCohort(req.actor!, id(req));
    return {
      title: req.t('cohorts.edit'),
      cohort,
      values: formValues(cohort),
      ...(await cohortChoices(req, cohort.institution)),
    };
  };
  web.get('/cohorts/:id/edit', requireLogin, showForm('cohorts/form', editLocals));
  web.post('/cohorts/:id', requireLogin, form('cohorts/form', editLocals), async (req, res) => {
    await updateCohort(req.actor!, id(req), parseInput(cohortSchema, req.body));
    res.redirect(303, `/cohorts/${id(req)}?saved=cohort`);
  });

  web.get('/cohorts/:id', requireLogin, async (req, res) => {
    res.render('cohorts/show', { ...(await cohortPage(req, id(req))), saved: req.query.saved, ...(await decisionNotices(req)) });
  });

  web.get('/cohorts/:id/roster', requireLogin, async (req, res) => {
    const cohort = await viewableCohort(req.actor!, id(req));
    res.render('cohorts/roster', {
      title: req.t('cohorts.roster.title'),
      cohort,
      roster: await cohortRoster(cohort),
      ...(await decisionNotices(req)),
    });
  });

  // --- API ----------------------------------------------------------------------------------
  const cohortOut = z.object({
    id: z.string(),
    name: z.string(),
    institution: z.string(),
    program: z.string(),
    version: z.number(),
    programCode: z.string(),
    programTitle: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    enrolmentOpens: z.string(),
    enrolmentCloses: z.string(),
    capacity: z.number(),
    mode: z.string(),
    status: z.string(),
    autoApprove: z.boolean(),
    instructors: z.array(z.string()),
    schedule: z.object({ days: z.array(z.number()), start: z.string(), end: z.string() }),
  });
  const toApi = (cohort: CohortView) => ({
    ...cohort,
    startsOn: cohort.startsOn.toISOString(),
    endsOn: cohort.endsOn.toISOString(),
    enrolmentOpens: cohort.enrolmentOpens.toISOString(),
    enrolmentCloses: cohort.enrolmentCloses.toISOString(),
  });
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts',
      summary: 'Cohorts the caller runs: their institution’s (coordinators) or their own (instructors)',
      tag: 'Cohorts',
      access: 'user',
      permission: 'cohort.view',
      query: cohortListQuery,
      response: pageOf(cohortOut),
    },
    async ({ actor, query }) => {
      const page = await listCohorts(actor, query);
      return { ...page, items: page.items.map(toApi) };
    },
  );
  api.endpoint(
    {
      method: 'post',
      path: '/cohorts',
      summary: 'Create a cohort of a published program (coordinators)',
      tag: 'Cohorts',
      access: 'user',
      permission: 'cohort.manage',
      body: cohortSchema,
      response: z.object({ id: z.string() }),
      status: 201,
    },
    async ({ actor, body }) => ({ id: await createCohort(actor, body) }),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}',
      summary: 'A cohort, with how many places are taken',
      tag: 'Cohorts',
      access: 'user',
      response: cohortOut.extend({ taken: z.number() }),
    },
    async ({ actor, params }) => {
      const cohort = await viewableCohort(actor, String(params.id));
      return { ...toApi(cohort), taken: await seatsTaken(cohort.id) };
    },
  );
  api.endpoint(
    {
      method: 'put',
      path: '/cohorts/{id}',
      summary: 'Change a cohort (its coordinators); a larger capacity moves the waiting list up',
      tag: 'Cohorts',
      access: 'user',
      body: cohortSchema,
    },
    async ({ actor, params, body }) => {
      await updateCohort(actor, String(params.id), body);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/enrolments',
      summary: 'The cohort’s enrolments in one state, oldest first (the waiting list in its order)',
      tag: 'Cohorts',
      access: 'user',
      query: enrolmentListQuery,
      response: z.object({
        enrolments: z.array(
          z.object({
            id: z.string(),
            trainee: z.string(),
            name: z.string(),
            email: z.string(),
            status: z.string(),
            since: z.string(),
          }),
        ),
      }),
    },
    async ({ actor, params, query }) => ({
      enrolments: (await cohortEnrollments(actor, String(params.id), query.status)).map((enrollment) => ({
        id: enrollment.id,
        trainee: enrollment.trainee,
        name: enrollment.name,
        email: enrollment.email,
        status: enrollment.status,
        since: (enrollment.status === 'waitlisted' && enrollment.waitlistedAt
          ? enrollment.waitlistedAt
          : enrollment.appliedAt
        ).toISOString(),
      })),
    }),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/cohorts/{id}/roster',
      summary: 'The cohort’s trainees with their progress and last activity (its instructors and coordinators)',
      tag: 'Cohorts',
      access: 'user',
      response: z.object({
        trainees: z.array(
          z.object({
            trainee: z.string(),
            name: z.string(),
            status: z.string(),
            done: z.number(),
            total: z.number(),
            percent: z.number(),
            lastActivityAt: z.string().nullable(),
            inactive: z.boolean(),
          }),
        ),
      }),
    },
    async ({ actor, params }) => {
      const cohort = await viewableCohort(actor, String(params.id));
      const roster = await cohortRoster(cohort);
      return {
        trainees: roster.map((row) => ({
          trainee: row.trainee,
          name: row.name,
          status: row.status,
          done: row.done,
          total: row.total,
          percent: row.percent,
          lastActivityAt: row.lastActivityAt ? row.lastActivityAt.toISOString() : null,
          inactive: row.inactive,
        })),
      };
    },
  );
}
