import type { Actor } from '../../src/platform/permissions.js';
import { syncTrainee } from '../../src/tracer/creation.js';
import { surveyToken } from '../../src/tracer/links.js';
import { TracerSurvey } from '../../src/tracer/model.js';
import { addMonths } from '../../src/tracer/schedule.js';
import { User } from '../../src/users/model.js';
import { testSessionSecret } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { insertRecord } from './records.js';

/** For the tracer's page tests: graduates with accounts, on the real clock. */
export const day = 86_400_000;
export const ago = (date: Date, days: number) => new Date(date.getTime() - days * day);
/** The page's main content: what a person reads, without the header's per-session form tokens. */
export const mainOf = (html: string) => /<main id="main">([\s\S]*)<\/main>/.exec(html)?.[1] ?? '';

/**
 * A graduate of `institution` with an account, whose completion was approved `monthsAgo` months
 * (and `extraDays` days) ago, with their surveys and the three-month survey's link token.
 */
export async function graduate(
  institution: string,
  options: { name?: string; phone?: string; monthsAgo?: number; extraDays?: number; program?: string } = {},
) {
  const user = await makeUser('trainee', institution, { name: options.name ?? 'Siti Aminah Rahayu' });
  if (options.phone) await User.updateOne({ _id: user.id }, { $set: { phone: options.phone } });
  const approvedAt = ago(addMonths(new Date(), -(options.monthsAgo ?? 3)), options.extraDays ?? 2);
  const record = await insertRecord({
    institution,
    trainee: user.id,
    approvedAt,
    programTitle: options.program ?? 'Junior Web Programmer',
    cohortStartsOn: ago(approvedAt, 60).toISOString().slice(0, 10),
  });
  // Made the day after the approval (by whatever looked first), as they would be.
  await syncTrainee(user.id, new Date(approvedAt.getTime() + day));
  const survey = (await TracerSurvey.findById(`${record.enrollment}:3`).lean())!;
  const token = await surveyToken(testSessionSecret, survey);
  const actor: Actor = { id: user.id, role: 'trainee', institution };
  return { user, record, survey: survey._id, wave6: `${record.enrollment}:6`, token, actor, approvedAt };
}

/** An "employed" answer, begun twenty days ago. */
export const jobAnswers = (sector: string, overrides: Record<string, string> = {}) => ({
  situation: 'employed',
  employer: 'PT Sinar Terang',
  sector,
  jobTitle: 'Teknisi jaringan',
  jobStartedOn: new Date(Date.now() - 20 * day).toISOString().slice(0, 10),
  wageBand: '3to5',
  ...overrides,
});
