import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../platform/errors.js';
import { parseInput } from '../platform/validation.js';
import { zonedParts } from '../platform/zone.js';

/** What a graduate is doing now: one branch of the survey each. */
export const situations = ['employed', 'selfEmployed', 'studying', 'seeking'] as const;
export type Situation = (typeof situations)[number];

/** Wage and income bands, in rupiah a month (jt: juta, a million), and "prefer not to say". */
export const incomeBands = ['below1', '1to3', '3to5', '5to10', 'above10', 'undisclosed'] as const;
export type IncomeBand = (typeof incomeBands)[number];

/** The employer's sector when none of the app's sectors fits. */
export const otherSector = 'other';

export const answerLimits = { name: 200, help: 1_000 };

/** The answers as stored: only the chosen branch's fields; dates as the day typed (YYYY-MM-DD, WIB). */
export type Answers =
  | { situation: 'employed'; employer: string; sector: string; jobTitle: string; startedOn: string; wageBand: IncomeBand }
  | { situation: 'selfEmployed'; businessField: string; startedOn: string; incomeBand: IncomeBand }
  | { situation: 'studying'; institution: string; program: string }
  | { situation: 'seeking'; since: string; help: string };

/**
 * A text field, its length checked only when its branch is chosen (`parseAnswers`): what a hidden
 * branch carries is dropped, whatever it is. The body's own limit (100 kB) bounds it meanwhile.
 */
const text = (max: number) => z.string().trim().default('').describe(`at most ${max} characters, when its situation is chosen`);

/**
 * The survey as a form (and the API) sends it: one flat set of fields, each branch's under names
 * of its own, so a form can carry them all and show the chosen one. Only the chosen branch is
 * checked; what the other branches carry is dropped.
 */
/** Each text field's longest answer. */
const fieldLimits = {
  employer: answerLimits.name,
  sector: 50,
  jobTitle: answerLimits.name,
  jobStartedOn: 10,
  wageBand: 20,
  businessField: answerLimits.name,
  businessStartedOn: 10,
  incomeBand: 20,
  studyInstitution: answerLimits.name,
  studyProgram: answerLimits.name,
  seekingSince: 10,
  helpNeeded: answerLimits.help,
} as const;
type TextField = keyof typeof fieldLimits;

export const answersInput = z.object({
  situation: z.enum(situations),
  ...(Object.fromEntries(Object.entries(fieldLimits).map(([field, max]) => [field, text(max)])) as Record<
    TextField,
    ReturnType<typeof text>
  >),
});
export type AnswersInput = z.input<typeof answersInput>;

/** What the checks need besides the input: today, when the training began, the sectors to choose from. */
export type AnswerContext = { now: Date; trainingStartedOn: Date; sectors: string[] };

const isDay = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

/** Checks the chosen branch and gives the answers to store; every problem named by its field. */
export function parseAnswers(input: unknown, context: AnswerContext): Answers {
  const given = parseInput(answersInput, input);
  const issues: FieldIssue[] = [];
  const optional = (field: TextField) => {
    const max = fieldLimits[field];
    if (given[field].length > max) issues.push({ field, key: 'validation.tooLong', params: { max } });
    return given[field];
  };
  const required = (field: TextField) => {
    if (given[field] === '') issues.push({ field, key: 'validation.required' });
    return optional(field);
  };
  const band = (field: 'wageBand' | 'incomeBand') => {
    const value = required(field);
    if (value && !(incomeBands as readonly string[]).includes(value)) issues.push({ field, key: 'validation.choice' });
    return value as IncomeBand;
  };
  const today = zonedParts(context.now).day;
  const trainingStart = zonedParts(context.trainingStartedOn).day;
  /** A day that has come, and (for a job or business begun) not before the training began. */
  const day = (field: 'jobStartedOn' | 'businessStartedOn' | 'seekingSince', notBeforeTraining: boolean) => {
    const value = required(field);
    if (!value) return value;
    if (!isDay(value)) issues.push({ field, key: 'tracer.errors.date' });
    else if (value > today) issues.push({ field, key: 'tracer.errors.future' });
    else if (notBeforeTraining && value < trainingStart)
      issues.push({ field, key: 'tracer.errors.beforeTraining', params: { date: trainingStart } });
    return value;
  };

  let answers: Answers;
  switch (given.situation) {
    case 'employed': {
      const sector = required('sector');
      if (sector && sector !== otherSector && !context.sectors.includes(sector))
        issues.push({ field: 'sector', key: 'validation.choice' });
      answers = {
        situation: 'employed',
        employer: required('employer'),
        sector,
        jobTitle: required('jobTitle'),
        startedOn: day('jobStartedOn', true),
        wageBand: band('wageBand'),
      };
      break;
    }
    case 'selfEmployed':
      answers = {
        situation: 'selfEmployed',
        businessField: required('businessField'),
        startedOn: day('businessStartedOn', true),
        incomeBand: band('incomeBand'),
      };
      break;
    case 'studying':
      answers = { situation: 'studying', institution: required('studyInstitution'), program: required('studyProgram') };
      break;
    case 'seeking':
      answers = { situation: 'seeking', since: day('seekingSince', false), help: optional('helpNeeded') };
      break;
  }
  if (issues.length) throw new ValidationError(issues);
  return answers;
}

/** Stored answers back as the form's fields, to show them for editing. */
export function formValuesOf(answers: Answers | null): Record<string, string> {
  if (!answers) return {};
  switch (answers.situation) {
    case 'employed':
      return {
        situation: 'employed',
        employer: answers.employer,
        sector: answers.sector,
        jobTitle: answers.jobTitle,
        jobStartedOn: answers.startedOn,
        wageBand: answers.wageBand,
      };
    case 'selfEmployed':
      return {
        situation: 'selfEmployed',
        businessField: answers.businessField,
        businessStartedOn: answers.startedOn,
        incomeBand: answers.incomeBand,
      };
    case 'studying':
      return { situation: 'studying', studyInstitution: answers.institution, studyProgram: answers.program };
    case 'seeking':
      return { situation: 'seeking', seekingSince: answers.since, helpNeeded: answers.help };
  }
}
