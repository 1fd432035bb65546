import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../lib/errors.js';
import { isReferencedRowGone, outageError, RETRY_AFTER_S } from '../../lib/outage.js';

/** Unknown routes answer JSON, not Express's HTML page. */
export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'route_not_found', message: `no route for ${req.method} ${req.path}` } });
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  length?: number;
}

/**
 * The one place errors become HTTP answers: `{"error": {code, message, details?}}`.
 * Body-parser failures (bad JSON, too large, wrong encoding) are client errors; Postgres or Redis
 * being unreachable is a 503 with Retry-After; anything unknown is a 500 whose details stay in the log.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) return;
  // Postgres or Redis unreachable: a 503 the client (Strava and Garmin included) retries, not a 500.
  const outage = outageError(err);
  if (outage) {
    req.log?.warn({ code: outage.code, err }, 'store unavailable');
    err = outage;
  }
  // what the request writes under was deleted meanwhile (an erased runner): as if it never existed
  if (isReferencedRowGone(err)) {
    res.status(404).json({ error: { code: 'not_found', message: 'what this request refers to no longer exists' } });
    return;
  }
  if (err instanceof AppError) {
    if (err.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
    res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
    return;
  }
  const e = err as BodyParserError;
  switch (e?.type) {
    case 'entity.parse.failed':
      res.status(400).json({ error: { code: 'invalid_json', message: `request body is not valid JSON: ${e.message}` } });
      return;
    case 'entity.too.large':
      res
        .status(413)
        .json({ error: { code: 'body_too_large', message: `request body of ${e.length ?? '?'} bytes exceeds the limit of ${e.limit ?? '?'} bytes` } });
      return;
    case 'encoding.unsupported':
    case 'charset.unsupported':
      res.status(415).json({ error: { code: 'unsupported_encoding', message: e.message } });
      return;
    case 'request.aborted':
      res.status(400).json({ error: { code: 'request_aborted', message: 'request aborted by the client' } });
      return;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    res.status(e.status).json({ error: { code: 'bad_request', message: e.message } });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res
    .status(500)
    .json({ error: { code: 'internal_error', message: 'internal error; see the server log with this request id', details: { requestId: req.id } } });
};
