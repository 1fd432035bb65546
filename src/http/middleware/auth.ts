import type { RequestHandler } from 'express';
import { safeEqual, sha256Hex } from '../../lib/crypto.js';
import { UnauthorizedError } from '../../lib/errors.js';

/**
 * `Authorization: Bearer <key>` against the configured API keys, compared in constant time.
 * `failureLimiter` (a rate limiter) counts refused requests only: past its limit a client guessing
 * keys gets 429 instead of 401, while requests with a valid key are never limited by it.
 */
export function requireApiKey(keys: readonly string[], failureLimiter?: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const refuse = (err: UnauthorizedError) => (failureLimiter ? failureLimiter(req, res, (limitErr?: unknown) => next(limitErr ?? err)) : next(err));
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      return refuse(new UnauthorizedError(header ? 'Authorization header must be "Bearer <API key>"' : 'missing API key (Authorization: Bearer <key>)'));
    const presented = match[1]!;
    if (!keys.some((k) => safeEqual(k, presented))) return refuse(new UnauthorizedError('invalid API key'));
    // which key asked, for audit rows (erasures), without the key itself
    res.locals.apiKeyName = apiKeyName(presented);
    next();
  };
}

/** How audit rows name an API key: `key-` and the first 12 hex digits of its SHA-256 (never the key). */
export function apiKeyName(key: string): string {
  return `key-${sha256Hex(key).slice(0, 12)}`;
}
