import type { Logger } from './logger.js';

/**
 * What happened in a feature that other features follow: monitoring keeps its summaries and live
 * dashboards up to date from these, the activity and audit logs record them, and xAPI turns them
 * into learning-record statements. The feature that owns the record publishes after the record is
 * saved; followers never change the record itself, so a follower's failure is logged and the
 * user's action still succeeds (summaries can be rebuilt from the records).
 *
 * Ids are strings; `institution` is the cohort's (or the applicant's) institution, so every
 * follower can keep an institution's data to that institution. `actor` is who did it, null for the
 * system (an automatic quiz grade, a periodic step).
 */
/** A completion record and whose it is (approved or revoked). */
type RecordEvent = {
  actor: string;
  record: string;
  enrollment: string;
  trainee: string;
  cohort: string;
  institution: string;
  at: Date;
};

export type DomainEvents = {
  /** A trainee opened a lesson page. */
  'lesson.opened': { trainee: string; cohort: string; institution: string; lesson: string; title: string; at: Date };
  /**
   * Lessons newly done by a trainee (a replayed event that changed nothing is not published).
   * `done`/`total` are the trainee's lessons of the cohort's version after the change.
   */
  'lesson.completed': {
    trainee: string;
    cohort: string;
    institution: string;
    lessons: { id: string; title: string }[];
    /** Modules whose every lesson is done now and was not before. */
    modules: { id: string; title: string }[];
    done: number;
    total: number;
    at: Date;
  };
  /** A trainee undid a lesson's completion. */
  'lesson.reopened': {
    trainee: string;
    cohort: string;
    institution: string;
    lesson: string;
    done: number;
    total: number;
    at: Date;
  };
  /** A quiz attempt or an assignment's evidence was handed in. */
  'assessment.submitted': {
    trainee: string;
    cohort: string;
    institution: string;
    kind: 'quiz' | 'assignment';
    assessment: string;
    title: string;
    at: Date;
  };
  /**
   * A result that counts: a quiz attempt graded (automatically, or after essays were marked) or an
   * assignment graded. `passed` is null where the assessment has no pass mark.
   */
  'assessment.graded': {
    actor: string | null;
    trainee: string;
    cohort: string;
    institution: string;
    kind: 'quiz' | 'assignment';
    assessment: string;
    title: string;
    score: number;
    maxScore: number;
    passed: boolean | null;
    at: Date;
  };
  /** An assessor's verdict on a unit for a trainee (K competent, BK not yet); null when reopened for re-assessment. */
  'verdict.given': {
    actor: string | null;
    trainee: string;
    cohort: string;
    institution: string;
    unit: string;
    /** The unit's title in Indonesian and English. */
    unitTitle: { id: string; en: string };
    verdict: 'K' | 'BK' | null;
    previous: 'K' | 'BK' | null;
    at: Date;
  };
  /**
   * A trainee's attendance of a live class that has ended (minutes inside the class's window), for
   * every trainee of the cohort (0 minutes: absent). Told again with the same or corrected figures
   * when the class is summarised again, so followers keep one entry per trainee and session.
   */
  'live.attended': {
    trainee: string;
    cohort: string;
    institution: string;
    session: string;
    title: string;
    minutes: number;
    heldMinutes: number;
    at: Date;
  };
  /** An enrolment's status changed (applied, enrolled, rejected, withdrawn, completed, or deleted = null). */
  'enrolment.changed': {
    actor: string | null;
    enrollment: string;
    trainee: string;
    cohort: string;
    institution: string;
    from: string | null;
    to: string | null;
    /** When the trainee was given their place (kept after a withdrawal), null before. */
    enrolledAt: Date | null;
    at: Date;
  };
  /** A completion record approved (a reissue too) or revoked. */
  'completion.approved': RecordEvent;
  'completion.revoked': RecordEvent;
  /** A certification body's result for a trainee; `certified` is true for a competent result. */
  'certification.result': {
    trainee: string;
    cohort: string;
    institution: string;
    lsp: string;
    result: string;
    certified: boolean;
    previous: boolean | null;
    at: Date;
  };
  /** A graduate answered an employment survey; `employed` counts work and self-employment. */
  'employment.reported': {
    trainee: string;
    cohort: string;
    institution: string;
    wave: number;
    employed: boolean;
    previous: boolean | null;
    at: Date;
  };
  /** A counselling session was recorded for an applicant (their first one sets `first`). */
  'counselling.recorded': {
    actor: string;
    applicant: string;
    institution: string;
    program: string | null;
    first: boolean;
    at: Date;
  };
  /** Someone downloaded an export: what table, in which format, how many rows. */
  'export.made': { actor: string; institution: string | null; what: string; format: 'csv' | 'xlsx'; rows: number; at: Date };
};

export type DomainEventName = keyof DomainEvents;
type Handler<N extends DomainEventName> = (event: DomainEvents[N]) => unknown | Promise<unknown>;
export type Followers = { [N in DomainEventName]?: Handler<N> };

const followers = new Map<string, Followers>();
let log: Pick<Logger, 'error'> | undefined;

/**
 * Registers a follower's handlers under a name. Registering the same name again replaces them
 * (each app built in a test process registers its features again; one set of handlers runs).
 */
export function follow(name: string, handlers: Followers, logger?: Pick<Logger, 'error'>): void {
  followers.set(name, handlers);
  if (logger) log = logger;
}

/** Stops a follower (tests that check what happens without one). */
export function unfollow(name: string): void {
  followers.delete(name);
}

/**
 * Tells every follower, one after another, and returns when all have finished, so that the page
 * the user sees next (and a test's next line) already reflects the event. A follower that fails is
 * logged and the others still run.
 */
export async function publish<N extends DomainEventName>(name: N, event: DomainEvents[N]): Promise<void> {
  for (const [follower, handlers] of followers) {
    const handler = handlers[name] as Handler<N> | undefined;
    if (!handler) continue;
    try {
      await handler(event);
    } catch (error) {
      log?.error({ err: error, event: name, follower }, 'an event follower failed');
    }
  }
}
