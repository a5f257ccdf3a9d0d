import { institutionNames } from '../institutions/service.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { type Actor, authorize } from '../platform/permissions.js';
import { isObjectId } from '../platform/validation.js';
import { contactsOf } from '../users/directory.js';
import { catchUp } from './creation.js';
import { surveyToken } from './links.js';
import { surveyIdPattern, TracerSurvey, type TracerSurveyDoc, type Wave } from './model.js';
import { addMonths, monthOf, reminderDueAt, stateOf } from './schedule.js';
import { firstNameOf } from './service.js';

/**
 * Reminders of unanswered surveys. Kompeten sends no mail (there is no mail server in the app), so
 * a reminder is two things: the graduate's dashboard card turns into a prominent notice (service.ts),
 * and the survey comes onto the coordinator's list "to remind", with the graduate's phone and
 * email and their survey link, ready to send by WhatsApp or mail; the coordinator marks it sent.
 */

export type ReminderEntry = {
  survey: string;
  wave: Wave;
  name: string;
  firstName: string;
  email: string;
  phone: string;
  cohortName: string;
  programTitle: string;
  dueAt: Date;
  remindAt: Date;
  editableUntil: Date;
  remindedAt: Date | null;
  /** The survey link's token (links.ts): the route makes the address. */
  token: string;
};

export type ReminderList = {
  institution: { id: string; name: string };
  /** Unanswered past their reminder day, not yet reminded: oldest first. */
  toRemind: ReminderEntry[];
  /** Reminded and still unanswered: most recent reminder first. */
  reminded: ReminderEntry[];
  /** More are waiting than `toRemind` shows (`maxEntries`): the next ones show once these are done. */
  more: boolean;
};

/** An unanswered survey can be reminded from its reminder day until it closes: at most this many months after it fell due. */
const monthsOpenAfterDue = 6;
/** Most entries each list shows (and the contacts read for them): the most urgent first. */
export const maxEntries = 200;

async function institutionOf(actor: Actor | null, institution: string | undefined) {
  authorize(actor, 'tracer.report');
  const id = institution ?? actor.institution;
  // An admin belongs to no institution: they name one.
  if (!id) throw new ValidationError([{ field: 'institution', key: 'validation.required' }]);
  if (!isObjectId(id)) throw new NotFoundError();
  authorize(actor, 'tracer.report', { institution: id });
  const name = (await institutionNames()).get(id);
  if (name === undefined) throw new NotFoundError();
  return { id, name };
}

/**
 * The institution's graduates to remind. Reads, by index, the unanswered surveys that fell due in
 * the months a survey can still be answered in (`{ institution, dueMonth, awaiting }`), oldest
 * month first, not every survey the institution ever sent.
 */
export async function reminderList(
  actor: Actor | null,
  query: { institution?: string | undefined },
  secret: string,
  now = new Date(),
): Promise<ReminderList> {
  const institution = await institutionOf(actor, query.institution);
  await catchUp(institution.id, now, 1);
  // Oldest month first: those close soonest. A month at a time, until both lists are full.
  const months = Array.from({ length: monthsOpenAfterDue + 1 }, (_, back) => monthOf(addMonths(now, back - monthsOpenAfterDue)));
  const toRemind: TracerSurveyDoc[] = [];
  const reminded: TracerSurveyDoc[] = [];
  for (const dueMonth of months) {
    if (toRemind.length >= maxEntries && reminded.length >= maxEntries) break;
    const surveys = await TracerSurvey.find({ institution: institution.id, dueMonth, awaiting: true })
      .limit(50_000)
      .lean<TracerSurveyDoc[]>();
    const overdue = surveys
      .filter((survey) => stateOf(survey, now) === 'overdue')
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    toRemind.push(...overdue.filter((survey) => !survey.remindedAt));
    reminded.push(...overdue.filter((survey) => survey.remindedAt));
  }
  const shown = {
    toRemind: toRemind.slice(0, maxEntries),
    reminded: reminded.sort((a, b) => b.remindedAt!.getTime() - a.remindedAt!.getTime()).slice(0, maxEntries),
  };
  const contacts = await contactsOf([...shown.toRemind, ...shown.reminded].map((survey) => survey.trainee));
  const entryOf = async (survey: TracerSurveyDoc): Promise<ReminderEntry> => {
    const contact = contacts.get(String(survey.trainee));
    return {
      survey: survey._id,
      wave: survey.wave,
      name: contact?.name ?? '',
      firstName: firstNameOf(contact?.name ?? ''),
      email: contact?.email ?? '',
      phone: contact?.phone ?? '',
      cohortName: survey.cohortName,
      programTitle: survey.programTitle,
      dueAt: survey.dueAt,
      remindAt: reminderDueAt(survey),
      editableUntil: survey.editableUntil,
      remindedAt: survey.remindedAt ?? null,
      token: await surveyToken(secret, survey),
    };
  };
  return {
    institution,
    toRemind: await Promise.all(shown.toRemind.map(entryOf)),
    reminded: await Promise.all(shown.reminded.map(entryOf)),
    more: toRemind.length > maxEntries,
  };
}

/** Notes that the coordinator sent the reminder; returns the survey's institution (for the way back). */
export async function markReminded(actor: Actor | null, id: string, now = new Date()): Promise<string> {
  if (!surveyIdPattern.test(id)) throw new NotFoundError();
  const survey = await TracerSurvey.findById(id, { institution: 1 }).lean();
  if (!survey) throw new NotFoundError();
  const institution = String(survey.institution);
  authorize(actor, 'tracer.report', { institution });
  await TracerSurvey.updateOne({ _id: id }, { $set: { remindedAt: now, remindedBy: actor.id } });
  return institution;
}
