import { z } from 'zod';
import { objectIdField } from '../../platform/validation.js';
import { maxBatchRecords } from '../model.js';
import { isIsoDate } from '../nik.js';

/**
 * The results API's input: per trainee of the batch, found by the completion record's code
 * (`recordCode`, as printed: ABCD-EFGH-JKMN, dashes optional) or the batch item's record id
 * (`record`, as in the batch's JSON), either certified or not certified.
 */
const day = z
  .string()
  .refine(isIsoDate, 'certificationDelivery.results.errors.date')
  .meta({ description: 'A calendar date, YYYY-MM-DD', example: '2026-02-01' });

const who = {
  recordCode: z
    .string()
    .trim()
    .min(1)
    .max(20)
    .optional()
    .meta({ description: 'The completion record code, e.g. ABCD-EFGH-JKMN' }),
  record: objectIdField.optional().meta({ description: "The batch item's record id (items[].record in the batch JSON)" }),
};

const certified = z.strictObject({
  ...who,
  outcome: z.literal('certified'),
  certificateNumber: z.string().trim().min(1).max(100),
  issuedOn: day,
  validUntil: day,
});

const notCertified = z.strictObject({
  ...who,
  outcome: z.literal('notCertified'),
  /** The unit codes the LSP found not yet competent (belum kompeten). */
  units: z.array(z.string().trim().min(1).max(40)).min(1).max(100),
});

export const resultInput = z.discriminatedUnion('outcome', [certified, notCertified]);
export type ResultInput = z.output<typeof resultInput>;

export const resultsBody = z.strictObject({ results: z.array(resultInput).min(1).max(maxBatchRecords) });
export type ResultsBody = z.output<typeof resultsBody>;

export const resultsResponse = z.object({
  results: z.array(
    z.object({
      record: z.string(),
      recordCode: z.string(),
      outcome: z.enum(['certified', 'notCertified']),
      /** `recorded`: first report; `updated`: a different report replaced the last (kept in history); `unchanged`: the same again. */
      change: z.enum(['recorded', 'updated', 'unchanged']),
    }),
  ),
});

export const lspBatchSummary = z.object({
  id: z.string(),
  scheme: z.object({ code: z.string(), name: z.string() }),
  handedAt: z.string().nullable(),
  items: z.number().int(),
  /** How many of the batch's trainees have a result reported. */
  results: z.number().int(),
});

/** The route-back form: what the trainee is to redo, in the coordinator's words (optional). */
export const routeBackForm = z.object({ note: z.string().trim().max(1_000).default('') });
