/**
 * Typed errors thrown by services. Each carries an i18n key (translated when shown, in the
 * user's language) and, for bad input, the fields it concerns.
 */
export type FieldIssue = { field: string; key: string; params?: Record<string, unknown> };

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly key: string,
    readonly params: Record<string, unknown> = {},
    readonly fields: FieldIssue[] = [],
  ) {
    super(key);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldIssue[]) {
    super(422, 'errors.validation.detail', {}, fields);
  }
}

export class UnauthorizedError extends AppError {
  constructor(key = 'errors.unauthorized.detail') {
    super(401, key);
  }
}

export class ForbiddenError extends AppError {
  constructor() {
    super(403, 'errors.forbidden.detail');
  }
}

export class NotFoundError extends AppError {
  constructor() {
    super(404, 'errors.notFound.detail');
  }
}

export class ConflictError extends AppError {
  constructor(key: string, field?: string) {
    super(409, key, {}, field ? [{ field, key }] : []);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'errors.tooManyRequests.detail', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
  }
}

/** The database does not answer (stalled, stopped or unreachable): try again shortly. */
export class DatabaseUnavailableError extends AppError {
  constructor() {
    super(503, 'errors.databaseUnavailable');
  }
}
