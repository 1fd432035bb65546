import { AppError } from './errors.js';

/**
 * Recognising "a store we depend on is unreachable" (as opposed to a bug or bad input), so HTTP can
 * answer 503 + Retry-After and jobs can wait for the store instead of spending their attempts.
 */

/** Node socket errors and Postgres SQLSTATEs that mean "the server is not there right now". */
const PG_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
]);

const PG_UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
];

const REDIS_UNAVAILABLE_MESSAGES = [/Connection is closed/i, /max retries per request/i, /Stream isn't writeable/i, /enableOfflineQueue/i];

/** The error and its causes (drizzle wraps the driver's error as `cause`). */
function* chain(err: unknown): Generator<{ code?: unknown; message?: unknown; errno?: unknown }> {
  let e = err as { cause?: unknown } | null | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    yield e as { code?: unknown; message?: unknown };
    // AggregateError (pg connecting to several addresses) carries its parts in `errors`
    const parts = (e as { errors?: unknown }).errors;
    if (Array.isArray(parts)) for (const p of parts) if (p && typeof p === 'object') yield p as { code?: unknown; message?: unknown };
    e = e.cause as { cause?: unknown } | null | undefined;
  }
}

export function isPostgresUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && PG_UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && PG_UNAVAILABLE_MESSAGES.some((r) => r.test(e.message as string))) return true;
  }
  return false;
}

export function isRedisUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.message === 'string' && REDIS_UNAVAILABLE_MESSAGES.some((r) => r.test(e.message as string))) return true;
  }
  return false;
}

/** Seconds a client is told to wait (Retry-After) when a store is down. */
export const RETRY_AFTER_S = 5;

export class ServiceUnavailableError extends AppError {
  constructor(code: 'database_unavailable' | 'queue_unavailable', message: string) {
    super(503, code, message);
  }
}

/** The 503 an outage error becomes at the HTTP edge, or null for any other error. */
export function outageError(err: unknown): ServiceUnavailableError | null {
  if (err instanceof ServiceUnavailableError) return err;
  if (isPostgresUnavailable(err)) return new ServiceUnavailableError('database_unavailable', 'the database is unreachable right now; retry shortly');
  if (isRedisUnavailable(err)) return new ServiceUnavailableError('queue_unavailable', 'the job queue is unreachable right now; retry shortly');
  return null;
}

/**
 * An insert or update named a row that is gone (Postgres foreign_key_violation, "… is not present in
 * table …"): the runner was erased, or the activity purged, while the work was under way. A recorded
 * no-op for jobs and a 404 for requests, never a retry loop or a 500.
 */
export function isReferencedRowGone(err: unknown): boolean {
  for (const e of chain(err)) {
    const detail = (e as { detail?: unknown }).detail;
    if (e.code === '23503' && typeof detail === 'string' && /is not present in table/.test(detail)) return true;
  }
  return false;
}
