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
  constructor(
    readonly retryAfterSeconds: number,
    key = 'errors.tooManyRequests.detail',
  ) {
    super(429, key, { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
  }
}

/** The database does not answer (stalled, stopped or unreachable): try again shortly. */
export class DatabaseUnavailableError extends AppError {
  constructor() {
    super(503, 'errors.databaseUnavailable');
  }
}

type BulkWriteErrors = { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] };
const duplicateKeyCode = 11000;

/**
 * MongoDB's duplicate key error: a unique index refused the write (on FerretDB too: see
 * db/ferretdbAdapter.ts), or refused every write of a bulk insert that failed.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  // A bulk error carries the first write error's code: judge it by all of them.
  if ((error as BulkWriteErrors | null)?.writeErrors?.length) return duplicatePositions(error) !== null;
  return (error as { code?: unknown } | null)?.code === duplicateKeyCode;
}

/**
 * For an unordered bulk insert that failed: the positions (in the inserted list) a unique index
 * refused, or null when something else failed too (or it was not a bulk error).
 */
export function duplicatePositions(error: unknown): number[] | null {
  const writeErrors = (error as BulkWriteErrors | null)?.writeErrors;
  if (!writeErrors?.length) return null;
  if (writeErrors.some((writeError) => (writeError.code ?? writeError.err?.code) !== duplicateKeyCode)) return null;
  return writeErrors.map((writeError) => writeError.index);
}

/**
 * The field a duplicate key error is about: the last field of the unique index, since compound
 * unique indexes put their scope first (institution, cohort) and what a person chose last (code,
 * trainee). Undefined when the server did not say which index (FerretDB on inserts) or when it is
 * the `_id`, which nobody types.
 */
export function duplicateKeyField(error: unknown): string | undefined {
  const failed = error as { keyPattern?: Record<string, unknown>; errorResponse?: { keyPattern?: Record<string, unknown> } };
  const fields = Object.keys(failed.keyPattern ?? failed.errorResponse?.keyPattern ?? {});
  const field = fields.at(-1);
  return field === '_id' ? undefined : field;
}

/**
 * A duplicate a service did not expect (those that did say so in their own words, such as "this
 * email is already registered"): 409 naming the field when known, instead of a 500.
 */
export function duplicateKeyConflict(error: unknown): AppError {
  const field = duplicateKeyField(error);
  return field
    ? new AppError(409, 'errors.duplicate', { field }, [{ field, key: 'validation.taken' }])
    : new AppError(409, 'errors.duplicateRecord');
}
