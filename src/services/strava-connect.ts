import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { StravaApiError } from '../integrations/strava/client.js';
import { authorizeUrl, exchangeCode, parseScopes, REQUIRED_SCOPE, signState, STATE_TTL_S, verifyState } from '../integrations/strava/oauth.js';
import { encryptSecret, randomToken, safeEqual } from '../lib/crypto.js';
import { AppError, BadRequestError, NotConfiguredError } from '../lib/errors.js';
import type { Enqueue } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import type { Redis } from '../lib/redis.js';
import { saveConnection } from './connections.js';
import { requireRunner } from './runners.js';

/**
 * Connecting a runner's Strava account (OAuth 2, platform-apis.md §1.2). The `state` is signed
 * (HMAC, key derived from TOKEN_ENCRYPTION_KEY), expires after 10 minutes and is single-use (its
 * nonce lives in Redis and is deleted by the callback that consumes it). Tokens are stored
 * AES-256-GCM encrypted; a 12-week backfill is queued once the connection is saved.
 */

export const BACKFILL_WEEKS = 12;

export interface ConnectDeps {
  db: Db;
  redis: Redis;
  enqueue: Enqueue;
  env: Pick<Env, 'strava' | 'STRAVA_OAUTH_URL' | 'PUBLIC_URL' | 'REDIS_PREFIX' | 'tokenEncryptionKey'>;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

export type ConnectResult =
  | { kind: 'connected'; runnerId: string; connectionId: string; athleteId: string; reconnected: boolean }
  | { kind: 'missing_scope'; runnerId: string; granted: string[] }
  | { kind: 'denied'; runnerId: string }
  | { kind: 'athlete_taken'; runnerId: string }
  | { kind: 'other_athlete_connected'; runnerId: string };

export class InvalidStateError extends BadRequestError {
  constructor(why: string) {
    super(`this connect link is not valid (${why}); start again from the app`, 'invalid_state');
  }
}

/** The state must carry the nonce of the cookie set in the browser that started the connect. */
export function checkBrowserBinding(stateNonce: string | undefined, cookieNonce: string | undefined): void {
  if (!stateNonce || !cookieNonce || !safeEqual(stateNonce, cookieNonce)) throw new InvalidStateError('it was started in another browser');
}

function stateKey(deps: Pick<ConnectDeps, 'env'>, nonce: string): string {
  return `${deps.env.REDIS_PREFIX}:strava:oauth-state:${nonce}`;
}

function requireConfig(deps: Pick<ConnectDeps, 'env'>) {
  const cfg = deps.env.strava;
  if (!cfg) throw new NotConfiguredError('Strava');
  return { oauthUrl: deps.env.STRAVA_OAUTH_URL, clientId: cfg.clientId, clientSecret: cfg.clientSecret };
}

export function callbackUrl(env: Pick<Env, 'PUBLIC_URL'>): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, '')}/connect/strava/callback`;
}

/**
 * The Strava authorize URL for a runner, with a fresh single-use state bound to the browser
 * (`browserNonce` is the value of the HttpOnly cookie the connect start sets; see http/connect-flow.ts).
 */
export async function startStravaConnect(deps: Pick<ConnectDeps, 'db' | 'redis' | 'env' | 'now'>, runnerId: string, browserNonce: string): Promise<string> {
  const cfg = requireConfig(deps);
  const runner = await requireRunner(deps, runnerId);
  const nonce = randomToken(16);
  const expires = Math.floor(deps.now().getTime() / 1000) + STATE_TTL_S;
  await deps.redis.set(stateKey(deps, nonce), runner.id, 'EX', STATE_TTL_S);
  return authorizeUrl(cfg, callbackUrl(deps.env), signState({ r: runner.id, n: nonce, e: expires, b: browserNonce }, deps.env.tokenEncryptionKey));
}

/** GET /connect/strava/callback: check the state, the grant and the scopes, store the tokens. */
export async function completeStravaConnect(deps: ConnectDeps, query: Record<string, unknown>, browserNonce: string | undefined): Promise<ConnectResult> {
  const cfg = requireConfig(deps);
  if (typeof query.state !== 'string') throw new InvalidStateError('no state');
  const check = verifyState(query.state, deps.env.tokenEncryptionKey, deps.now());
  if (!check.ok) throw new InvalidStateError(check.reason.replace('_', ' '));
  // Checked before the state is consumed, so a callback from another browser cannot burn it.
  checkBrowserBinding(check.payload.b, browserNonce);
  // GETDEL makes the state single-use even when two callbacks race.
  const owner = await deps.redis.getdel(stateKey(deps, check.payload.n));
  if (owner !== check.payload.r) throw new InvalidStateError('already used or unknown');
  const runnerId = check.payload.r;

  if (typeof query.error === 'string') return { kind: 'denied', runnerId };
  const granted = parseScopes(query.scope);
  if (!granted.includes(REQUIRED_SCOPE)) return { kind: 'missing_scope', runnerId, granted };
  if (typeof query.code !== 'string' || query.code.length === 0) throw new BadRequestError('the callback carries no authorisation code', 'missing_code');

  let tokens;
  try {
    tokens = await exchangeCode(cfg, deps.fetch, query.code);
  } catch (err) {
    if (err instanceof StravaApiError && err.status >= 400 && err.status < 500) throw new BadRequestError('Strava refused the authorisation code (expired or already used); start again', 'invalid_code');
    throw new AppError(502, 'strava_unavailable', `could not reach Strava to finish connecting: ${(err as Error).message}`);
  }
  const athleteId = tokens.athlete?.id;
  if (!athleteId) throw new AppError(502, 'strava_unexpected', 'Strava did not say which athlete connected');

  const key = deps.env.tokenEncryptionKey;
  const values = {
    accessTokenEnc: encryptSecret(tokens.access_token, key),
    refreshTokenEnc: encryptSecret(tokens.refresh_token, key),
    tokenExpiresAt: new Date(tokens.expires_at * 1000),
    scopes: granted,
    status: 'active' as const,
    statusReason: null,
    backfillStatus: 'queued' as const,
    backfillTotal: 0,
    backfillDone: 0,
    updatedAt: deps.now(),
  };
  const saved = await saveConnection(deps.db, 'strava', runnerId, athleteId, values);
  if (saved.kind !== 'saved') return { kind: saved.kind, runnerId };

  await deps.enqueue('strava.backfill', { connectionId: saved.id, weeks: BACKFILL_WEEKS, page: 1 });
  deps.log.info({ runnerId, connectionId: saved.id, athleteId, reconnected: saved.reconnected }, 'strava connected; backfill queued');
  return { kind: 'connected', runnerId, connectionId: saved.id, athleteId, reconnected: saved.reconnected };
}
