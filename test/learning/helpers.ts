import { expect } from 'chai';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { type Agent, type buildTestApp, csrfTokenOf, loggedInAgent } from '../support/app.js';
import type { makeCohortSetup } from '../support/cohorts.js';
import { makeUser } from '../support/factories.js';

export type Setup = Awaited<ReturnType<typeof makeCohortSetup>>;

/** A trainee enrolled in the cohort, logged in. */
export async function enrolledTrainee(
  app: ReturnType<typeof buildTestApp>,
  setup: Pick<Setup, 'institution' | 'coordinator' | 'cohort'>,
) {
  const user = await makeUser('trainee', setup.institution, { name: `Peserta ${Math.random().toString(36).slice(2, 6)}` });
  const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
  expect(enrollment.status).to.equal('enrolled');
  return { user, enrollment, agent: await loggedInAgent(app, user.email, user.password) };
}

export const lessonUrl = (setup: Pick<Setup, 'cohort'>, lesson: string) => `/learn/${setup.cohort}/lessons/${lesson}`;

/**
 * Marks the lesson done with the form's button, from the page `from` (the lesson's own page unless
 * said otherwise: the CSRF token is read from it, as the browser would have it open).
 */
export async function completeLesson(
  agent: Agent,
  setup: Pick<Setup, 'cohort'>,
  lesson: string,
  from = lessonUrl(setup, lesson),
) {
  const token = await csrfTokenOf(agent, from);
  return agent
    .post(`${lessonUrl(setup, lesson)}/complete`)
    .type('form')
    .send({ _csrf: token })
    .expect(303);
}

/** A progress event as the lesson page of `account` queues it. */
export const progressEvent = (
  account: string,
  setup: Setup,
  lesson: string,
  kind: 'complete' | 'position',
  at: string,
  extra: object = {},
) => ({
  id: `${kind}-${lesson}-${at}`,
  account,
  cohort: setup.cohort,
  lesson,
  kind,
  at,
  ...extra,
});
