import { findLsp } from '../certification/lsps.js';
import { findCohort } from '../cohorts/service.js';
import { type DomainEvents, type Followers, follow } from '../platform/events.js';
import type { Logger } from '../platform/logger.js';
import { namesOfUsers } from '../users/directory.js';
import { recordActivity, recordAudit, recordLessonCompleted, recordLessonOpened, recordLessonReopened } from './record.js';

/**
 * Fills both logs from the domain events (platform/events.ts). Each entry has a natural key made
 * of what the event is about and when it happened, so the same event told twice (a retried
 * request, two processes) writes one entry. Names are looked up when the entry is written and
 * kept with it: the audit log says who did it under the name they had then.
 */

const ms = (at: Date) => new Date(at).getTime();
const base = (event: { trainee: string; cohort: string; institution: string; at: Date }) => ({
  trainee: String(event.trainee),
  cohort: String(event.cohort),
  institution: String(event.institution),
  at: new Date(event.at),
});

async function nameOf(id: string | null): Promise<string> {
  if (!id) return '';
  return (await namesOfUsers([id])).get(String(id)) ?? '';
}

/** The cohort's name, or '' when it is gone (the entry is still worth keeping). */
async function cohortNameOf(id: string): Promise<string> {
  try {
    return (await findCohort(String(id))).name;
  } catch {
    return '';
  }
}

/** What every audit entry about a trainee of a cohort carries: who, about whom, where. */
async function auditAbout(actor: string, event: { trainee: string; cohort: string; institution: string }) {
  const names = await namesOfUsers([actor, event.trainee]);
  return {
    actor: String(actor),
    actorName: names.get(String(actor)) ?? '',
    trainee: String(event.trainee),
    traineeName: names.get(String(event.trainee)) ?? '',
    cohort: String(event.cohort),
    cohortName: await cohortNameOf(event.cohort),
    institution: String(event.institution),
  };
}

/**
 * Enrolment changes the audit log keeps: every one a person made, but a trainee's own application
 * (a request, not a decision) and the system's own steps (actor null: a waitlist moving up).
 */
function isEnrolmentDecision(event: DomainEvents['enrolment.changed']): event is DomainEvents['enrolment.changed'] & {
  actor: string;
} {
  if (event.actor === null) return false;
  return !(String(event.actor) === String(event.trainee) && event.to === 'applied');
}

export const activityFollowers: Followers = {
  'lesson.opened': (event) => recordLessonOpened({ ...base(event), lesson: String(event.lesson), title: event.title }),

  'lesson.completed': async (event) => {
    for (const lesson of event.lessons) {
      await recordLessonCompleted(base(event), lesson, {
        done: event.done,
        total: event.total,
        modules: event.modules.map((module) => module.title),
      });
    }
  },

  'lesson.reopened': (event) => recordLessonReopened(base(event), String(event.lesson), { done: event.done, total: event.total }),

  'assessment.submitted': (event) =>
    recordActivity({
      key: `submitted:${event.trainee}:${event.assessment}:${ms(event.at)}`,
      ...base(event),
      kind: 'submitted',
      subject: String(event.assessment),
      title: event.title,
      detail: { assessmentKind: event.kind },
    }),

  'assessment.graded': async (event) => {
    const detail = { assessmentKind: event.kind, score: event.score, maxScore: event.maxScore, passed: event.passed };
    const key = `${event.trainee}:${event.assessment}:${ms(event.at)}`;
    await recordActivity({
      key: `graded:${key}`,
      ...base(event),
      kind: 'graded',
      subject: String(event.assessment),
      title: event.title,
      detail,
    });
    // An automatic quiz grade is nobody's decision: only a person's grade is audited.
    if (event.actor === null) return;
    await recordAudit({
      key: `grade:${key}`,
      ...(await auditAbout(event.actor, event)),
      action: 'grade',
      subject: { kind: 'assessment', id: String(event.assessment), label: event.title },
      detail,
      at: new Date(event.at),
    });
  },

  'verdict.given': async (event) => {
    // The unit's title in both languages (the page shows the reader's); `title` keeps the Indonesian.
    const unitTitle = { id: event.unitTitle?.id ?? '', en: event.unitTitle?.en ?? '' };
    const detail = { verdict: event.verdict, previous: event.previous, unitTitle };
    const key = `${event.trainee}:${event.cohort}:${event.unit}:${ms(event.at)}`;
    await recordActivity({
      key: `verdict:${key}`,
      ...base(event),
      kind: 'verdict',
      subject: event.unit,
      title: unitTitle.id,
      detail,
    });
    if (event.actor === null) return;
    await recordAudit({
      key: `verdict:${key}`,
      ...(await auditAbout(event.actor, event)),
      action: event.verdict === null ? 'verdictReopened' : 'verdict',
      subject: { kind: 'unit', id: event.unit, label: `${event.unit} ${unitTitle.id}`.trim() },
      detail: { from: event.previous, to: event.verdict, unitTitle },
      at: new Date(event.at),
    });
  },

  'live.attended': (event) =>
    recordActivity({
      // One attendance per trainee and class, however often the class's end is processed.
      key: `attended:${event.trainee}:${event.session}`,
      ...base(event),
      kind: 'attended',
      subject: String(event.session),
      title: event.title,
      detail: { minutes: event.minutes, heldMinutes: event.heldMinutes },
    }),

  'enrolment.changed': async (event) => {
    const key = `${event.enrollment}:${event.to ?? 'deleted'}:${ms(event.at)}`;
    const cohortName = await cohortNameOf(event.cohort);
    await recordActivity({
      key: `enrolment:${key}`,
      ...base(event),
      kind: 'enrolment',
      subject: String(event.enrollment),
      title: cohortName,
      detail: { from: event.from, to: event.to },
    });
    if (!isEnrolmentDecision(event)) return;
    const about = await auditAbout(event.actor, event);
    await recordAudit({
      key: `enrolment:${key}`,
      ...about,
      action: 'enrolmentDecision',
      subject: { kind: 'enrollment', id: String(event.enrollment), label: about.traineeName },
      detail: { from: event.from, to: event.to },
      at: new Date(event.at),
    });
  },

  'completion.approved': (event) => completionEntries(event, 'approved'),
  'completion.revoked': (event) => completionEntries(event, 'revoked'),

  'certification.result': async (event) => {
    const key = `${event.trainee}:${event.cohort}:${event.lsp}:${ms(event.at)}`;
    const lspName = await findLsp(String(event.lsp)).then(
      (lsp) => lsp.name,
      () => '',
    );
    const detail = { result: event.result, certified: event.certified, previous: event.previous };
    await recordActivity({
      key: `certification:${key}`,
      ...base(event),
      kind: 'certification',
      subject: String(event.lsp),
      title: lspName,
      detail,
    });
    // The certification body decided: it is the actor, under its name in the register.
    const traineeName = await nameOf(event.trainee);
    await recordAudit({
      key: `certification:${key}`,
      actor: String(event.lsp),
      actorKind: 'lsp',
      actorName: lspName,
      action: 'certificationResult',
      subject: { kind: 'trainee', id: String(event.trainee), label: traineeName },
      trainee: String(event.trainee),
      traineeName,
      cohort: String(event.cohort),
      cohortName: await cohortNameOf(event.cohort),
      institution: String(event.institution),
      detail,
      at: new Date(event.at),
    });
  },

  'employment.reported': (event) =>
    recordActivity({
      key: `employment:${event.trainee}:${event.cohort}:${event.wave}:${ms(event.at)}`,
      ...base(event),
      kind: 'employment',
      subject: String(event.wave),
      title: '',
      detail: { wave: event.wave, employed: event.employed, previous: event.previous },
    }),

  'export.made': async (event) => {
    await recordAudit({
      key: `export:${event.actor}:${event.what}:${event.format}:${ms(event.at)}`,
      actor: String(event.actor),
      actorName: await nameOf(event.actor),
      action: 'export',
      subject: { kind: 'export', id: event.what, label: event.what },
      institution: event.institution === null ? null : String(event.institution),
      detail: { what: event.what, format: event.format, rows: event.rows },
      at: new Date(event.at),
    });
  },
};

async function completionEntries(event: DomainEvents['completion.approved'], status: 'approved' | 'revoked') {
  await recordActivity({
    key: `completion:${event.record}:${status}`,
    ...base(event),
    kind: 'completion',
    subject: String(event.record),
    title: '',
    detail: { status },
  });
  const about = await auditAbout(event.actor, event);
  await recordAudit({
    key: `completion:${event.record}:${status}`,
    ...about,
    action: status === 'approved' ? 'completionApproved' : 'completionRevoked',
    subject: { kind: 'completionRecord', id: String(event.record), label: about.traineeName },
    detail: { enrollment: String(event.enrollment) },
    at: new Date(event.at),
  });
}

/** Starts following the events (app.ts, through registerActivityRoutes). */
export function followActivity(log: Pick<Logger, 'error'>): void {
  follow('activity', activityFollowers, log);
}
