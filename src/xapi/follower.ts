import { findCohort } from '../cohorts/service.js';
import type { Config } from '../platform/config.js';
import { NotFoundError } from '../platform/errors.js';
import type { DomainEvents, Followers } from '../platform/events.js';
import type { Logger } from '../platform/logger.js';
import { queueStatements, supersede } from './service.js';
import {
  assessmentGradedStatement,
  type CohortFacts,
  liveAttendedStatement,
  moduleCompletedStatements,
  type Setting,
  type Statement,
  verdictStatement,
} from './statements.js';

/**
 * The app's address as statements name it: PUBLIC_URL, else the address it listens on (development
 * and tests; production requires PUBLIC_URL with XAPI_ENDPOINT, config.ts). Trainees' accounts and
 * every activity are named under it, so it must not change once statements went out.
 */
export const xapiBase = (config: Pick<Config, 'publicUrl' | 'host' | 'port'>) =>
  config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

/** The cohort's name and program, through the cohorts' service; null when it is gone. */
async function cohortFacts(id: string): Promise<CohortFacts> {
  try {
    const cohort = await findCohort(id);
    return { name: cohort.name, program: { id: cohort.program, title: cohort.programTitle } };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/**
 * What the xAPI feature does with the domain events: each learning record becomes statements in
 * the outbox (the worker sends them). Other events make none. A failure here is logged by the
 * events module and the trainee's action still stands (events.ts).
 */
export function xapiFollowers(base: string, log: Pick<Logger, 'error'>): Followers {
  async function queue<E extends { cohort: string; institution: string }>(
    name: keyof DomainEvents,
    event: E,
    make: (setting: Setting, event: E) => Statement | Statement[] | null,
    subject?: string,
  ): Promise<void> {
    const setting: Setting = { base, cohort: await cohortFacts(event.cohort) };
    const made = make(setting, event);
    const statements = made === null ? [] : Array.isArray(made) ? made : [made];
    // A record corrected to nothing (present, then absent) takes back what was said of it.
    if (statements.length === 0 && subject) await supersede(subject, null, event.institution);
    if (statements.length === 0) return;
    await queueStatements(
      statements.map((statement) => ({ statement, event: name, institution: event.institution, subject })),
      log,
    );
  }
  return {
    'lesson.completed': (event) =>
      event.modules.length ? queue('lesson.completed', event, moduleCompletedStatements) : undefined,
    // A quiz attempt regraded is told again with the same time: its earlier grade is taken back.
    'assessment.graded': (event) =>
      queue(
        'assessment.graded',
        event,
        assessmentGradedStatement,
        `assessment.graded|${event.trainee}|${event.assessment}|${event.at.toISOString()}`,
      ),
    // A class summarised again tells each trainee's minutes again, the same or corrected.
    'live.attended': (event) =>
      queue('live.attended', event, liveAttendedStatement, `live.attended|${event.trainee}|${event.session}`),
    'verdict.given': (event) => (event.verdict === null ? undefined : queue('verdict.given', event, verdictStatement)),
  };
}
