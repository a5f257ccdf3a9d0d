import type { ErrorRequestHandler, Request, Response } from 'express';
import type { TFunction } from 'i18next';
import {
  AppError,
  DatabaseUnavailableError,
  duplicateKeyConflict,
  isDuplicateKeyError,
  TooManyRequestsError,
} from '../errors.js';
import { chooseLanguage, translator } from '../i18n.js';
import type { Logger } from '../logger.js';
import { formLocals, isFormRequest } from './forms.js';

export function wantsJson(req: Request): boolean {
  return req.originalUrl.startsWith('/api/') || (!req.accepts('html') && Boolean(req.accepts('json')));
}

/** The driver's errors for a server that cannot be reached or does not answer. */
function isDatabaseUnavailable(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? '';
  return /^Mongo(ServerSelection|Network|NetworkTimeout|TopologyClosed)Error$|^PoolClearedError$/.test(name);
}

/** Errors thrown by libraries, mapped onto ours so they are answered the same way. */
function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const known = error as { code?: string; type?: string; status?: number };
  if (known.code === 'EBADCSRFTOKEN' || (known.status === 403 && /csrf/i.test(String((error as Error).message)))) {
    return new AppError(403, 'errors.csrf');
  }
  if (known.type === 'entity.parse.failed') return new AppError(400, 'errors.badRequest');
  if (known.type === 'entity.too.large') return new AppError(413, 'errors.tooLarge');
  // The router could not decode a path parameter (`%E0%A4%A`): the address itself is broken.
  if (error instanceof URIError && known.status === 400) return new AppError(400, 'errors.badAddress');
  if (isDuplicateKeyError(error)) return duplicateKeyConflict(error);
  if (isDatabaseUnavailable(error)) return new DatabaseUnavailableError();
  return undefined;
}

/** A field's message for each field issue, in the user's language. */
export function fieldMessages(t: TFunction, error: AppError): Record<string, string> {
  return Object.fromEntries(error.fields.map((issue) => [issue.field, t(issue.key, issue.params ?? {})]));
}

function problem(t: TFunction, error: AppError, instance: string) {
  const titleKey = `errors.status.${error.status}`;
  return {
    type: 'about:blank',
    title: t(titleKey, { defaultValue: t('errors.status.500') }),
    status: error.status,
    detail: t(error.key, error.params),
    instance,
    ...(error.fields.length
      ? { errors: error.fields.map((issue) => ({ field: issue.field, message: t(issue.key, issue.params ?? {}) })) }
      : {}),
  };
}

/**
 * The one error handler: problem+json for the API, the form shown again with its errors for a
 * form post, an error page for everything else; always in the user's language.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return async (error, req, res, next) => {
    // The request deadline answered already; what the handler does late is of no use to anyone.
    if (res.locals.answeredByDeadline) return;
    // A session that could not be saved after its page was sent: the page stands, nothing to add.
    if (res.headersSent && error instanceof DatabaseUnavailableError) return;
    if (res.headersSent) return next(error);
    let appError = asAppError(error);
    if (!appError) {
      log.error({ err: error, url: req.originalUrl }, 'unhandled error');
      appError = new AppError(500, 'errors.status.500detail');
    }
    await respondWithError(req, res, appError, log);
  };
}

/** Answers `appError` as the request wants it: problem+json, the form again, or an error page. */
export async function respondWithError(req: Request, res: Response, appError: AppError, log: Logger): Promise<void> {
  {
    ensureViewLocals(req, res);
    const t = req.t;
    if (appError instanceof TooManyRequestsError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    if (appError instanceof DatabaseUnavailableError) res.setHeader('Retry-After', '5');
    if (wantsJson(req)) {
      const { type, body } = await errorBody(req, res, appError);
      res.status(appError.status).type(type).send(body);
      return;
    }
    if (isFormRequest(res) && appError.status < 500 && appError.status !== 403 && appError.status !== 404) {
      try {
        const locals = await formLocals(req, res);
        res.status(appError.status).render(res.locals.formView as string, {
          ...locals,
          values: { ...locals.values, ...withoutSecrets(req.body) },
          errors: fieldMessages(t, appError),
          formError: appError.fields.length ? undefined : t(appError.key, appError.params),
        });
        return;
      } catch (renderError) {
        log.error({ err: renderError }, 'could not show the form again');
      }
    }
    if (appError.status === 401) {
      res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const { type, body } = await errorBody(req, res, appError);
    res.status(appError.status).type(type).send(body);
  }
}

/**
 * The problem+json or the error page for `appError`, made without touching the response, so it
 * can be sent at once (the request deadline needs that: see deadline.ts).
 */
export async function errorBody(req: Request, res: Response, appError: AppError): Promise<{ type: string; body: string }> {
  ensureViewLocals(req, res);
  const t = req.t;
  if (wantsJson(req)) {
    return { type: 'application/problem+json', body: JSON.stringify(problem(t, appError, req.originalUrl)) };
  }
  // A page that is not a form (a search, an address typed in) has no field to show a message
  // beside: the fields are named in the text instead.
  const fields = Object.entries(fieldMessages(t, appError)).map(([field, message]) => `${field}: ${message}`);
  const page = {
    ...res.locals,
    title: t(`errors.status.${appError.status}`, { defaultValue: t('errors.status.500') }),
    status: appError.status,
    detail: [t(appError.key, appError.params), ...fields].join(' '),
  };
  const body = await new Promise<string>((resolve) => {
    req.app.render('errors/error', page, (renderError: Error | null, html?: string) =>
      resolve(renderError ? page.detail : (html ?? '')),
    );
  });
  return { type: 'text/html; charset=utf-8', body };
}

/** An error thrown before the language and view middleware ran still gets a translated page. */
function ensureViewLocals(req: Request, res: Response): void {
  if (!req.t) {
    req.language = chooseLanguage(req);
    req.t = translator(req.language);
  }
  res.locals.t ??= req.t;
  res.locals.lang ??= req.language;
  res.locals.user ??= null;
  res.locals.nav ??= [];
  res.locals.currentPath ??= req.path;
  res.locals.csrfToken ??= () => '';
}

/** The user's input, without passwords, to fill the form again. */
function withoutSecrets(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !/password|_csrf/i.test(key)));
}

export function notFoundHandler(_req: Request, _res: Response): never {
  throw new AppError(404, 'errors.notFound.detail');
}
