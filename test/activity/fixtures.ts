import { ActivityEntry, AuditEntry } from '../../src/activity/model.js';
import type { ActivityView, AuditView } from '../../src/activity/service.js';
import { activityText, auditText } from '../../src/activity/words.js';
import { type DomainEvents, publish } from '../../src/platform/events.js';
import { translator } from '../../src/platform/i18n.js';
import type { CompletionCohort } from '../support/completion.js';

export const minute = 60_000;
export const day = 24 * 3600_000;

/** Where the events of a trainee of the fixture cohort happen. */
export const placeOf = (setup: CompletionCohort, trainee = setup.trainees[0]!.id) => ({
  trainee,
  cohort: setup.cohort,
  institution: setup.institution,
});

/** A quiz or assignment handed in (as the assessments feature tells it). */
export const submitted = (setup: CompletionCohort, at: Date, title = 'Kuis Struktur Data', trainee?: string) =>
  publish('assessment.submitted', {
    ...placeOf(setup, trainee),
    kind: 'quiz',
    assessment: `quiz-${title}`,
    title,
    at,
  });

export const attended = (setup: CompletionCohort, session: string, minutes: number, at = new Date(), trainee?: string) =>
  publish('live.attended', {
    ...placeOf(setup, trainee),
    session,
    title: 'Praktik membuat formulir',
    minutes,
    heldMinutes: 90,
    at,
  });

export const graded = (setup: CompletionCohort, actor: string | null, at = new Date(), score = 8) => {
  const event: DomainEvents['assessment.graded'] = {
    actor,
    ...placeOf(setup),
    kind: 'assignment',
    assessment: 'assignment-1',
    title: 'Tugas membuat halaman login',
    score,
    maxScore: 10,
    passed: score >= 7,
    at,
  };
  return publish('assessment.graded', event);
};

/** Everything in the activity log of the database, oldest first (tests look at what they made). */
export const allActivity = () => ActivityEntry.find({}).sort({ order: 1 }).lean();
export const allAudit = () => AuditEntry.find({}).sort({ order: 1 }).lean();

const id = translator('id');
/** An entry in Indonesian words, as the page shows it. */
export const activityWords = (entry: ActivityView, cohortName = '') => activityText(id, 'id', entry, cohortName);
export const auditWords = (entry: AuditView) => auditText(id, 'id', entry);
