import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { UnauthorizedError } from './errors.js';
import { guardParam, isIdParam } from './http/params.js';
import { type Action, type Actor, authorize } from './permissions.js';
import { objectIdField, parseInput } from './validation.js';

/**
 * Declared JSON endpoints under /api/v1. Each declaration both mounts the route (validating its
 * input with the same zod schemas) and describes it in the OpenAPI document, so every feature
 * documents itself and the documentation cannot drift from what is validated.
 */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type EndpointContext<Body, Query> = {
  actor: Actor | null;
  /** The machine client a `ClientAccess` endpoint's token resolved to; null on other endpoints. */
  client: unknown;
  body: Body;
  query: Query;
  params: Record<string, string>;
  req: Request;
  res: Response;
};

export type Endpoint<B extends z.ZodType, Q extends z.ZodType> = {
  method: Method;
  /** OpenAPI-style path relative to /api/v1, e.g. `/users/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /**
   * `public` endpoints need no login; `user` ones a session or a user's bearer token; a
   * `ClientAccess` one the bearer token of a machine client that is not a user.
   */
  access: 'public' | 'user' | ClientAccess;
  /** A coarse gate checked before the handler; services still check the resource. */
  permission?: Action;
  body?: B;
  query?: Q;
  response?: z.ZodType;
  status?: number;
};

/**
 * A machine client that is not a user (a certification body's system: certification/results/):
 * it sends a bearer token of its own kind, told apart from user tokens (`kpt_`) by its prefix, and
 * the feature that issues such tokens resolves them. auth/passport.ts leaves a request with such a
 * token anonymous (isClientToken), so it can never act as a user; the endpoint answers 401 when
 * `resolve` finds no client.
 */
export type ClientAccess = {
  /** The security scheme's name in the OpenAPI document, e.g. `lspToken`. */
  scheme: string;
  description: string;
  tokenPrefix: string;
  resolve: (token: string) => Promise<unknown>;
};

/** Prefixes of the machine clients' tokens declared by endpoints (see ClientAccess). */
const clientTokenPrefixes = new Set<string>();

/** Whether a bearer token is a machine client's rather than a user's. */
export function isClientToken(token: string): boolean {
  for (const prefix of clientTokenPrefixes) if (token.startsWith(prefix)) return true;
  return false;
}

export type ApiRegistry = ReturnType<typeof createApiRegistry>;

export const apiBasePath = '/api/v1';

const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  /** The address that was asked for. */
  instance: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** The names of a path's `{parameters}`. */
const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);

/** Id parameters (http/params.ts) are ObjectIds: anything else is answered 404 before the handler. */
const { $schema: _, ...objectIdSchema } = z.toJSONSchema(objectIdField);

export function createApiRegistry() {
  const router = Router();
  const endpoints: Endpoint<z.ZodType, z.ZodType>[] = [];

  function endpoint<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined>(
    spec: Endpoint<B, Q>,
    handler: (context: EndpointContext<z.output<B>, z.output<Q>>) => Promise<unknown>,
  ): void {
    endpoints.push(spec as unknown as Endpoint<z.ZodType, z.ZodType>);
    const clientAccess = typeof spec.access === 'object' ? spec.access : null;
    if (clientAccess) clientTokenPrefixes.add(clientAccess.tokenPrefix);
    for (const name of pathParams(spec.path)) guardParam(router, name);
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    router[spec.method](expressPath, async (req: Request, res: Response) => {
      const actor = req.actor ?? null;
      if (spec.access === 'user' && !actor) throw new UnauthorizedError();
      let client: unknown = null;
      if (clientAccess) {
        const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
        client = token.startsWith(clientAccess.tokenPrefix) ? await clientAccess.resolve(token) : null;
        if (!client) throw new UnauthorizedError('auth.token.invalid');
      }
      if (spec.permission) authorize(actor, spec.permission);
      const body = spec.body ? parseInput(spec.body, req.body ?? {}) : undefined;
      const query = spec.query ? parseInput(spec.query, req.query) : undefined;
      const result = await handler({
        actor,
        client,
        body: body as z.output<B>,
        query: query as z.output<Q>,
        params: req.params as Record<string, string>,
        req,
        res,
      });
      const status = spec.status ?? 200;
      if (result === undefined) res.status(status === 200 ? 204 : status).end();
      else res.status(status).json(result);
    });
  }

  function openapiDocument(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const problem = { 'application/problem+json': { schema: z.toJSONSchema(problemSchema) } };
    const clientSchemes: Record<string, unknown> = {};
    for (const spec of endpoints) {
      const parameters: unknown[] = pathParams(spec.path).map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: isIdParam(name) ? objectIdSchema : { type: 'string' },
      }));
      if (spec.query) {
        const schema = z.toJSONSchema(spec.query, { io: 'input', unrepresentable: 'any' }) as {
          properties?: Record<string, unknown>;
          required?: string[];
        };
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
        }
      }
      const status = String(spec.status ?? (spec.response ? 200 : 204));
      const responses: Record<string, unknown> = {
        [status]: spec.response
          ? {
              description: 'OK',
              content: {
                'application/json': { schema: z.toJSONSchema(spec.response, { io: 'output', unrepresentable: 'any' }) },
              },
            }
          : { description: 'No content' },
      };
      if (spec.body || spec.query) responses['422'] = { description: 'Invalid input', content: problem };
      if (spec.access === 'user') responses['401'] = { description: 'Not logged in', content: problem };
      if (typeof spec.access === 'object') {
        responses['401'] = { description: 'No valid token of this kind of client', content: problem };
        clientSchemes[spec.access.scheme] = { type: 'http', scheme: 'bearer', description: spec.access.description };
      }
      if (spec.permission || spec.path.includes('{')) responses['403'] = { description: 'Not allowed', content: problem };
      if (spec.path.includes('{')) responses['404'] = { description: 'Not found', content: problem };
      // Whatever else may happen: a broken address (400), a conflict (409), too much (413), too
      // many attempts (429), the database not answering (503); always problem+json.
      responses.default = { description: 'Error', content: problem };
      paths[spec.path] ??= {};
      (paths[spec.path] as Record<string, unknown>)[spec.method] = {
        summary: spec.summary,
        tags: [spec.tag],
        security:
          spec.access === 'user'
            ? [{ bearerAuth: [] }, { sessionCookie: [] }]
            : typeof spec.access === 'object'
              ? [{ [spec.access.scheme]: [] }]
              : [],
        parameters,
        ...(spec.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }) } },
              },
            }
          : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Kompeten API',
        version: '1',
        description:
          'JSON API of Kompeten. Authenticate with `Authorization: Bearer <token>` (from POST /auth/token). Errors are RFC 9457 problem+json.',
      },
      servers: [{ url: apiBasePath }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'kompeten.sid' },
          ...clientSchemes,
        },
      },
      paths,
    };
  }

  return { router, endpoint, endpoints, openapiDocument };
}

declare global {
  namespace Express {
    interface Request {
      /** Who is acting: from the session or a bearer token; null when anonymous. */
      actor?: Actor | null;
    }
  }
}
