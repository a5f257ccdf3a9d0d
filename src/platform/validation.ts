import { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';
import { hasControlCharacters } from './text.js';

/** A zod issue as a field and an i18n key; `input` is what was validated, to tell missing from wrong. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): FieldIssue {
  const field = issue.path.join('.') || '_';
  const given = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], input);
  const missing = given === undefined || (typeof given === 'string' && given.trim() === '');
  // A field left empty (a select on its blank choice sends '') is missing, not wrong: the generic
  // 'invalid' of a pattern check, such as an id's, would tell the user nothing.
  if (missing && issue.message === 'validation.invalid') return { field, key: 'validation.required' };
  // Our own messages are i18n keys: `validation.*` on any check, a feature's key on a custom refinement.
  if (issue.message.startsWith('validation.') || (issue.code === 'custom' && /^[a-z]\w*(\.\w+)+$/.test(issue.message))) {
    // A refinement may name what it refused (`params`), for a message that says which value is wrong.
    return issue.code === 'custom' && issue.params
      ? { field, key: issue.message, params: issue.params }
      : { field, key: issue.message };
  }
  if (missing) return { field, key: 'validation.required' };
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

/** At most this many fields are named for control characters: enough to find them, bounded for a crafted body. */
const controlCharacterFieldsNamed = 20;

/**
 * The fields of `input` (strings anywhere in plain objects and arrays, keys included) that hold
 * control characters (text.ts), one issue each. Walked without recursion, so deeply nested JSON
 * cannot exhaust the stack; fields not in the schema count too, since a route may read them.
 */
function controlCharacterIssues(input: unknown): FieldIssue[] {
  type Node = { value: unknown; key: string; parent: Node | undefined };
  const field = (node: Node | undefined) => {
    const path: string[] = [];
    for (let at = node; at?.parent; at = at.parent) path.unshift(at.key);
    return path.join('.') || '_';
  };
  const issues: FieldIssue[] = [];
  const pending: Node[] = [{ value: input, key: '', parent: undefined }];
  for (let index = 0; index < pending.length && issues.length < controlCharacterFieldsNamed; index += 1) {
    const node = pending[index]!;
    const { value } = node;
    if (typeof value === 'string') {
      if (hasControlCharacters(value)) issues.push({ field: field(node), key: 'validation.controlCharacters' });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    const prototype = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) continue;
    for (const [key, item] of Object.entries(value)) {
      const child = { value: item, key, parent: node };
      if (hasControlCharacters(key)) issues.push({ field: field(child), key: 'validation.controlCharacters' });
      else pending.push(child);
    }
  }
  return issues;
}

/**
 * Parses input at the edge; bad input becomes a ValidationError naming each field. Text with
 * control characters is refused here, whatever the schema, so it never reaches a query or a record.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const unreadable = controlCharacterIssues(input);
  const result = schema.safeParse(input);
  if (result.success && unreadable.length === 0) return result.data;
  const seen = new Set<string>();
  const fields = [
    ...unreadable,
    ...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, input))),
  ].filter((issue) => {
    if (seen.has(issue.field)) return false; // one message per field is enough to fix it
    seen.add(issue.field);
    return true;
  });
  throw new ValidationError(fields);
}

const objectIdPattern = /^[0-9a-f]{24}$/i;

/** Whether `value` is a MongoDB ObjectId as text: 24 hexadecimal digits (paths, forms, JSON). */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && objectIdPattern.test(value);
}

/** A MongoDB ObjectId as it arrives in a form, a path or JSON (a pattern, so the API document shows it). */
export const objectIdField = z.string().regex(objectIdPattern, 'validation.invalid');

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
