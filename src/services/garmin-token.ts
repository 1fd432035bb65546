import { eq } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { connections } from '../db/schema/index.js';
import { isRefusedGrant, refreshAccessToken, type GarminOAuthConfig } from '../integrations/garmin/oauth.js';
import { decryptSecret, encryptSecret } from '../lib/crypto.js';
import { NotConfiguredError, PermanentJobError } from '../lib/errors.js';
import { acquireLock, releaseLock } from '../lib/lock.js';
import type { Logger } from '../lib/logger.js';
import type { Redis } from '../lib/redis.js';
import { findConnection, markNeedsReauth, type ConnectionRow } from './strava-token.js';

/**
 * Access tokens for Garmin calls (≈ 24 h; refresh tokens ≈ 90 days and rotating, platform-apis.md
 * §2.2). Same scheme as Strava's (strava-token.ts): refresh under a per-user Redis lock, re-read the
 * row once the lock is held so a worker that waited uses its neighbour's fresh token.
 */

export interface GarminTokenDeps {
  db: Db;
  redis: Redis;
  env: Pick<Env, 'garmin' | 'GARMIN_OAUTH_URL' | 'GARMIN_TOKEN_URL' | 'REDIS_PREFIX' | 'tokenEncryptionKey'>;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

/** Refresh when less than this is left. */
export const GARMIN_REFRESH_MARGIN_MS = 10 * 60 * 1000;

export function garminOAuthConfig(env: GarminTokenDeps['env']): GarminOAuthConfig {
  if (!env.garmin) throw new NotConfiguredError('Garmin');
  return { oauthUrl: env.GARMIN_OAUTH_URL, tokenUrl: env.GARMIN_TOKEN_URL, clientId: env.garmin.clientId, clientSecret: env.garmin.clientSecret };
}

function requireActive(row: ConnectionRow | undefined, id: string): ConnectionRow {
  if (!row) throw new PermanentJobError('garmin_connection_missing', `connection ${id} not found`);
  if (row.status !== 'active' || !row.refreshTokenEnc) throw new PermanentJobError('garmin_connection_inactive', `Garmin connection is ${row.status}`);
  return row;
}

/**
 * A usable access token, refreshed when it expires within the margin or when `rejected` (a token
 * Garmin just answered 401 to) is still the stored one.
 */
export async function getGarminAccessToken(deps: GarminTokenDeps, connectionId: string, opts: { rejected?: string } = {}): Promise<string> {
  const key = deps.env.tokenEncryptionKey;
  const usable = (row: ConnectionRow) =>
    Boolean(row.accessTokenEnc && row.tokenExpiresAt && row.tokenExpiresAt.getTime() - deps.now().getTime() > GARMIN_REFRESH_MARGIN_MS) &&
    (!opts.rejected || decryptSecret(row.accessTokenEnc!, key) !== opts.rejected);
  const first = requireActive(await findConnection(deps.db, connectionId), connectionId);
  if (usable(first)) return decryptSecret(first.accessTokenEnc!, key);

  const cfg = garminOAuthConfig(deps.env);
  const lockKey = `${deps.env.REDIS_PREFIX}:garmin:lock:refresh:${first.externalAthleteId}`;
  const lock = await acquireLock(deps.redis, lockKey);
  if (!lock) throw new Error(`token refresh lock for Garmin user ${first.externalAthleteId} is busy`);
  try {
    const row = requireActive(await findConnection(deps.db, connectionId), connectionId);
    if (usable(row)) return decryptSecret(row.accessTokenEnc!, key);
    let res;
    try {
      res = await refreshAccessToken(cfg, deps.fetch, decryptSecret(row.refreshTokenEnc!, key));
    } catch (err) {
      if (isRefusedGrant(err)) {
        await markNeedsReauth(deps, connectionId, 'refresh_refused');
        throw new PermanentJobError('garmin_needs_reauth', 'Garmin refused the refresh token; the runner must reconnect');
      }
      throw err;
    }
    await deps.db
      .update(connections)
      .set({
        accessTokenEnc: encryptSecret(res.access_token, key),
        refreshTokenEnc: encryptSecret(res.refresh_token, key),
        tokenExpiresAt: new Date(deps.now().getTime() + res.expires_in * 1000),
        updatedAt: deps.now(),
      })
      .where(eq(connections.id, connectionId));
    deps.log.info({ connectionId, userId: row.externalAthleteId }, 'garmin token refreshed');
    return res.access_token;
  } finally {
    await releaseLock(deps.redis, lockKey, lock);
  }
}
