import type { RequestHandler } from 'express';
import { safeEqual } from '../../lib/crypto.js';
import { UnauthorizedError } from '../../lib/errors.js';

/** `Authorization: Bearer <key>` against the configured API keys, compared in constant time. */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(new UnauthorizedError(header ? 'Authorization header must be "Bearer <API key>"' : 'missing API key (Authorization: Bearer <key>)'));
    const presented = match[1]!;
    if (!keys.some((k) => safeEqual(k, presented))) return next(new UnauthorizedError('invalid API key'));
    next();
  };
}
