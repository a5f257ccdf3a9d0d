import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Options } from 'pino-http';
import type { Logger } from '../logger.js';

/**
 * One short line per request, what an operator looks for: method, URL, status, time, size, who
 * and which request. Not every header, nor the security policy sent back (that was 1.5-2 KB a line).
 */

/** Upload forms carry their CSRF token in the URL, first-login links a token in the path. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&]_csrf=)[^&]*/, '$1[redacted]').replace(/^(\/welcome\/)[^/?]+/, '$1[redacted]');
}

/** A request id a proxy in front already gave (so both logs meet), if it looks like one. */
const forwardedId = /^[\w.:-]{1,64}$/;

export function requestLogOptions(log: Logger): Options {
  return {
    logger: log,
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && forwardedId.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id); // a user reporting a problem can quote it
      return id;
    },
    // Called when the request starts (nobody is known yet) and again when it ends.
    customProps: (req: IncomingMessage) => {
      const actor = (req as Request).actor;
      return actor ? { user: actor.id } : {};
    },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode?: number; raw?: ServerResponse }) => {
        const length = res.raw?.getHeader('content-length');
        return length === undefined ? { statusCode: res.statusCode } : { statusCode: res.statusCode, length: Number(length) };
      },
    },
  };
}
