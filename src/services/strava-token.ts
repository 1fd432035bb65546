import { eq } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { connections } from '../db/schema/index.js';
import { isRefusedGrant, refreshAccessToken } from '../integrations/strava/oauth.js';
import { decryptSecret, encryptSecret } from '../lib/crypto.js';
import { acquireLock, releaseLock } from '../lib/lock.js';
import { NotConfiguredError, PermanentJobError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Redis } from '../lib/redis.js';

/**
 * Access tokens for Strava calls. Strava rotates refresh tokens and the previous one dies at once
 * (platform-apis.md §1.2), so refreshes are serialised per athlete with a Redis lock (SET NX PX +
 * token-checked release), and the row is re-read after the lock is acquired: a worker that waited
 * finds the token its neighbour just stored and spends nothing.
 */

export type ConnectionRow = typeof connections.$inferSelect;

export interface TokenDeps {
  db: Db;
  redis: Redis;
  env: Pick<Env, 'strava' | 'STRAVA_OAUTH_URL' | 'REDIS_PREFIX' | 'tokenEncryptionKey'>;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

/** Refresh when less than this is left (Strava tokens live 6 h). */
export const REFRESH_MARGIN_MS = 10 * 60 * 1000;

/** A connection that can no longer call Strava (revoked, needs re-authorisation). */
export class ConnectionInactiveError extends PermanentJobError {
  constructor(status: string) {
    super('strava_connection_inactive', `Strava connection is ${status}`);
  }
}

export async function findConnection(db: Db, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await db.select().from(connections).where(eq(connections.id, id));
  return row;
}

/**
 * A refused refresh or a 401 right after a refresh: the athlete withdrew access (or the grant is
 * dead). The connection waits for the runner to reconnect; no data is deleted.
 */
export async function markNeedsReauth(deps: Pick<TokenDeps, 'db' | 'now' | 'log'>, connectionId: string, reason: string): Promise<void> {
  await deps.db.update(connections).set({ status: 'needs_reauth', statusReason: reason, updatedAt: deps.now() }).where(eq(connections.id, connectionId));
  deps.log.warn({ connectionId, reason }, 'connection needs re-authorisation');
}

function isFresh(row: ConnectionRow, now: Date): boolean {
  return Boolean(row.accessTokenEnc && row.tokenExpiresAt && row.tokenExpiresAt.getTime() - now.getTime() > REFRESH_MARGIN_MS);
}

function requireActive(row: ConnectionRow | undefined, id: string): ConnectionRow {
  if (!row) throw new PermanentJobError('strava_connection_missing', `connection ${id} not found`);
  if (row.status !== 'active' || !row.refreshTokenEnc) throw new ConnectionInactiveError(row.status);
  return row;
}

export interface AccessToken {
  token: string;
  /** true when this call (or a neighbour while we waited) produced a new token */
  refreshed: boolean;
}

/**
 * A usable access token for the connection, refreshing it when it expires within the margin or when
 * `rejected` (a token Strava just answered 401 to) is still the stored one.
 */
export async function getAccessToken(deps: TokenDeps, connectionId: string, opts: { rejected?: string } = {}): Promise<AccessToken> {
  const key = deps.env.tokenEncryptionKey;
  const first = requireActive(await findConnection(deps.db, connectionId), connectionId);
  const usable = (row: ConnectionRow) => isFresh(row, deps.now()) && (!opts.rejected || decryptSecret(row.accessTokenEnc!, key) !== opts.rejected);
  if (usable(first)) return { token: decryptSecret(first.accessTokenEnc!, key), refreshed: false };

  const cfg = deps.env.strava;
  if (!cfg) throw new NotConfiguredError('Strava');
  const lockKey = `${deps.env.REDIS_PREFIX}:strava:lock:refresh:${first.externalAthleteId}`;
  const lock = await acquireLock(deps.redis, lockKey);
  // Retryable: the holder is slow or died; its lock expires within LOCK_TTL_MS.
  if (!lock) throw new Error(`token refresh lock for athlete ${first.externalAthleteId} is busy`);
  try {
    const row = requireActive(await findConnection(deps.db, connectionId), connectionId);
    if (usable(row)) return { token: decryptSecret(row.accessTokenEnc!, key), refreshed: true };
    let res;
    try {
      res = await refreshAccessToken(
        { oauthUrl: deps.env.STRAVA_OAUTH_URL, clientId: cfg.clientId, clientSecret: cfg.clientSecret },
        deps.fetch,
        decryptSecret(row.refreshTokenEnc!, key),
      );
    } catch (err) {
      if (isRefusedGrant(err)) {
        await markNeedsReauth(deps, connectionId, 'refresh_refused');
        throw new PermanentJobError('strava_needs_reauth', 'Strava refused the refresh token; the runner must reconnect');
      }
      throw err;
    }
    // The whole answer in one transaction: the old refresh token is already dead upstream.
    await deps.db.transaction(async (tx) => {
      await tx
        .update(connections)
        .set({
          accessTokenEnc: encryptSecret(res.access_token, key),
          refreshTokenEnc: encryptSecret(res.refresh_token, key),
          tokenExpiresAt: new Date(res.expires_at * 1000),
          updatedAt: deps.now(),
        })
        .where(eq(connections.id, connectionId));
    });
    deps.log.info({ connectionId, athleteId: row.externalAthleteId, rotated: res.refresh_token !== decryptSecret(row.refreshTokenEnc!, key) }, 'strava token refreshed');
    return { token: res.access_token, refreshed: true };
  } finally {
    await releaseLock(deps.redis, lockKey, lock);
  }
}
