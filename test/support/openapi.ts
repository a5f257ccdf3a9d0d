import type { Server } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import supertest from 'supertest';
import { apiBasePath } from '../../src/platform/api.js';
import { escapeRegExp } from '../../src/platform/text.js';

/**
 * Every answer of the JSON API that a test receives is checked against the response its OpenAPI
 * document declares for that path, method and status (ajv, JSON Schema 2020-12 as OpenAPI 3.1
 * uses): a test that gets an undeclared status or body fails at that request, naming what differs.
 * So the document cannot drift from what the code returns. Apps are registered by buildTestServer.
 */
type Schema = Record<string, unknown>;
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

type Checked = {
  document: () => OpenApiDocument;
  loaded?: { templates: { path: string; pattern: RegExp; literals: number }[]; paths: OpenApiDocument['paths'] };
  validators: Map<string, ValidateFunction>;
};

// ajv-formats is CommonJS: its function is the default export, or that export's own default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
const checkedApps = new WeakMap<object, Checked>();

/** Checks the API answers of `app` against `document()` (read once, on the first answer). */
export function checkApiResponses(app: object, document: () => OpenApiDocument): void {
  checkedApps.set(app, { document, validators: new Map() });
}

function load(checked: Checked) {
  if (checked.loaded) return checked.loaded;
  const { paths } = checked.document();
  const templates = Object.keys(paths).map((path) => ({
    path,
    pattern: new RegExp(`^${escapeRegExp(path).replace(/\\\{\w+\\\}/g, '[^/]+')}$`),
    literals: path.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
  }));
  checked.loaded = { templates, paths };
  return checked.loaded;
}

/**
 * What is wrong with an answer, by the document: undefined when it is declared (or the path is
 * not in the document at all, like an unknown address). `path` is the address below /api/v1.
 */
function responseMismatch(
  checked: Checked,
  answer: { method: string; path: string; status: number; type: string; text: string },
): string | undefined {
  const { templates, paths } = load(checked);
  const method = answer.method.toLowerCase();
  const template = templates
    .filter((candidate) => candidate.pattern.test(answer.path) && paths[candidate.path]?.[method])
    .sort((a, b) => b.literals - a.literals)[0];
  if (!template) return undefined;
  const where = `${answer.method} ${apiBasePath}${answer.path} (declared as ${template.path})`;
  const responses = paths[template.path]?.[method]?.responses ?? {};
  const declared = responses[String(answer.status)] ?? responses.default;
  if (!declared) return `${where} answered ${answer.status}, a status the document does not declare`;
  const media = answer.type.split(';')[0]?.trim() ?? '';
  if (!declared.content) {
    return answer.text ? `${where} answered ${answer.status} with a body, where the document declares none` : undefined;
  }
  const schema = declared.content[media]?.schema;
  if (!schema) {
    return `${where} answered ${answer.status} as "${media || 'nothing'}", where the document declares ${Object.keys(declared.content).join(', ')}`;
  }
  const key = `${template.path} ${method} ${answer.status} ${media}`;
  let validate = checked.validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    checked.validators.set(key, validate);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${where} answered ${answer.status} with a body that is not JSON`;
  }
  if (validate(body)) return undefined;
  const reasons = [
    ...new Set(
      (validate.errors ?? []).map((error) => {
        const extra = (error.params as { additionalProperty?: string }).additionalProperty;
        return `body${error.instancePath} ${error.message}${extra ? ` (${extra})` : ''}`;
      }),
    ),
  ];
  return `${where} answered ${answer.status} with a body the document does not declare:\n  ${reasons.slice(0, 10).join('\n  ')}\n  body: ${answer.text.slice(0, 600)}`;
}

/** The registered app behind a supertest request: an app, or the server supertest made of it. */
function checkedFor(target: unknown): Checked | undefined {
  if (!target || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
  const direct = checkedApps.get(target as object);
  if (direct) return direct;
  const listeners = (target as Partial<Server>).listeners?.('request') ?? [];
  for (const listener of listeners) {
    const found = checkedApps.get(listener);
    if (found) return found;
  }
  return undefined;
}

type TestInternals = { app: unknown; method: string; url: string };
type AssertFunction = (this: TestInternals, resError: unknown, res: unknown, fn?: (error: unknown, res: unknown) => void) => void;
const prototype = supertest.Test.prototype as unknown as { assert: AssertFunction };
const assert = prototype.assert;
// The check runs where supertest runs a test's own `.expect(...)`s, so the awaited request fails.
prototype.assert = function (this: TestInternals, resError, res, fn) {
  const checked = checkedFor(this.app);
  const answer = res as { status?: number; headers?: Record<string, string>; text?: string } | undefined;
  const url = new URL(this.url);
  if (checked && answer?.status && url.pathname.startsWith(`${apiBasePath}/`)) {
    const mismatch = responseMismatch(checked, {
      method: this.method,
      path: url.pathname.slice(apiBasePath.length),
      status: answer.status,
      type: answer.headers?.['content-type'] ?? '',
      text: answer.text ?? '',
    });
    if (mismatch && fn) {
      fn.call(this, new Error(`The API answer differs from the OpenAPI document: ${mismatch}`), res);
      return;
    }
  }
  assert.call(this, resError, res, fn);
};
