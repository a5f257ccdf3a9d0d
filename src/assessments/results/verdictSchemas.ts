import { z } from 'zod';
import { verdictStatuses } from './model.js';
import { evidenceLink, type UnitDrillDown, verdictLimits } from './verdicts.js';

const status = z.enum(verdictStatuses, { message: 'assessments.verdicts.errors.status' });
const reason = z.string().trim().max(verdictLimits.reason, 'validation.tooLong').default('');
const note = z.string().trim().max(verdictLimits.note, 'validation.tooLong').default('');

/** The verdict form: K or BK, a reason (required by the service when it departs from the proposal), the revision shown. */
export const verdictForm = z.object({ status, reason, revision: z.coerce.number().int().min(0) });
export const verdictBody = z.object({ status, reason, revision: z.number().int().min(0) });
export const reassessmentForm = z.object({ note, revision: z.coerce.number().int().min(0) });
export const reassessmentBody = z.object({ note, revision: z.number().int().min(0) });

// --- API answers ------------------------------------------------------------------------------------
const statusOrNull = z.enum(verdictStatuses).nullable();
const state = z.object({ status: z.enum(verdictStatuses), proposed: statusOrNull, reason: z.string() });
const unitQuiz = z.object({ id: z.string(), title: z.string() });

export const unitResultResponse = z.object({
  cohort: z.string(),
  trainee: z.object({ id: z.string(), name: z.string() }),
  unit: z.object({ code: z.string(), title: z.object({ id: z.string(), en: z.string() }) }),
  criteria: z.array(
    z.object({ ref: z.string(), no: z.string(), text: z.string(), state: z.enum(['met', 'notYetMet', 'unassessed']) }),
  ),
  quizzes: z.array(
    unitQuiz.extend({
      result: z
        .object({
          attempt: z.string(),
          percent: z.number().nullable(),
          passed: z.boolean().nullable(),
          attempts: z.number(),
          at: z.string(),
        })
        .nullable(),
    }),
  ),
  evidence: z.array(
    z.object({
      key: z.string(),
      source: z.string(),
      id: z.string(),
      title: z.string(),
      criteria: z.array(z.object({ ref: z.string(), met: z.boolean() })),
      at: z.string(),
      /** The page where the evidence is read, when it has one. */
      link: z.string().nullable(),
    }),
  ),
  proposal: z.object({
    proposed: statusOrNull,
    met: z.array(z.string()),
    notYetMet: z.array(z.string()),
    unassessed: z.array(z.string()),
    passed: z.array(unitQuiz),
    failed: z.array(unitQuiz),
    pending: z.array(unitQuiz),
  }),
  verdict: state.extend({ evidence: z.array(z.string()), by: z.string(), byName: z.string(), at: z.string() }).nullable(),
  reassessment: z.object({ note: z.string(), by: z.string(), byName: z.string(), at: z.string() }).nullable(),
  /** Send it back with a change: a result changed since answers 409. */
  revision: z.number(),
  history: z.array(
    z.object({
      revision: z.number(),
      kind: z.enum(['confirm', 'override', 'change', 'reassess']),
      before: state.nullable(),
      after: state.nullable(),
      note: z.string(),
      by: z.string(),
      byName: z.string(),
      at: z.string(),
    }),
  ),
});

const iso = (value: Date | string) => new Date(value).toISOString();

/** The drill-down as the API answers it. */
export function apiUnitResult(found: UnitDrillDown): z.input<typeof unitResultResponse> {
  const { result } = found;
  return {
    cohort: found.cohort.id,
    trainee: { id: found.trainee.id, name: found.trainee.name },
    unit: { code: result.unit, title: result.title },
    criteria: result.criteria.map(({ ref, no, text, state: criterionState }) => ({ ref, no, text, state: criterionState })),
    quizzes: result.quizzes.map((quiz) => ({
      id: quiz.id,
      title: quiz.title,
      result: quiz.result
        ? {
            attempt: quiz.result.attempt,
            percent: quiz.result.percent ?? null,
            passed: quiz.result.passed ?? null,
            attempts: quiz.result.attempts ?? 1,
            at: iso(quiz.result.at),
          }
        : null,
    })),
    evidence: result.evidence.map((item) => ({
      key: item.key,
      source: item.source,
      id: item.id,
      title: item.title ?? '',
      criteria: (item.criteria ?? []).map((criterion) => ({ ref: criterion.ref ?? '', met: criterion.met === true })),
      at: iso(item.at),
      link: evidenceLink(item.source, item.id),
    })),
    proposal: result.proposal,
    verdict: result.verdict
      ? {
          status: result.verdict.status as 'K' | 'BK',
          proposed: (result.verdict.proposed as 'K' | 'BK' | null) ?? null,
          reason: result.verdict.reason ?? '',
          evidence: [...(result.verdict.evidence ?? [])],
          by: String(result.verdict.by),
          byName: result.verdict.byName ?? '',
          at: iso(result.verdict.at),
        }
      : null,
    reassessment: result.reassessment
      ? {
          note: result.reassessment.note ?? '',
          by: String(result.reassessment.by),
          byName: result.reassessment.byName ?? '',
          at: iso(result.reassessment.at),
        }
      : null,
    revision: result.verdictRevision,
    history: found.history.map((entry) => ({ ...entry, kind: entry.kind as 'confirm', at: iso(entry.at) })),
  };
}
