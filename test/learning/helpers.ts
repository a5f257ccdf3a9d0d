import { expect } from 'chai';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import type { buildTestApp } from '../support/app.js';
import { loggedInAgent } from '../support/app.js';
import type { makeCohortSetup } from '../support/cohorts.js';
import { makeUser } from '../support/factories.js';

export type Setup = Awaited<ReturnType<typeof makeCohortSetup>>;

/** A trainee enrolled in the cohort, logged in. */
export async function enrolledTrainee(app: ReturnType<typeof buildTestApp>, setup: Setup) {
  const user = await makeUser('trainee', setup.institution, { name: `Peserta ${Math.random().toString(36).slice(2, 6)}` });
  const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
  expect(enrollment.status).to.equal('enrolled');
  return { user, enrollment, agent: await loggedInAgent(app, user.email, user.password) };
}

export const lessonUrl = (setup: Setup, lesson: string) => `/learn/${setup.cohort}/lessons/${lesson}`;

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
