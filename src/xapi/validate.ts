import { isJsonObject } from '../platform/text.js';
import { uuidPattern } from './uuid.js';

/**
 * Checks a statement against what xAPI 1.0.3 (Data, part two: §2.4 and §4) requires of it, the
 * way a strict LRS would before storing it: every statement is checked before it is queued, so a
 * statement the LRS would refuse is logged here and never sent (and never holds up a batch).
 * Only the parts Kompeten makes are covered (agents, activities, results, contexts); a property the
 * specification does not define is a problem too, as an LRS rejects it.
 *
 * The answer lists the problems, each as `path: what is wrong`; none means valid.
 */
export type Validation = { valid: boolean; errors: string[] };

type Json = Record<string, unknown>;

/** An absolute IRI: a scheme, a colon, and no spaces (what the specification asks of ids and types). */
export function isIri(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/.test(value) && URL.canParse(value);
}

/** An IRL: an IRI one can fetch (http or https), as an account's homePage must be. */
const isIrl = (value: unknown) => isIri(value) && /^https?:\/\//i.test(value as string);

/** RFC 5646 language tags, as the keys of a language map and context.language. */
const isLanguageTag = (value: unknown) => typeof value === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(value);

/** An ISO 8601 duration (PnYnMnDTnHnMnS, or PnW), at least one part, a T only before time parts. */
export const isDuration = (value: unknown) =>
  typeof value === 'string' &&
  /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/.test(
    value,
  );

/** An ISO 8601 date and time with its offset (Z or ±hh:mm), that is a real moment. */
export const isTimestamp = (value: unknown) =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value));

function checker(errors: string[]) {
  const problem = (path: string, message: string) => errors.push(`${path}: ${message}`);
  const only = (path: string, value: Json, allowed: string[]) => {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) problem(`${path}.${key}`, 'is not a property xAPI defines');
  };

  function languageMap(path: string, value: unknown, required = false) {
    if (value === undefined) {
      if (required) problem(path, 'is required (a language map)');
      return;
    }
    if (!isJsonObject(value) || Object.keys(value).length === 0)
      return problem(path, 'must be a language map with at least one language');
    for (const [tag, text] of Object.entries(value)) {
      if (!isLanguageTag(tag)) problem(`${path}.${tag}`, 'is not an RFC 5646 language tag');
      if (typeof text !== 'string') problem(`${path}.${tag}`, 'must be a string');
    }
  }

  function extensions(path: string, value: unknown) {
    if (value === undefined) return;
    if (!isJsonObject(value)) return problem(path, 'must be an object');
    for (const key of Object.keys(value)) if (!isIri(key)) problem(`${path}.${key}`, 'an extension key must be an IRI');
  }

  function agent(path: string, value: unknown) {
    if (!isJsonObject(value)) return problem(path, 'must be an Agent object');
    only(path, value, ['objectType', 'name', 'mbox', 'mbox_sha1sum', 'openid', 'account']);
    if (value.objectType !== undefined && value.objectType !== 'Agent') problem(`${path}.objectType`, 'must be "Agent"');
    if (value.name !== undefined && typeof value.name !== 'string') problem(`${path}.name`, 'must be a string');
    const identifiers = ['mbox', 'mbox_sha1sum', 'openid', 'account'].filter((key) => value[key] !== undefined);
    if (identifiers.length !== 1) {
      problem(
        path,
        `must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid, account), has ${identifiers.length}`,
      );
    }
    if (value.mbox !== undefined && !(typeof value.mbox === 'string' && /^mailto:[^@\s]+@[^@\s]+$/.test(value.mbox))) {
      problem(`${path}.mbox`, 'must be a mailto: IRI');
    }
    if (
      value.mbox_sha1sum !== undefined &&
      !(typeof value.mbox_sha1sum === 'string' && /^[0-9a-f]{40}$/i.test(value.mbox_sha1sum))
    ) {
      problem(`${path}.mbox_sha1sum`, 'must be a SHA-1 hex digest');
    }
    if (value.openid !== undefined && !isIri(value.openid)) problem(`${path}.openid`, 'must be an IRI');
    if (value.account !== undefined) {
      const account = value.account;
      if (!isJsonObject(account)) return problem(`${path}.account`, 'must be an object');
      only(`${path}.account`, account, ['homePage', 'name']);
      if (!isIrl(account.homePage)) problem(`${path}.account.homePage`, 'is required and must be an IRL');
      if (typeof account.name !== 'string' || account.name === '')
        problem(`${path}.account.name`, 'is required and must be a string');
    }
  }

  function activity(path: string, value: unknown) {
    if (!isJsonObject(value)) return problem(path, 'must be an Activity object');
    only(path, value, ['objectType', 'id', 'definition']);
    if (value.objectType !== undefined && value.objectType !== 'Activity') problem(`${path}.objectType`, 'must be "Activity"');
    if (!isIri(value.id)) problem(`${path}.id`, 'is required and must be an IRI');
    if (value.definition === undefined) return;
    const definition = value.definition;
    if (!isJsonObject(definition)) return problem(`${path}.definition`, 'must be an object');
    only(`${path}.definition`, definition, ['name', 'description', 'type', 'moreInfo', 'extensions']);
    languageMap(`${path}.definition.name`, definition.name);
    languageMap(`${path}.definition.description`, definition.description);
    if (definition.type !== undefined && !isIri(definition.type)) problem(`${path}.definition.type`, 'must be an IRI');
    if (definition.moreInfo !== undefined && !isIrl(definition.moreInfo))
      problem(`${path}.definition.moreInfo`, 'must be an IRL');
    extensions(`${path}.definition.extensions`, definition.extensions);
  }

  function score(path: string, value: unknown) {
    if (!isJsonObject(value)) return problem(path, 'must be an object');
    only(path, value, ['scaled', 'raw', 'min', 'max']);
    for (const key of ['scaled', 'raw', 'min', 'max']) {
      if (value[key] !== undefined && !(typeof value[key] === 'number' && Number.isFinite(value[key])))
        problem(`${path}.${key}`, 'must be a number');
    }
    const { scaled, raw, min, max } = value as Partial<Record<'scaled' | 'raw' | 'min' | 'max', number>>;
    if (typeof scaled === 'number' && (scaled < -1 || scaled > 1)) problem(`${path}.scaled`, 'must be between -1 and 1');
    if (typeof min === 'number' && typeof max === 'number' && max <= min) problem(`${path}.max`, 'must be greater than min');
    if (typeof raw === 'number' && typeof min === 'number' && raw < min) problem(`${path}.raw`, 'must not be below min');
    if (typeof raw === 'number' && typeof max === 'number' && raw > max) problem(`${path}.raw`, 'must not be above max');
  }

  function result(path: string, value: unknown) {
    if (!isJsonObject(value)) return problem(path, 'must be an object');
    only(path, value, ['score', 'success', 'completion', 'response', 'duration', 'extensions']);
    if (value.score !== undefined) score(`${path}.score`, value.score);
    for (const key of ['success', 'completion']) {
      if (value[key] !== undefined && typeof value[key] !== 'boolean') problem(`${path}.${key}`, 'must be true or false');
    }
    if (value.response !== undefined && typeof value.response !== 'string') problem(`${path}.response`, 'must be a string');
    if (value.duration !== undefined && !isDuration(value.duration)) problem(`${path}.duration`, 'must be an ISO 8601 duration');
    extensions(`${path}.extensions`, value.extensions);
  }

  function context(path: string, value: unknown) {
    if (!isJsonObject(value)) return problem(path, 'must be an object');
    only(path, value, [
      'registration',
      'instructor',
      'team',
      'contextActivities',
      'revision',
      'platform',
      'language',
      'statement',
      'extensions',
    ]);
    if (value.registration !== undefined && !(typeof value.registration === 'string' && uuidPattern.test(value.registration))) {
      problem(`${path}.registration`, 'must be a UUID');
    }
    if (value.instructor !== undefined) agent(`${path}.instructor`, value.instructor);
    for (const key of ['revision', 'platform']) {
      if (value[key] !== undefined && typeof value[key] !== 'string') problem(`${path}.${key}`, 'must be a string');
    }
    if (value.language !== undefined && !isLanguageTag(value.language))
      problem(`${path}.language`, 'must be an RFC 5646 language tag');
    if (value.contextActivities !== undefined) {
      const activities = value.contextActivities;
      if (!isJsonObject(activities)) return problem(`${path}.contextActivities`, 'must be an object');
      only(`${path}.contextActivities`, activities, ['parent', 'grouping', 'category', 'other']);
      for (const [kind, list] of Object.entries(activities)) {
        const items = Array.isArray(list) ? list : [list];
        for (const [index, item] of items.entries()) activity(`${path}.contextActivities.${kind}[${index}]`, item);
      }
    }
    extensions(`${path}.extensions`, value.extensions);
  }

  return { problem, only, languageMap, agent, activity, result, context };
}

export function validateStatement(statement: unknown): Validation {
  const errors: string[] = [];
  const check = checker(errors);
  if (!isJsonObject(statement)) return { valid: false, errors: ['statement: must be an object'] };
  check.only('statement', statement, ['id', 'actor', 'verb', 'object', 'result', 'context', 'timestamp', 'version']);
  // Kompeten always names its statements (deterministic ids): one without an id could be stored twice.
  if (!(typeof statement.id === 'string' && uuidPattern.test(statement.id)))
    check.problem('id', 'is required and must be a UUID');
  if (statement.actor === undefined) check.problem('actor', 'is required');
  else check.agent('actor', statement.actor);
  const verb = statement.verb;
  if (!isJsonObject(verb)) check.problem('verb', 'is required');
  else {
    check.only('verb', verb, ['id', 'display']);
    if (!isIri(verb.id)) check.problem('verb.id', 'is required and must be an IRI');
    check.languageMap('verb.display', verb.display, true);
  }
  const object = statement.object;
  if (object === undefined) check.problem('object', 'is required');
  else if (isJsonObject(object) && object.objectType === 'StatementRef') {
    check.only('object', object, ['objectType', 'id']);
    if (!(typeof object.id === 'string' && uuidPattern.test(object.id)))
      check.problem('object.id', 'must be the UUID of the statement referred to');
  } else check.activity('object', object);
  // A voiding statement's object is the statement it voids (Data §2.3.2).
  if (
    isJsonObject(verb) &&
    verb.id === 'http://adlnet.gov/expapi/verbs/voided' &&
    !(isJsonObject(object) && object.objectType === 'StatementRef')
  ) {
    check.problem('object', 'a voiding statement must refer to a statement (StatementRef)');
  }
  if (statement.context !== undefined && !(isJsonObject(object) && object.objectType !== 'StatementRef')) {
    const context = statement.context as Json;
    if (isJsonObject(context) && (context.revision !== undefined || context.platform !== undefined)) {
      check.problem('context', 'revision and platform are only for statements about an activity');
    }
  }
  if (statement.result !== undefined) check.result('result', statement.result);
  if (statement.context !== undefined) check.context('context', statement.context);
  if (!isTimestamp(statement.timestamp))
    check.problem('timestamp', 'is required and must be an ISO 8601 date and time with its offset');
  if (statement.version !== undefined && !(typeof statement.version === 'string' && /^1\.0(\.\d+)?$/.test(statement.version))) {
    check.problem('version', 'must be 1.0.x');
  }
  return { valid: errors.length === 0, errors };
}
