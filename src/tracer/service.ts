import { listSectors } from '../institutions/service.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { publish } from '../platform/events.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { contactsOf } from '../users/directory.js';
import { syncTrainee } from './creation.js';
import { surveyByToken } from './links.js';
import { surveyIdPattern, TracerSurvey, type TracerSurveyDoc, type Wave } from './model.js';
import { acceptsAnswers, reminderDueAt, type SurveyState, stateOf } from './schedule.js';
import { type Answers, parseAnswers } from './schemas.js';
import { markChanged } from './summary.js';

/**
 * The graduate's side of the employment tracer: which surveys are due, one survey to answer, and
 * answering it, in the app (logged in) or through the survey link (links.ts).
 */

export type SurveyView = {
  id: string;
  wave: Wave;
  state: SurveyState;
  cohortName: string;
  programTitle: string;
  trainingStartedOn: Date;
  dueAt: Date;
  remindAt: Date;
  editableUntil: Date;
  answeredAt: Date | null;
  changedAt: Date | null;
  answers: Answers | null;
};

export function toSurveyView(survey: TracerSurveyDoc, now: Date): SurveyView {
  return {
    id: survey._id,
    wave: survey.wave,
    state: stateOf(survey, now),
    cohortName: survey.cohortName,
    programTitle: survey.programTitle,
    trainingStartedOn: survey.trainingStartedOn,
    dueAt: survey.dueAt,
    remindAt: reminderDueAt(survey),
    editableUntil: survey.editableUntil,
    answeredAt: survey.answeredAt ?? null,
    changedAt: survey.changedAt ?? null,
    answers: (survey.answers as Answers | null) ?? null,
  };
}

const byDueDate = (a: SurveyView, b: SurveyView) => a.dueAt.getTime() - b.dueAt.getTime();

/**
 * The surveys waiting for the actor's answer now (due, unanswered, open), for the dashboard's card:
 * `overdue` ones past their reminder day. Empty for everyone but trainees. Brings the trainee's
 * surveys up to date from their records first (two indexed reads), so a graduate whose surveys the
 * periodic step has not made yet is asked all the same.
 */
export async function dueSurveysFor(actor: Actor, now = new Date()): Promise<SurveyView[]> {
  if (!can(actor, 'tracer.answer')) return [];
  const surveys = await syncTrainee(actor.id, now);
  return surveys
    .map((survey) => toSurveyView(survey, now))
    .filter((survey) => survey.state === 'open' || survey.state === 'overdue')
    .sort(byDueDate);
}

/** Every survey of the actor that has been or will be asked (stopped ones left out), soonest first. */
export async function mySurveys(actor: Actor | null, now = new Date()): Promise<SurveyView[]> {
  authorize(actor, 'tracer.answer');
  const surveys = await syncTrainee(actor.id, now);
  return surveys
    .map((survey) => toSurveyView(survey, now))
    .filter((survey) => survey.state !== 'stopped')
    .sort(byDueDate);
}

async function findSurvey(id: string): Promise<TracerSurveyDoc> {
  if (!surveyIdPattern.test(id)) throw new NotFoundError();
  const survey = await TracerSurvey.findById(id).lean<TracerSurveyDoc>();
  if (!survey) throw new NotFoundError();
  return survey;
}

/** One of the actor's own surveys, as it stands (its record checked again: a revoked one has stopped it). */
export async function surveyOf(actor: Actor | null, id: string, now = new Date()): Promise<SurveyView> {
  const survey = await findSurvey(id);
  authorize(actor, 'tracer.answer', { trainee: String(survey.trainee) });
  const current = (await syncTrainee(actor.id, now)).find((candidate) => candidate._id === id);
  if (!current) throw new NotFoundError();
  return toSurveyView(current, now);
}

/** The sectors the form offers (by code, named in both languages); the form adds "other" (`otherSector`). */
export async function sectorChoices(): Promise<{ code: string; name: { id: string; en: string } }[]> {
  return (await listSectors()).map((sector) => ({ code: sector.code, name: sector.name }));
}

/**
 * Saves answers while the survey accepts them. The write is conditional on the window still being
 * open, so an answer sent a moment after it closed is refused like one sent a month after.
 */
async function saveAnswers(survey: SurveyView, input: unknown, via: 'app' | 'link', now: Date): Promise<SurveyView> {
  if (survey.state === 'upcoming') throw new ConflictError('tracer.errors.notYet');
  if (!acceptsAnswers(survey.state))
    throw new ConflictError(survey.state === 'stopped' ? 'tracer.errors.stopped' : 'tracer.errors.closed');
  const sectors = (await listSectors()).map((sector) => sector.code);
  const answers = parseAnswers(input, { now, trainingStartedOn: survey.trainingStartedOn, sectors });
  const saved = await TracerSurvey.findOneAndUpdate(
    { _id: survey.id, editableUntil: { $gt: now }, stoppedAt: null },
    {
      $set: { answers, answeredAt: survey.answeredAt ?? now, changedAt: now, answeredVia: via, awaiting: false },
    },
    { returnDocument: 'after' },
  ).lean<TracerSurveyDoc>();
  if (!saved) throw new ConflictError('tracer.errors.closed');
  await markChanged([{ cohort: saved.cohort, institution: saved.institution }]);
  const working = (found: Answers | null) => found?.situation === 'employed' || found?.situation === 'selfEmployed';
  await publish('employment.reported', {
    trainee: String(saved.trainee),
    cohort: String(saved.cohort),
    institution: String(saved.institution),
    wave: survey.wave,
    employed: working(answers),
    previous: survey.answers ? working(survey.answers) : null,
    at: now,
  });
  return toSurveyView(saved, now);
}

/** The actor answers (or changes the answers to) one of their own surveys in the app. */
export async function answerSurvey(actor: Actor | null, id: string, input: unknown, now = new Date()): Promise<SurveyView> {
  return saveAnswers(await surveyOf(actor, id, now), input, 'app', now);
}

// --- through the survey link ----------------------------------------------------------------------

/** What the link page shows: the survey and the graduate's first name, nothing else of the account. */
export type LinkedSurvey = { survey: SurveyView; firstName: string };

export const firstNameOf = (name: string) => name.trim().split(/\s+/)[0] ?? '';

/** The survey a link opens, brought up to date with the graduate's records; null when the link is not valid. */
export async function linkedSurvey(secret: string, token: string, ip: string, now = new Date()): Promise<LinkedSurvey | null> {
  const found = await surveyByToken(secret, token, ip, now);
  if (!found) return null;
  const trainee = String(found.trainee);
  const [surveys, contacts] = await Promise.all([syncTrainee(trainee, now), contactsOf([trainee])]);
  const current = surveys.find((candidate) => candidate._id === found._id) ?? found;
  return { survey: toSurveyView(current, now), firstName: firstNameOf(contacts.get(trainee)?.name ?? '') };
}

/** Answers through the link; null when the link is not valid. */
export async function answerByLink(
  secret: string,
  token: string,
  ip: string,
  input: unknown,
  now = new Date(),
): Promise<LinkedSurvey | null> {
  const linked = await linkedSurvey(secret, token, ip, now);
  if (!linked) return null;
  return { ...linked, survey: await saveAnswers(linked.survey, input, 'link', now) };
}
