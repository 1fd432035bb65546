import { eq } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { GarminApiError, GarminClient, parseCallbackHosts } from '../integrations/garmin/client.js';
import { authorizeUrl, createPkceVerifier, exchangeCode, REQUIRED_PERMISSION } from '../integrations/garmin/oauth.js';
import { signState, STATE_TTL_S, verifyState } from '../integrations/strava/oauth.js';
import { encryptSecret, randomToken } from '../lib/crypto.js';
import { AppError, BadRequestError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Redis } from '../lib/redis.js';
import { connections } from '../db/schema/index.js';
import type { Enqueue } from '../jobs/queues.js';
import { saveConnection } from './connections.js';
import { garminOAuthConfig } from './garmin-token.js';
import { requireRunner } from './runners.js';
import { checkBrowserBinding, InvalidStateError } from './strava-connect.js';

/**
 * Connecting a runner's Garmin account (OAuth 2 + PKCE, platform-apis.md §2.2). The `state` is
 * signed and expires like Strava's (its MAC domain is Garmin's own); its nonce keys a single-use
 * Redis entry holding the runner id and the PKCE verifier, so the verifier never leaves the server.
 * The callback exchanges the code, asks Garmin for the stable `userId` and the granted permissions,
 * and stores the connection with encrypted tokens. Without ACTIVITY_EXPORT nothing is stored: no
 * activity would ever arrive, and the runner is told how to fix it.
 */

const STATE_PURPOSE = 'garmin-oauth-state';

/** As for Strava: 12 weeks of history so the weekly rules have a baseline from the first day. */
export const GARMIN_BACKFILL_DAYS = 84;

export interface GarminConnectDeps {
  db: Db;
  enqueue: Enqueue;
  redis: Redis;
  env: Pick<Env, 'garmin' | 'GARMIN_OAUTH_URL' | 'GARMIN_TOKEN_URL' | 'GARMIN_API_URL' | 'GARMIN_CALLBACK_HOSTS' | 'PUBLIC_URL' | 'REDIS_PREFIX' | 'tokenEncryptionKey'>;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

export type GarminConnectResult =
  | { kind: 'connected'; runnerId: string; connectionId: string; userId: string; reconnected: boolean }
  | { kind: 'missing_permission'; runnerId: string; granted: string[] }
  | { kind: 'denied'; runnerId: string }
  | { kind: 'athlete_taken'; runnerId: string }
  | { kind: 'other_athlete_connected'; runnerId: string };

function stateKey(deps: Pick<GarminConnectDeps, 'env'>, nonce: string): string {
  return `${deps.env.REDIS_PREFIX}:garmin:oauth-state:${nonce}`;
}

export function garminCallbackUrl(env: Pick<Env, 'PUBLIC_URL'>): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, '')}/connect/garmin/callback`;
}

/** The Garmin authorize URL for a runner, with a fresh single-use state (bound to the browser's cookie nonce) and PKCE challenge. */
export async function startGarminConnect(deps: Pick<GarminConnectDeps, 'db' | 'redis' | 'env' | 'now'>, runnerId: string, browserNonce: string): Promise<string> {
  const cfg = garminOAuthConfig(deps.env);
  const runner = await requireRunner(deps, runnerId);
  const nonce = randomToken(16);
  const verifier = createPkceVerifier();
  const expires = Math.floor(deps.now().getTime() / 1000) + STATE_TTL_S;
  await deps.redis.set(stateKey(deps, nonce), JSON.stringify({ r: runner.id, v: verifier }), 'EX', STATE_TTL_S);
  const state = signState({ r: runner.id, n: nonce, e: expires, b: browserNonce }, deps.env.tokenEncryptionKey, STATE_PURPOSE);
  return authorizeUrl(cfg, garminCallbackUrl(deps.env), state, verifier);
}

/** GET /connect/garmin/callback. */
export async function completeGarminConnect(deps: GarminConnectDeps, query: Record<string, unknown>, browserNonce: string | undefined): Promise<GarminConnectResult> {
  const cfg = garminOAuthConfig(deps.env);
  if (typeof query.state !== 'string') throw new InvalidStateError('no state');
  const check = verifyState(query.state, deps.env.tokenEncryptionKey, deps.now(), STATE_PURPOSE);
  if (!check.ok) throw new InvalidStateError(check.reason.replace('_', ' '));
  checkBrowserBinding(check.payload.b, browserNonce);
  // GETDEL: single use even when two callbacks race.
  const stored = await deps.redis.getdel(stateKey(deps, check.payload.n));
  let saved: { r?: unknown; v?: unknown } = {};
  try {
    saved = stored ? (JSON.parse(stored) as typeof saved) : {};
  } catch {
    saved = {};
  }
  if (saved.r !== check.payload.r || typeof saved.v !== 'string') throw new InvalidStateError('already used or unknown');
  const runnerId = check.payload.r;
  const verifier = saved.v;

  if (typeof query.error === 'string') return { kind: 'denied', runnerId };
  if (typeof query.code !== 'string' || query.code.length === 0) throw new BadRequestError('the callback carries no authorisation code', 'missing_code');

  let tokens;
  try {
    tokens = await exchangeCode(cfg, deps.fetch, { code: query.code, verifier, redirectUri: garminCallbackUrl(deps.env) });
  } catch (err) {
    if (err instanceof GarminApiError && err.status >= 400 && err.status < 500) throw new BadRequestError('Garmin refused the authorisation code (expired or already used); start again', 'invalid_code');
    throw new AppError(502, 'garmin_unavailable', `could not reach Garmin to finish connecting: ${(err as Error).message}`);
  }

  const client = new GarminClient({ apiUrl: deps.env.GARMIN_API_URL, callbackHosts: parseCallbackHosts(deps.env.GARMIN_CALLBACK_HOSTS) }, deps.fetch, tokens.access_token);
  let userId: string;
  let permissions: string[];
  try {
    userId = await client.getUserId();
    permissions = await client.getPermissions();
  } catch (err) {
    throw new AppError(502, 'garmin_unavailable', `Garmin did not say which account connected: ${(err as Error).message}`);
  }
  if (!permissions.includes(REQUIRED_PERMISSION)) return { kind: 'missing_permission', runnerId, granted: permissions };

  const key = deps.env.tokenEncryptionKey;
  const now = deps.now();
  const result = await saveConnection(deps.db, 'garmin', runnerId, userId, {
    accessTokenEnc: encryptSecret(tokens.access_token, key),
    refreshTokenEnc: encryptSecret(tokens.refresh_token, key),
    tokenExpiresAt: new Date(now.getTime() + tokens.expires_in * 1000),
    scopes: permissions,
    status: 'active',
    statusReason: null,
    updatedAt: now,
  });
  if (result.kind !== 'saved') return { kind: result.kind, runnerId };
  await deps.db.update(connections).set({ backfillStatus: 'queued', backfillTotal: 0, backfillDone: 0 }).where(eq(connections.id, result.id));
  await deps.enqueue('garmin.backfill', { connectionId: result.id, days: GARMIN_BACKFILL_DAYS });
  deps.log.info({ runnerId, connectionId: result.id, userId, reconnected: result.reconnected }, 'garmin connected; backfill queued');
  return { kind: 'connected', runnerId, connectionId: result.id, userId, reconnected: result.reconnected };
}
