import type { RequestHandler } from 'express';
import { safeEqual } from '../../lib/crypto.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { parseApiKey } from '../../lib/api-keys.js';
import { identifyKey, setApiKey, type KeySources } from './auth.js';

/** The secret a request presents: a Bearer token, or the password of HTTP Basic (any user name). */
export function presentedSecret(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

/**
 * Operator routes (queue dashboard, metrics): `Authorization: Bearer <secret>` or, so a browser can
 * open them, HTTP Basic with the secret as password. The secret is one of `secrets` (the
 * `API_KEYS` keys, and for /metrics `METRICS_TOKEN`) or, with `keys`, a database key of the
 * `operator` scope (not revoked); a `read` or `runner` key is refused like a wrong one. Anything
 * else is a 401 that asks the browser for Basic credentials.
 */
export function requireOperator(secrets: readonly string[], realm = 'stridesync operator', keys?: Omit<KeySources, 'envKeys'>): RequestHandler {
  return async (req, res, next) => {
    const presented = presentedSecret(req.headers.authorization);
    if (presented !== null && secrets.some((k) => safeEqual(k, presented))) return next();
    if (presented !== null && keys && parseApiKey(presented)) {
      const found = await identifyKey({ ...keys, envKeys: [] }, presented);
      if (found.ok && found.identity.scope === 'operator') {
        setApiKey(res, found.identity);
        return next();
      }
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    next(
      new UnauthorizedError(
        presented === null ? 'missing credentials (Authorization: Bearer <key>, or Basic with the key as password)' : 'invalid credentials',
      ),
    );
  };
}
