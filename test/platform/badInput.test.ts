import { expect } from 'chai';
import supertest from 'supertest';
import { apiBasePath } from '../../src/platform/api.js';
import { isIdParam } from '../../src/platform/http/params.js';
import { type Agent, buildTestServer, csrfTokenOf, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { demoLogins, demoPassword, seedDemoRecords } from '../support/demoRecords.js';
import { formsOf, type PageForm } from '../support/forms.js';
import { webRoutesOf } from '../support/routes.js';

/**
 * Bad input sent to every page and every endpoint, as the roles that reach their code: a path
 * parameter that cannot be decoded (`%E0%A4%A`), an id that is no ObjectId, a NUL byte in a path
 * parameter, in query strings and in each field of each form and request body. None may answer
 * 500; the routes come from the app itself (its router for pages, its OpenAPI document for the
 * API), so a new route is covered the day it is added.
 */
const nul = 'x\u0000y';
const malformed = '%E0%A4%A';

type Route = { method: string; path: string; api: boolean; query: string[]; body: Record<string, Schema> };
type Schema = { type?: string | string[]; items?: Schema; properties?: Record<string, Schema>; anyOf?: Schema[] };
type Who = { name: string; agent: Agent; csrf: string; token?: string };

/** A value of the shape `schema` asks for, with NUL in every text of it. */
function nulFor(schema: Schema | undefined): unknown {
  const type = [schema?.type ?? schema?.anyOf?.find((option) => option.type !== 'null')?.type].flat()[0];
  if (type === 'array') return [nulFor(schema?.items)];
  if (type === 'object' && schema?.properties) {
    return Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, nulFor(property)]));
  }
  return nul;
}

describe('bad input is never answered 500', () => {
  useTestDatabase(import.meta.url);
  let server: ReturnType<typeof buildTestServer>;
  let routes: Route[];
  let people: Who[];
  let demo: Awaited<ReturnType<typeof seedDemoRecords>>;

  before(async function () {
    this.timeout(120_000);
    demo = await seedDemoRecords();
    server = buildTestServer();
    const logIn = async (name: string, email?: string): Promise<Who> => {
      const agent = email ? await loggedInAgent(server.app, email, demoPassword) : supertest.agent(server.app);
      const csrf = await csrfTokenOf(agent, email ? '/profile' : '/login');
      if (!email) return { name, agent, csrf };
      const issued = await supertest(server.app).post(`${apiBasePath}/auth/token`).send({ email, password: demoPassword });
      return { name, agent, csrf, token: issued.body.token };
    };
    people = [
      await logIn('admin', demoLogins.admin),
      await logIn('coordinator', demoLogins.coordinator),
      await logIn('instructor', demoLogins.instructor),
      await logIn('trainee', demoLogins.trainee),
      await logIn('anonymous'),
    ];
    routes = [...apiRoutes(), ...webRoutes()];
  });

  function apiRoutes(): Route[] {
    const document = server.api.openapiDocument() as {
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; requestBody?: unknown }>>;
    };
    return Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const body = (operation.requestBody as { content: Record<string, { schema: Schema }> } | undefined)?.content[
          'application/json'
        ]?.schema;
        return {
          method,
          path: `${apiBasePath}${path.replace(/\{(\w+)\}/g, ':$1')}`,
          api: true,
          query: operation.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
          body: body?.properties ?? {},
        };
      }),
    );
  }

  function webRoutes(): Route[] {
    return webRoutesOf(server.web).map(({ method, path }) => ({
      method: method.toLowerCase(),
      path,
      api: false,
      query: [],
      body: {},
    }));
  }

  const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);

  /** The route's address with real values, except `name`, which gets `raw` as it is. */
  const address = (path: string, name?: string, raw?: string) =>
    path.replace(/:(\w+)/g, (_whole, param: string) => (param === name ? (raw as string) : demo.valueFor(path, param)));

  type Request = { method: string; url: string; api: boolean; query?: Record<string, string | string[]> };
  type Answer = { status: number; text: string };

  /** Sends as `who`: pages with the session and its CSRF token, the API with the bearer token. */
  async function send(who: Who, request: Request, body: Record<string, unknown> = {}, multipart = false): Promise<Answer> {
    const method = request.method as 'get' | 'post' | 'put' | 'patch' | 'delete';
    if (request.api) {
      let call = supertest(server.app)[method](request.url);
      if (who.token) call = call.set('Authorization', `Bearer ${who.token}`);
      if (request.query) call = call.query(request.query);
      return method === 'get' ? call : call.send(body);
    }
    let call = who.agent[method](request.url);
    if (request.query) call = call.query(request.query);
    if (method === 'get') return call;
    if (!multipart) return call.type('form').send({ _csrf: who.csrf, ...body });
    for (const [key, value] of Object.entries(body)) for (const item of [value].flat()) call = call.field(key, String(item));
    return call;
  }

  it('answers a broken address 400, an id that is no ObjectId 404, and never 500 on any route', async function () {
    this.timeout(600_000);
    const problems: string[] = [];
    const sent = { requests: 0 };
    const check = async (label: string, answer: Promise<Answer>, expected?: number) => {
      sent.requests += 1;
      try {
        const { status } = await answer;
        if (status >= 500 || (expected && status !== expected)) {
          problems.push(`${label} -> ${status}${expected ? ` (expected ${expected})` : ''}`);
        }
      } catch (error) {
        problems.push(`${label} -> ${(error as Error).message}`);
      }
    };
    const admin = people[0] as Who;
    const pages: { who: Who; form: PageForm; route: string }[] = [];
    const routeOf = (action: string) =>
      routes.find(
        (route) =>
          !route.api &&
          new RegExp(`^${route.path.replace(/[.]/g, '\\.').replace(/:(\w+)/g, '[^/]+')}$`).test(action.split(/[?#]/)[0] ?? ''),
      );

    for (const route of routes) {
      const label = (who: Who, what: string) => `${who.name} ${route.method.toUpperCase()} ${route.path} ${what}`;
      // Path parameters: checked before any handler, whoever asks.
      for (const name of paramsOf(route.path)) {
        const request = (raw: string) => ({ method: route.method, api: route.api, url: address(route.path, name, raw) });
        await check(label(admin, `:${name}=${malformed}`), send(admin, request(malformed)), 400);
        await check(label(admin, `:${name}=abc`), send(admin, request('abc')), isIdParam(name) ? 404 : undefined);
        await check(label(admin, `:${name}=%00`), send(admin, request('%00')), 404);
      }
      for (const who of people) {
        const url = address(route.path);
        if (route.method === 'get') {
          // Query strings: each declared parameter, and those pages read as they are.
          for (const name of route.query)
            await check(
              label(who, `?${name}=NUL`),
              send(who, { method: route.method, api: route.api, url, query: { [name]: nul } }),
            );
          const loose = { q: nul, saved: nul, next: `/${nul}`, download: nul, program: nul, cohort: nul, welcome: nul };
          await check(label(who, '?…=NUL'), send(who, { method: route.method, api: route.api, url, query: loose }));
          // The page itself, with real data: its forms are sent with bad input below.
          if (!route.api) {
            const page = await who.agent.get(url);
            if (page.status >= 500) problems.push(`${label(who, '')} -> ${page.status}`);
            for (const form of formsOf(page.text, url)) {
              const target = routeOf(form.action);
              if (target && !form.action.startsWith('/logout')) pages.push({ who, form, route: `${form.method} ${target.path}` });
            }
          }
        } else if (route.api) {
          // Request bodies: NUL in each field alone, then in all of them.
          const fields = Object.entries(route.body).map(([name, schema]) => [name, nulFor(schema)] as const);
          for (const [name, value] of fields)
            await check(label(who, `{${name}: NUL}`), send(who, { method: route.method, api: true, url }, { [name]: value }));
          if (fields.length)
            await check(
              label(who, '{all: NUL}'),
              send(who, { method: route.method, api: true, url }, Object.fromEntries(fields)),
            );
        }
      }
    }

    // Each form once per role and route, as filled in on its page, with NUL in one field at a time.
    // Sent last: the token list's revoke form, whose `next` is not input, does revoke the tokens
    // that the API requests above needed.
    const seen = new Set<string>();
    for (const { who, form, route } of pages) {
      const key = `${who.name} ${route} ${[...form.fields.keys()].sort().join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const values = Object.fromEntries(form.fields);
      for (const name of form.fields.keys()) {
        const label = `${who.name} ${route} form (${form.action}) ${name}=NUL`;
        const request = { method: form.method, url: form.action, api: false };
        if (form.method === 'get') await check(label, send(who, { ...request, query: { ...values, [name]: nul } }));
        else await check(label, send(who, request, { ...values, [name]: nul }, form.multipart));
      }
    }

    // The routes of the issue were among those tried, and forms were filled in as on their pages.
    const tried = routes.map((route) => `${route.method} ${route.path}`);
    expect(tried).to.include.members(['get /modules/:id/edit', `get ${apiBasePath}/cohorts/:id`, 'post /institutions/:id']);
    expect(new Set(pages.map((page) => page.route))).to.include.keys('post /institutions', 'post /programs/:id', 'get /units');
    expect(sent.requests).to.be.greaterThan(1000);
    if (problems.length) expect.fail(`${problems.length} answers were wrong:\n${problems.join('\n')}`);
  });
});
