/**
 * Typed errors with a stable machine code and an HTTP status. Services throw them; the HTTP error
 * handler and the job processors translate them once, at the edge.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'validation_failed') {
    super(422, code, message, details);
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code = 'bad_request', details?: unknown) {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid API key') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, code = 'not_found') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

export class NotConfiguredError extends AppError {
  constructor(integration: string) {
    super(503, 'not_configured', `${integration} is not configured on this server`);
  }
}

/** A failure that retrying cannot fix (corrupt file, schema violation, deleted upstream). */
export class PermanentJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** 4xx answers that may heal by themselves: an expired token refreshed, a timeout, a rate limit waited out. */
const TRANSIENT_CLIENT_STATUSES = new Set([401, 408, 429]);

function statusOf(err: object): number | undefined {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Can retrying never help? Errors say so themselves, so the worker needs to know no integration:
 * - PermanentJobError, or any error with `permanent: true`;
 * - any error with `isRetryable: false` (e.g. a provider API error for a 4xx answer);
 * - an AppError with a 4xx status (validation, bad request, not found, conflict).
 * In the last two cases a status of 401, 408 or 429 stays retryable: a refreshed token, a second try
 * or a wait may fix it.
 * An outage (Postgres, Redis) is never permanent. See docs/reliability.md "Retries and permanent errors".
 */
export function isPermanentError(err: unknown): boolean {
  if (err instanceof PermanentJobError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const flags = err as { permanent?: unknown; isRetryable?: unknown };
  if (flags.permanent === true) return true;
  const status = statusOf(err);
  if (status !== undefined && TRANSIENT_CLIENT_STATUSES.has(status)) return false;
  if (flags.isRetryable === false) return true;
  return err instanceof AppError && status !== undefined && status >= 400 && status < 500;
}

/**
 * The machine code stored with a permanent failure: the error's own `code` when it has one
 * (AppError, PermanentJobError), else its name in snake case with its status (`strava_api_error_404`).
 */
export function permanentErrorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code)) return code;
  const name = err.name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const status = statusOf(err);
  return status !== undefined ? `${name}_${status}` : name;
}
