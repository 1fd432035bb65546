import type { Env } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import { findConnection, storeTokens, updateConnection, type ConnectionRow } from '../../db/queries/connections.js';
import type { Provider } from '../../integrations/provider.js';
import { decryptSecret, encryptSecret } from '../../lib/crypto.js';
import { NotConfiguredError, PermanentJobError } from '../../lib/errors.js';
import { acquireLock, releaseLock } from '../../lib/lock.js';
import type { Logger } from '../../lib/logger.js';
import type { Redis } from '../../lib/redis.js';

/**
 * Access tokens for every platform's calls. Strava and Garmin both rotate refresh tokens and the
 * previous one dies at once (docs/platforms.md), so refreshes are serialised per platform account
 * with a Redis lock (lib/lock.ts), and the row is re-read once the lock is held: a worker that waited
 * finds the token its neighbour just stored and spends nothing. A refused refresh marks the
 * connection `needs_reauth`.
 */

export type { ConnectionRow };

export interface TokenDeps {
  db: Db;
  redis: Redis;
  env: Env;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

/** Refresh when less than this is left (Strava tokens live 6 h, Garmin's ≈ 24 h). */
export const REFRESH_MARGIN_MS = 10 * 60 * 1000;

/** A connection that can no longer call its platform (revoked, needs re-authorisation). */
export class ConnectionInactiveError extends PermanentJobError {
  constructor(provider: Pick<Provider, 'id' | 'label'>, status: string) {
    super(`${provider.id}_connection_inactive`, `${provider.label} connection is ${status}`);
  }
}

/**
 * A refused refresh or a 401 right after a refresh: the runner withdrew access (or the grant is
 * dead). The connection waits for the runner to reconnect; no data is deleted.
 */
export async function markNeedsReauth(deps: Pick<TokenDeps, 'db' | 'now' | 'log'>, connectionId: string, reason: string): Promise<void> {
  await updateConnection(deps.db, connectionId, { status: 'needs_reauth', statusReason: reason, updatedAt: deps.now() });
  deps.log.warn({ connectionId, reason }, 'connection needs re-authorisation');
}

function isFresh(row: ConnectionRow, now: Date): boolean {
  return Boolean(row.accessTokenEnc && row.tokenExpiresAt && row.tokenExpiresAt.getTime() - now.getTime() > REFRESH_MARGIN_MS);
}

function requireActive(provider: Provider, row: ConnectionRow | undefined, id: string): ConnectionRow {
  if (!row) throw new PermanentJobError(`${provider.id}_connection_missing`, `connection ${id} not found`);
  if (row.status !== 'active' || !row.refreshTokenEnc) throw new ConnectionInactiveError(provider, row.status);
  return row;
}

export interface AccessToken {
  token: string;
  /** true when this call (or a neighbour while we waited) produced a new token */
  refreshed: boolean;
}

/**
 * A usable access token for the connection, refreshing it when it expires within the margin or when
 * `rejected` (a token the platform just answered 401 to) is still the stored one.
 */
export async function getAccessToken(deps: TokenDeps, provider: Provider, connectionId: string, opts: { rejected?: string } = {}): Promise<AccessToken> {
  const key = deps.env.tokenEncryptionKey;
  const first = requireActive(provider, await findConnection(deps.db, connectionId), connectionId);
  const usable = (row: ConnectionRow) => isFresh(row, deps.now()) && (!opts.rejected || decryptSecret(row.accessTokenEnc!, key) !== opts.rejected);
  if (usable(first)) return { token: decryptSecret(first.accessTokenEnc!, key), refreshed: false };

  if (!provider.configured(deps.env)) throw new NotConfiguredError(provider.label);
  const lockKey = `${deps.env.REDIS_PREFIX}:${provider.id}:lock:refresh:${first.externalAthleteId}`;
  const lock = await acquireLock(deps.redis, lockKey);
  // Retryable: the holder is slow or died; its lock expires within the lock's TTL.
  if (!lock) throw new Error(`token refresh lock for ${provider.label} account ${first.externalAthleteId} is busy`);
  try {
    const row = requireActive(provider, await findConnection(deps.db, connectionId), connectionId);
    if (usable(row)) return { token: decryptSecret(row.accessTokenEnc!, key), refreshed: true };
    const old = decryptSecret(row.refreshTokenEnc!, key);
    let grant;
    try {
      grant = await provider.refresh(deps, old);
    } catch (err) {
      if (provider.isRefusedGrant(err)) {
        await markNeedsReauth(deps, connectionId, 'refresh_refused');
        throw new PermanentJobError(`${provider.id}_needs_reauth`, `${provider.label} refused the refresh token; the runner must reconnect`);
      }
      throw err;
    }
    await storeTokens(
      deps.db,
      connectionId,
      { accessTokenEnc: encryptSecret(grant.accessToken, key), refreshTokenEnc: encryptSecret(grant.refreshToken, key), tokenExpiresAt: grant.expiresAt },
      deps.now(),
    );
    deps.log.info({ connectionId, account: row.externalAthleteId, rotated: grant.refreshToken !== old }, `${provider.id} token refreshed`);
    return { token: grant.accessToken, refreshed: true };
  } finally {
    await releaseLock(deps.redis, lockKey, lock);
  }
}
