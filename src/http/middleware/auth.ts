import type { RequestHandler, Response } from 'express';
import type { Db } from '../../db/client.js';
import { checkApiKey, type ApiKeyIdentity } from '../../services/api-keys.js';
import { safeEqual } from '../../lib/crypto.js';
import { UnauthorizedError } from '../../lib/errors.js';

/** The key a request was authenticated with (set by requireApiKey and requireOperator; logged by name). */
export function apiKeyOf(res: Response): ApiKeyIdentity | undefined {
  return (res.locals as { apiKey?: ApiKeyIdentity }).apiKey;
}

export function setApiKey(res: Response, identity: ApiKeyIdentity): void {
  (res.locals as { apiKey?: ApiKeyIdentity }).apiKey = identity;
}

export interface KeySources {
  /** the `API_KEYS` setting's keys: operator keys, named `env:1`, `env:2`… by their position */
  envKeys: readonly string[];
  /** where database keys (`ssk_…`) are looked up */
  db: Db;
  now: () => Date;
}

export type KeyResult = { ok: true; identity: ApiKeyIdentity } | { ok: false; message: string };

/** A presented secret against the `API_KEYS` keys (constant time), then against the database keys. */
export async function identifyKey(sources: KeySources, presented: string): Promise<KeyResult> {
  let envIndex = -1;
  // every env key is compared, so the time taken does not say which one matched
  sources.envKeys.forEach((k, i) => {
    if (safeEqual(k, presented) && envIndex < 0) envIndex = i;
  });
  if (envIndex >= 0) return { ok: true, identity: { name: `env:${envIndex + 1}`, scope: 'operator', runnerId: null, readOnly: false } };
  const checked = await checkApiKey(sources, presented);
  if (checked.ok) return checked;
  return { ok: false, message: checked.reason === 'revoked' ? 'API key revoked' : 'invalid API key' };
}

/**
 * `Authorization: Bearer <key>`: an operator key of `API_KEYS` or a database key (`ssk_…`, not
 * revoked). The key's identity (name and scope) is kept on the response for the scope check and
 * the request's log line. `failureLimiter` (a rate limiter) counts refused requests only: past its
 * limit a client guessing keys gets 429 instead of 401, while requests with a valid key are never
 * limited by it.
 */
export function requireApiKey(sources: KeySources, failureLimiter?: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    const refuse = (err: UnauthorizedError) => (failureLimiter ? failureLimiter(req, res, (limitErr?: unknown) => next(limitErr ?? err)) : next(err));
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      return refuse(new UnauthorizedError(header ? 'Authorization header must be "Bearer <API key>"' : 'missing API key (Authorization: Bearer <key>)'));
    const result = await identifyKey(sources, match[1]!);
    if (!result.ok) return refuse(new UnauthorizedError(result.message));
    setApiKey(res, result.identity);
    next();
  };
}
