import type { NextFunction, Request, Response } from 'express';
import { DatabaseUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorBody } from './errorHandler.js';

/** How long a request may wait before we ask whether the database is the cause. */
export const requestDeadlineMs = 3_000;

/**
 * Bounded waits: a request still unanswered after `afterMs` asks the database probe (its own
 * connection, answer within 1.5 s) whether the database answers. If not, the user gets 503 with
 * the reason in their language at once, instead of waiting for as long as the database is stalled;
 * if it does, the request is merely slow and goes on. What the handler does once the database
 * returns is dropped (its writes still happen, and the services make a retry harmless).
 */
export function requestDeadline(options: { afterMs?: number; isDatabaseUp: () => Promise<boolean>; log: Logger }) {
  const afterMs = options.afterMs ?? requestDeadlineMs;
  return (req: Request, res: Response, next: NextFunction) => {
    // The session middleware, later on, makes `end` wait until the session is saved: in the
    // database, which is what does not answer. The 503 is sent with the plain `end` instead.
    const { end } = res;
    const timer = setTimeout(async () => {
      if (res.headersSent || (await options.isDatabaseUp())) return;
      const { type, body } = await errorBody(req, res, new DatabaseUnavailableError());
      if (res.headersSent) return;
      options.log.warn({ url: req.originalUrl }, 'database not answering: request answered 503');
      res.writeHead(503, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Retry-After': '5' });
      (end as (chunk: string) => Response).call(res, body);
      // Whatever the handler sends once the database is back goes nowhere.
      res.locals.answeredByDeadline = true;
      const ignore = () => res;
      Object.assign(res, { setHeader: ignore, writeHead: ignore, write: () => true, end: ignore });
    }, afterMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
