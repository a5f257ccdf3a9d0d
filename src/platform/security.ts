import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { apiBasePath } from './api.js';

/** Security headers with a strict content security policy: our own scripts and styles only. */
export function securityHeaders(secureCookie: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'"],
        // Lessons may embed a YouTube (privacy-enhanced) or Vimeo video, and show an attached PDF
        // in a frame ('self': the file routes answer a PDF with only `frame-ancestors 'self'`,
        // every other file with a sandbox, so nothing framed runs as our origin).
        frameSrc: ["'self'", 'https://www.youtube-nocookie.com', 'https://player.vimeo.com'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: secureCookie ? [] : null,
      },
    },
    strictTransportSecurity: secureCookie,
  });
}

/**
 * CSRF protection for every state-changing request that rides on the session cookie: forms send
 * `_csrf`, scripts send the `x-csrf-token` header. Requests authenticated by a bearer token carry
 * no ambient authority and are exempt.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const fromBody = (req.body as { _csrf?: unknown } | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const fromHeader = req.headers['x-csrf-token'];
    if (typeof fromHeader === 'string') return fromHeader;
    // A multipart (file upload) body is parsed only by the upload route, after this check, so an
    // upload form without JavaScript puts the token in its action URL (`?_csrf=`) instead. Only
    // for multipart: everywhere else a token in the URL would be a needless leak.
    const fromQuery = (req.query as { _csrf?: unknown } | undefined)?._csrf;
    return typeof fromQuery === 'string' && req.is('multipart/form-data') ? fromQuery : undefined;
  },
  // On the API a cookie only carries authority once it belongs to a logged-in session; anonymous
  // API calls are answered 401 by the endpoint instead. Pages protect anonymous forms too
  // (login and registration), against login CSRF.
  // A visitor's language switch only sets a cookie, so the header needs no token (and so no
  // session) for visitors; the user's own switch saves to the account and is protected.
  skipCsrfProtection: (req) =>
    req.authenticatedByToken === true || (!req.actor && (req.path.startsWith(`${apiBasePath}/`) || req.path === '/language')),
  errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
});

export const csrfProtection = csrf.csrfSynchronisedProtection;

/** Views call `csrfToken()` where they render a form; the token is made (and stored) only then. */
export function exposeCsrfToken(req: Request, res: Response, next: NextFunction): void {
  res.locals.csrfToken = () => csrf.generateToken(req);
  next();
}
