import type { NextFunction, Request, Response, Router } from 'express';
import { NotFoundError } from '../errors.js';
import { hasControlCharacters } from '../text.js';
import { isObjectId } from '../validation.js';

/**
 * Whether a route parameter carries a record's ObjectId: `id`, or a name ending in `Id`
 * (`cohortId`, `fileId`). The convention holds for every page and endpoint; a natural key gets a
 * name of its own (`:code`, `:token`, `:enrollment`).
 */
export function isIdParam(name: string): boolean {
  return name === 'id' || /[a-z]Id$/.test(name);
}

function checkParam(name: string) {
  return (_req: Request, _res: Response, next: NextFunction, value: unknown) => {
    const fine = typeof value === 'string' && !hasControlCharacters(value) && (!isIdParam(name) || isObjectId(value));
    next(fine ? undefined : new NotFoundError());
  };
}

const guarded = new WeakMap<Router, Set<string>>();

/**
 * Checks the route parameter `name` of every route on `router` before any of its handlers runs.
 * An id that is not an ObjectId, or any parameter with control characters (NUL: text.ts), names
 * no record: 404, where a query would otherwise fail (a cast error on MongoDB, a PostgreSQL error
 * on FerretDB) and answer 500. One check for every page and endpoint; services that are called
 * from elsewhere too still check their input. An address that cannot be decoded at all
 * (`%E0%A4%A`) fails earlier, in the router, and is answered 400 by the error handler.
 */
export function guardParam(router: Router, name: string): void {
  const names = guarded.get(router) ?? new Set<string>();
  guarded.set(router, names);
  if (names.has(name)) return;
  names.add(name);
  router.param(name, checkParam(name));
}

/** Guards every parameter of the routes declared on `router` so far: call it once they all are. */
export function guardRouteParams(router: Router): void {
  for (const layer of router.stack) {
    const path: unknown = layer.route?.path;
    for (const pattern of ([] as unknown[]).concat(path)) {
      if (typeof pattern !== 'string') continue;
      for (const [, name] of pattern.matchAll(/[:*](\w+)/g)) guardParam(router, name as string);
    }
  }
}
