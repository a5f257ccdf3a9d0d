import { z } from 'zod';
import { checkboxField } from '../platform/validation.js';

/**
 * Webhook addresses: https, so batches (names, NIKs, photos) never cross the network in clear;
 * http only to this machine (127.0.0.1, localhost, [::1]), where tests run their receivers.
 */
export function webhookUrlProblem(value: string): string | null {
  if (value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'certification.lsps.errors.webhookUrl';
  }
  if (url.username || url.password) return 'certification.lsps.errors.webhookCredentials';
  if (url.protocol === 'https:') return null;
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && local ? null : 'certification.lsps.errors.webhookHttps';
}

/** Unit codes as typed: separated by spaces, commas, semicolons or lines; upper case. */
export const splitUnitCodes = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((code) => code.trim().toUpperCase())
    .filter(Boolean);

const schemeInput = z.object({
  code: z.string().trim().min(1).max(60),
  name: z.string().trim().min(3).max(200),
  units: z.array(z.string().max(40)).min(1, 'certification.lsps.errors.schemeUnits').max(60),
});

/** What the LSP form and the API take; schemes come as a list (the form's rows are zipped by lspForm). */
export const lspInput = z.object({
  name: z.string().trim().min(3).max(200),
  licenceNumber: z.string().trim().min(3).max(80),
  contactName: z.string().trim().max(120).default(''),
  contactEmail: z.union([z.literal(''), z.string().trim().toLowerCase().pipe(z.email())]).default(''),
  contactPhone: z
    .string()
    .trim()
    .max(30)
    .regex(/^[0-9+()\s-]*$/, 'validation.invalid')
    .default(''),
  schemes: z.array(schemeInput).max(50).default([]),
  webhookUrl: z
    .string()
    .trim()
    .max(500)
    .default('')
    .superRefine((value, context) => {
      const problem = webhookUrlProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  active: checkboxField(true),
});
export type LspInput = z.output<typeof lspInput>;

const asList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((item) => String(item));

/**
 * The LSP form's body as `lspInput` takes it: the scheme rows come as parallel fields
 * (schemeCode, schemeName, schemeUnits), one of each per row; rows left wholly empty are dropped.
 */
export function lspForm(body: Record<string, unknown>): Record<string, unknown> {
  const codes = asList(body.schemeCode);
  const names = asList(body.schemeName);
  const units = asList(body.schemeUnits);
  const rows = Math.max(codes.length, names.length, units.length);
  const schemes = [];
  for (let row = 0; row < rows; row += 1) {
    const code = codes[row] ?? '';
    const name = names[row] ?? '';
    const unitText = units[row] ?? '';
    if (!code.trim() && !name.trim() && !unitText.trim()) continue;
    schemes.push({ code, name, units: splitUnitCodes(unitText) });
  }
  return { ...body, schemes };
}

export const lspView = z.object({
  id: z.string(),
  name: z.string(),
  licenceNumber: z.string(),
  contact: z.object({ name: z.string(), email: z.string(), phone: z.string() }),
  schemes: z.array(z.object({ code: z.string(), name: z.string(), units: z.array(z.string()) })),
  webhookUrl: z.string(),
  /** Whether a webhook secret has been issued (the secret itself is never shown here). */
  hasWebhookSecret: z.boolean(),
  active: z.boolean(),
});
export type LspView = z.output<typeof lspView>;
