import { z } from 'zod';
import { type FieldIssue, ValidationError } from '../platform/errors.js';
import { checkboxField, parseInput } from '../platform/validation.js';
import { isIsoDate, nikProblem, normaliseNik } from './nik.js';

/**
 * The consent text a trainee agrees to, by version: the words are in the locales
 * (certification.consent.v1); a new wording gets a new version, and each profile keeps the
 * version it was given under.
 */
export const consentTextVersion = 'v1';

const earliestBirth = '1900-01-01';

/**
 * What a trainee gives when asking for certification. The NIK is checked on its own (digits,
 * length, province, date part) and against the date of birth (a woman's day plus 40), so a swapped
 * digit or a wrong date is caught while they can fix it; every field's problem is said at once.
 */
export const profileInput = z.object({
  nik: z
    .string()
    .max(40)
    .transform(normaliseNik)
    .superRefine((nik, context) => {
      const problem = nik ? nikProblem(nik) : null;
      if (problem) context.addIssue({ code: 'custom', message: `certification.nik.${problem}` });
    })
    .refine((nik) => nik.length > 0, 'validation.required'),
  placeOfBirth: z.string().trim().min(2).max(100),
  dateOfBirth: z
    .string()
    .trim()
    .refine(
      (value) => isIsoDate(value) && value >= earliestBirth && value <= new Date().toISOString().slice(0, 10),
      'certification.request.errors.dateOfBirth',
    ),
  consent: checkboxField(false).refine((given) => given, 'certification.request.errors.consent'),
});

/** The input, or a ValidationError naming every field at fault, the NIK's date part included. */
export function parseProfile(body: unknown): z.output<typeof profileInput> {
  let issues: FieldIssue[] = [];
  let parsed: z.output<typeof profileInput> | undefined;
  try {
    parsed = parseInput(profileInput, body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues = [...error.fields];
  }
  // The date part against the date of birth, once both are right on their own.
  const raw = (body ?? {}) as Record<string, unknown>;
  const nik = normaliseNik(String(raw.nik ?? ''));
  const dateOfBirth = String(raw.dateOfBirth ?? '').trim();
  const fieldsFine = !issues.some((issue) => issue.field === 'nik' || issue.field === 'dateOfBirth');
  if (fieldsFine && nikProblem(nik, dateOfBirth) === 'mismatch') {
    issues.push({ field: 'nik', key: 'certification.nik.mismatch' });
  }
  if (issues.length || !parsed) throw new ValidationError(issues);
  return parsed;
}
export type ProfileInput = z.output<typeof profileInput>;

/** A profile as its trainee and their coordinators see it; `nik` is masked for everyone else. */
export type ProfileView = {
  trainee: string;
  nik: string;
  masked: boolean;
  placeOfBirth: string;
  dateOfBirth: string;
  hasPhoto: boolean;
  consent: { at: Date; textVersion: string };
  updatedAt: Date;
};
