import type { TFunction } from 'i18next';
import type { ActivityView, AuditView } from './service.js';

/** An LSP's outcome in words ("Belum kompeten"), as the certification pages say it. */
const outcomeText = (t: TFunction, result: unknown) =>
  t(`certificationDelivery.results.outcome.${String(result ?? '')}`, { defaultValue: String(result ?? '') });

/** The logs' entries in words, the same on the pages and in the API (`text`). */

const A = 'activity.entry.';
const U = 'activity.audit.entry.';

/** A title kept in both languages ({ id, en }: a unit's), in the reader's; else the one given. */
function inLanguage(language: string, titles: unknown, fallback: string): string {
  const both = titles as { id?: string; en?: string } | undefined;
  return (language === 'en' ? both?.en : both?.id) || both?.id || fallback;
}

const num = (value: unknown) => (typeof value === 'number' ? value : 0);
const verdictWord = (t: TFunction, verdict: unknown) =>
  verdict === 'K' || verdict === 'BK' ? t(`activity.verdict.${verdict}`) : t('activity.verdict.none');
const statusWord = (t: TFunction, status: unknown) =>
  typeof status === 'string' ? t(`enrolment.status.${status}`) : t('activity.enrolmentDeleted');
const passedWord = (t: TFunction, passed: unknown) =>
  passed === true ? ` · ${t('activity.passed')}` : passed === false ? ` · ${t('activity.notPassed')}` : '';

export function activityText(t: TFunction, language: string, entry: ActivityView, cohortName = ''): string {
  const d = entry.detail;
  const title = entry.kind === 'verdict' ? inLanguage(language, d.unitTitle, entry.title) : entry.title;
  switch (entry.kind) {
    case 'lessonOpened':
      return t(`${A}lessonOpened`, { title });
    case 'lessonCompleted':
      return t(`${A}lessonCompleted`, { title, done: num(d.done), total: num(d.total) });
    case 'lessonReopened':
      return t(`${A}lessonReopened`, { title });
    case 'submitted':
      return t(`${A}submitted.${d.assessmentKind === 'assignment' ? 'assignment' : 'quiz'}`, { title });
    case 'graded':
      return t(`${A}graded`, { title, score: num(d.score), maxScore: num(d.maxScore) }) + passedWord(t, d.passed);
    case 'verdict':
      return d.verdict === null
        ? t(`${A}verdictReopened`, { unit: entry.subject, title })
        : t(`${A}verdict`, { unit: entry.subject, title, verdict: verdictWord(t, d.verdict) });
    case 'attended':
      return t(`${A}attended`, { title, minutes: num(d.minutes), held: num(d.heldMinutes) });
    case 'enrolment':
      return t(`${A}enrolment`, { cohort: cohortName || title, status: statusWord(t, d.to) });
    case 'completion':
      return t(`${A}completion.${d.status === 'revoked' ? 'revoked' : 'approved'}`);
    case 'certification':
      return t(`${A}certification.${d.certified ? 'certified' : 'other'}`, { lsp: title, result: outcomeText(t, d.result) });
    case 'employment':
      return t(`${A}employment.${d.employed ? 'employed' : 'notEmployed'}`, { wave: num(d.wave) });
  }
}

export function auditText(t: TFunction, language: string, entry: AuditView): string {
  const d = entry.detail;
  const unit = d.unitTitle ? `${entry.subject.id} ${inLanguage(language, d.unitTitle, '')}`.trim() : entry.subject.label;
  const trainee = entry.traineeName;
  switch (entry.action) {
    case 'grade':
      return (
        t(`${U}grade`, { title: entry.subject.label, trainee, score: num(d.score), maxScore: num(d.maxScore) }) +
        passedWord(t, d.passed)
      );
    case 'verdict':
      return t(`${U}verdict`, { unit, trainee, from: verdictWord(t, d.from), to: verdictWord(t, d.to) });
    case 'verdictReopened':
      return t(`${U}verdictReopened`, { unit, trainee, from: verdictWord(t, d.from) });
    case 'completionApproved':
      return t(`${U}completionApproved`, { trainee });
    case 'completionRevoked':
      return t(`${U}completionRevoked`, { trainee });
    case 'enrolmentDecision':
      return t(`${U}enrolmentDecision`, {
        trainee,
        from: d.from ? statusWord(t, d.from) : '—',
        to: statusWord(t, d.to),
      });
    case 'certificationResult':
      return t(`${U}certificationResult.${d.certified ? 'certified' : 'other'}`, { trainee, result: outcomeText(t, d.result) });
    case 'export':
      return t(`${U}export`, { what: String(d.what ?? entry.subject.label), format: String(d.format ?? ''), count: num(d.rows) });
  }
}
