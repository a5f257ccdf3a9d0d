import type { TFunction } from 'i18next';
import { messageLinks } from '../platform/contactLinks.js';
import type { CohortRisk, RiskReason, TraineeRisk } from './atRisk.js';

const M = 'monitoring.atRisk.';

/** A reason in the reader's words, e.g. "Tidak aktif 12 hari" or "Kehadiran 45% (minimal 80%)". */
export function reasonText(t: TFunction, reason: RiskReason): string {
  switch (reason.rule) {
    case 'inactive':
      return t(`${M}reasons.inactive`, { count: reason.days });
    case 'behind':
      return t(`${M}reasons.behind`, { done: reason.done, total: reason.total, elapsed: reason.elapsedPercent });
    case 'failed': {
      const parts: string[] = [];
      if (reason.units.length) parts.push(t(`${M}reasons.units`, { units: reason.units.join(', ') }));
      if (reason.quizzes.length)
        parts.push(t(`${M}reasons.quizzes`, { quizzes: reason.quizzes.map((quiz) => quiz.title).join(', ') }));
      return parts.join('; ');
    }
    case 'attendance':
      return t(`${M}reasons.attendance`, { percent: reason.percent, minimum: reason.minimum });
  }
}

/** A trainee as the page and the API show them: reasons in words, and a message ready to send. */
export function traineeView(t: TFunction, risk: CohortRisk, trainee: TraineeRisk) {
  const reasons = trainee.reasons.map((reason) => ({ ...reason, text: reasonText(t, reason) }));
  const firstName = trainee.name.trim().split(/\s+/)[0] ?? '';
  const text = t(`${M}message`, { name: firstName, cohort: risk.cohort.name, program: risk.cohort.programTitle });
  const subject = t(`${M}subject`, { cohort: risk.cohort.name });
  return { ...trainee, reasons, message: text, ...messageLinks(trainee, { subject, text }) };
}
export type TraineeView = ReturnType<typeof traineeView>;
