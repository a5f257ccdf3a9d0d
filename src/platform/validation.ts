import { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';

/** A zod issue as a field and an i18n key; `input` is what was validated, to tell missing from wrong. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): FieldIssue {
  const field = issue.path.join('.') || '_';
  // Our own messages are i18n keys: `validation.*` on any check, a feature's key on a custom refinement.
  if (issue.message.startsWith('validation.') || (issue.code === 'custom' && /^[a-z]\w*(\.\w+)+$/.test(issue.message))) {
    return { field, key: issue.message };
  }
  const given = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], input);
  if (given === undefined || (typeof given === 'string' && given.trim() === '')) return { field, key: 'validation.required' };
  switch (issue.code) {
    case 'invalid_type':
      return { field, key: 'validation.invalid' };
    case 'too_small':
      if (issue.origin === 'string') return { field, key: 'validation.tooShort', params: { min: Number(issue.minimum) } };
      return { field, key: 'validation.tooSmall', params: { min: Number(issue.minimum) } };
    case 'too_big':
      return issue.origin === 'string'
        ? { field, key: 'validation.tooLong', params: { max: Number(issue.maximum) } }
        : { field, key: 'validation.tooBig', params: { max: Number(issue.maximum) } };
    case 'invalid_format':
      return { field, key: issue.format === 'email' ? 'validation.email' : 'validation.invalid' };
    case 'invalid_value':
      return { field, key: 'validation.choice' };
    case 'unrecognized_keys':
      return { field: issue.keys[0] ?? field, key: 'validation.unknownField' };
    default:
      return { field, key: 'validation.invalid' };
  }
}

/** Parses input at the edge; bad input becomes a ValidationError naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const seen = new Set<string>();
  const fields = result.error.issues
    .map((issue) => describeIssue(issue, input))
    .filter((issue) => {
      if (seen.has(issue.field)) return false; // one message per field is enough to fix it
      seen.add(issue.field);
      return true;
    });
  throw new ValidationError(fields);
}

/** A MongoDB ObjectId as it arrives in a form, a path or JSON. */
export const objectIdField = z.string().regex(/^[0-9a-f]{24}$/i, 'validation.invalid');

/**
 * A checkbox: a form sends "on"/"true" when ticked (with a hidden "false" before it, an array),
 * nothing or "false" when not; JSON sends a boolean. `whenAbsent` is the value when not sent.
 */
export function checkboxField(whenAbsent: boolean) {
  return z.preprocess((value) => {
    if (value === undefined) return whenAbsent;
    if (typeof value === 'boolean') return value;
    return ([] as unknown[]).concat(value).some((item) => item === 'on' || item === 'true');
  }, z.boolean());
}

/** The API shape of a page of results (see pagination.ts): `total` is null while more pages follow. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), page: z.number(), hasMore: z.boolean(), total: z.number().nullable() });
}
