import type { DomainEvents } from '../platform/events.js';
import { uuidV5 } from './uuid.js';

/**
 * The xAPI statements Kompeten makes from its domain events (docs/xapi.md shows one of each).
 * Pure functions: an event and what is known of its cohort in, statements out, so that the same
 * event always makes the same statements (ids included) and tests can check them without a store.
 *
 * Who: an `account` on the app (homePage the app's address, name the user id), never an email or
 * a NIK: an LRS is often outside the institution, and the id is enough to join records back.
 * What: activities named by IRIs under the app's address, with their titles as written (the
 * content's language is Indonesian). Where: the trainee's enrolment as the registration (a UUID
 * from cohort and trainee), the cohort as parent and its program as grouping.
 */
export const xapiVersion = '1.0.3';
export const platform = 'Kompeten';
/** The language of the titles and of the training: Indonesian. */
export const contentLanguage = 'id-ID';

type LanguageMap = Record<string, string>;
export type Agent = { objectType: 'Agent'; account: { homePage: string; name: string } };
export type Activity = {
  objectType: 'Activity';
  id: string;
  definition: { type: string; name?: LanguageMap; extensions?: Record<string, unknown> };
};
export type StatementRef = { objectType: 'StatementRef'; id: string };
export type Statement = {
  id: string;
  actor: Agent;
  verb: { id: string; display: LanguageMap };
  object: Activity | StatementRef;
  result?: {
    score?: { raw: number; min: number; max?: number; scaled?: number };
    success?: boolean;
    completion?: boolean;
    duration?: string;
    extensions?: Record<string, unknown>;
  };
  context?: {
    registration: string;
    instructor?: Agent;
    contextActivities: { parent: Activity[]; grouping?: Activity[] };
    platform: string;
    language: string;
    extensions: Record<string, unknown>;
  };
  timestamp: string;
  version: string;
};

/** ADL's verbs (http://adlnet.gov/expapi/verbs/), with what they say in both languages. */
export const verbs = {
  completed: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed', 'id-ID': 'menyelesaikan' } },
  passed: { id: 'http://adlnet.gov/expapi/verbs/passed', display: { 'en-US': 'passed', 'id-ID': 'lulus' } },
  failed: { id: 'http://adlnet.gov/expapi/verbs/failed', display: { 'en-US': 'failed', 'id-ID': 'tidak lulus' } },
  scored: { id: 'http://adlnet.gov/expapi/verbs/scored', display: { 'en-US': 'scored', 'id-ID': 'memperoleh nilai' } },
  attended: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended', 'id-ID': 'menghadiri' } },
  voided: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided', 'id-ID': 'membatalkan' } },
} as const;

/** ADL's activity types (http://adlnet.gov/expapi/activities/), and Kompeten's one for a cohort. */
export const activityTypes = (base: string) => ({
  module: 'http://adlnet.gov/expapi/activities/module',
  assessment: 'http://adlnet.gov/expapi/activities/assessment',
  meeting: 'http://adlnet.gov/expapi/activities/meeting',
  /** A competency unit is what a trainee is assessed against: a learning objective. */
  objective: 'http://adlnet.gov/expapi/activities/objective',
  /** The program (the curriculum, across its cohorts) is the course. */
  course: 'http://adlnet.gov/expapi/activities/course',
  /** A cohort (angkatan): one run of a program; ADL has no type for it. */
  cohort: `${base}/xapi/activity-types/cohort`,
});

/** Kompeten's extensions, under the app's address (docs/xapi.md says what each holds). */
export const extensions = (base: string) => ({
  /** Result: the assessor's verdict on a unit, "K" (kompeten) or "BK" (belum kompeten). */
  verdict: `${base}/xapi/extensions/verdict`,
  /** Result: how long the live class ran, an ISO 8601 duration (the attendance is `result.duration`). */
  classDuration: `${base}/xapi/extensions/class-duration`,
  /** Context: the institution (BLK) the cohort belongs to, its id. */
  institution: `${base}/xapi/extensions/institution`,
  /** Activity definition: quiz or assignment. */
  assessmentKind: `${base}/xapi/extensions/assessment-kind`,
});

/** The addresses that name Kompeten's activities; the ones with a page of their own lead to it. */
export const activityIri = {
  module: (base: string, id: string) => `${base}/modules/${id}`,
  assessment: (base: string, kind: 'quiz' | 'assignment', id: string) =>
    `${base}/${kind === 'quiz' ? 'quizzes' : 'assignments'}/${id}`,
  liveClass: (base: string, id: string) => `${base}/live/${id}`,
  unit: (base: string, code: string) => `${base}/units/${encodeURIComponent(code)}`,
  cohort: (base: string, id: string) => `${base}/cohorts/${id}`,
  program: (base: string, id: string) => `${base}/catalogue/${id}`,
};

/** What the builders know of the event's cohort (cohorts' service); null where it could not be read. */
export type CohortFacts = { name: string; program: { id: string; title: string } } | null;

/** Everything a statement needs beyond its event: the app's address and the cohort. */
export type Setting = { base: string; cohort: CohortFacts };

/** A title as a language map: as written (Indonesian), or in both languages where the record has both. */
type Title = string | { id: string; en: string };
function name(title: Title): LanguageMap | undefined {
  const map: LanguageMap = {};
  const [indonesian, english] = typeof title === 'string' ? [title, ''] : [title.id, title.en];
  if (indonesian.trim()) map[contentLanguage] = indonesian.trim();
  if (english.trim()) map['en-US'] = english.trim();
  return Object.keys(map).length ? map : undefined;
}

const agentOf = (base: string, user: string): Agent => ({ objectType: 'Agent', account: { homePage: base, name: user } });

const activityOf = (id: string, type: string, title: Title, extra: Record<string, unknown> = {}): Activity => {
  const named = name(title);
  const hasExtensions = Object.keys(extra).length > 0;
  return {
    objectType: 'Activity',
    id,
    definition: { type, ...(named ? { name: named } : {}), ...(hasExtensions ? { extensions: extra } : {}) },
  };
};

/** The trainee's enrolment in the cohort, as xAPI's registration: the same UUID in every statement of it. */
export const registrationOf = (base: string, cohort: string, trainee: string) =>
  uuidV5(`registration|${base}|${cohort}|${trainee}`);

/**
 * A statement's id, from the event's identity (its name, its trainee, what it is about, when it
 * happened): a retried or replayed event makes the statement again with the same id, which the LRS
 * already has (it stores one; see worker.ts for the 409).
 */
export const statementIdOf = (base: string, parts: (string | Date)[]) =>
  uuidV5([base, ...parts.map((part) => (part instanceof Date ? part.toISOString() : part))].join('|'));

type Common = { trainee: string; cohort: string; institution: string; at: Date };

function statement(
  setting: Setting,
  event: Common,
  identity: (string | Date)[],
  parts: Pick<Statement, 'verb' | 'object' | 'result'> & { instructor?: string | null },
): Statement {
  const { base, cohort } = setting;
  const types = activityTypes(base);
  return {
    id: statementIdOf(base, identity),
    actor: agentOf(base, event.trainee),
    verb: { id: parts.verb.id, display: { ...parts.verb.display } },
    object: parts.object,
    ...(parts.result ? { result: parts.result } : {}),
    context: {
      registration: registrationOf(base, event.cohort, event.trainee),
      ...(parts.instructor ? { instructor: agentOf(base, parts.instructor) } : {}),
      contextActivities: {
        parent: [activityOf(activityIri.cohort(base, event.cohort), types.cohort, cohort?.name ?? '')],
        ...(cohort
          ? { grouping: [activityOf(activityIri.program(base, cohort.program.id), types.course, cohort.program.title)] }
          : {}),
      },
      platform,
      language: contentLanguage,
      extensions: { [extensions(base).institution]: event.institution },
    },
    timestamp: event.at.toISOString(),
    version: xapiVersion,
  };
}

/** Each module a trainee finished (its every lesson done): "completed" the module. */
export function moduleCompletedStatements(setting: Setting, event: DomainEvents['lesson.completed']): Statement[] {
  return event.modules.map((module) =>
    statement(setting, event, ['lesson.completed', event.trainee, event.cohort, module.id, event.at], {
      verb: verbs.completed,
      object: activityOf(activityIri.module(setting.base, module.id), activityTypes(setting.base).module, module.title),
      result: { completion: true },
    }),
  );
}

/** A ratio to four places: plenty for a score, and the same number every time it is made. */
const scaledOf = (score: number, max: number) => Math.min(1, Math.max(-1, Math.round((score / max) * 10_000) / 10_000));

/**
 * A graded quiz or assignment: "passed" or "failed" with `success`, against its pass mark; where it
 * has none, "scored" (ADL's verb for a result with a number and no judgement), without `success`.
 */
export function assessmentGradedStatement(setting: Setting, event: DomainEvents['assessment.graded']): Statement {
  const { base } = setting;
  const verb = event.passed === true ? verbs.passed : event.passed === false ? verbs.failed : verbs.scored;
  const hasRange = event.maxScore > 0;
  const raw = hasRange ? Math.min(Math.max(event.score, 0), event.maxScore) : Math.max(event.score, 0);
  const figures = `${event.score}/${event.maxScore}/${event.passed}`;
  return statement(setting, event, ['assessment.graded', event.trainee, event.cohort, event.assessment, event.at, figures], {
    verb,
    object: activityOf(activityIri.assessment(base, event.kind, event.assessment), activityTypes(base).assessment, event.title, {
      [extensions(base).assessmentKind]: event.kind,
    }),
    result: {
      score: hasRange ? { raw, min: 0, max: event.maxScore, scaled: scaledOf(raw, event.maxScore) } : { raw, min: 0 },
      ...(event.passed === null ? {} : { success: event.passed }),
      completion: true,
    },
    instructor: event.actor,
  });
}

/** Minutes as an ISO 8601 duration: PT45M, or PT12M30S for a part of a minute. */
export function durationOf(minutes: number): string {
  const seconds = Math.max(0, Math.round(minutes * 60));
  const whole = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `PT${whole}M` : `PT${whole}M${rest}S`;
}

/**
 * A live class a trainee was in: "attended", with the minutes inside the class as `result.duration`.
 * Absent (0 minutes): no statement.
 */
export function liveAttendedStatement(setting: Setting, event: DomainEvents['live.attended']): Statement | null {
  if (event.minutes <= 0) return null;
  const { base } = setting;
  const figures = `${event.minutes}/${event.heldMinutes}`;
  return statement(setting, event, ['live.attended', event.trainee, event.cohort, event.session, event.at, figures], {
    verb: verbs.attended,
    object: activityOf(activityIri.liveClass(base, event.session), activityTypes(base).meeting, event.title),
    result: {
      duration: durationOf(event.minutes),
      extensions: { [extensions(base).classDuration]: durationOf(event.heldMinutes) },
    },
  });
}

/**
 * An assessor's verdict on a competency unit: "passed" the unit for K (kompeten), "failed" for BK
 * (belum kompeten), with `success` and the verdict itself in an extension; the unit is an
 * objective. A unit reopened for re-assessment (verdict null) makes no statement: the next verdict
 * does, and the LRS reads the latest.
 */
export function verdictStatement(setting: Setting, event: DomainEvents['verdict.given']): Statement | null {
  if (event.verdict === null) return null;
  const { base } = setting;
  const competent = event.verdict === 'K';
  return statement(setting, event, ['verdict.given', event.trainee, event.cohort, event.unit, event.verdict, event.at], {
    verb: competent ? verbs.passed : verbs.failed,
    object: activityOf(activityIri.unit(base, event.unit), activityTypes(base).objective, event.unitTitle),
    result: { success: competent, completion: true, extensions: { [extensions(base).verdict]: event.verdict } },
    instructor: event.actor,
  });
}

/**
 * A statement that takes back an earlier one (xAPI's voiding, Data §2.3.2): made when a record was
 * corrected after its statement went out (a live class summarised again with other minutes, a quiz
 * attempt regraded). The actor is the earlier statement's; its id comes from the voided id, so
 * voiding twice is one statement.
 */
export function voidingStatement(voided: Pick<Statement, 'id' | 'actor'>, at: Date): Statement {
  return {
    id: uuidV5(`voided|${voided.id}`),
    actor: voided.actor,
    verb: { id: verbs.voided.id, display: { ...verbs.voided.display } },
    object: { objectType: 'StatementRef', id: voided.id },
    timestamp: at.toISOString(),
    version: xapiVersion,
  };
}
