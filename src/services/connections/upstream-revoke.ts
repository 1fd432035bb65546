import type { Db, DbOrTx } from '../../db/client.js';
import {
  countUpstreamRevokeAttempt,
  deleteUpstreamRevoke,
  findUpstreamRevoke,
  insertUpstreamRevokesFrom,
  recordUpstreamRevokeError,
  storeUpstreamRevokeTokens,
} from '../../db/queries/upstream-revokes.js';
import type { Provider, ProviderContext } from '../../integrations/provider.js';
import { providersOf, type ProviderRegistry } from '../../integrations/registry.js';
import type { Enqueue } from '../../jobs/queues.js';
import { decryptSecret, encryptSecret } from '../../lib/crypto.js';
import { PermanentJobError } from '../../lib/errors.js';
import { safeErrorMessage } from '../../lib/log-redact.js';
import type { Logger } from '../../lib/logger.js';

/**
 * Revoking a platform grant upstream, retried (docs/security.md "Revokes are retried"). When the
 * first attempt of a disconnect fails on the network, a 5xx or a rate limit, and for every
 * connection of an erased runner, what the revoke needs (provider, account, status, the tokens still
 * encrypted) is copied into `upstream_revokes` and the `connection.revoke-upstream` job retries it
 * with back-off; the recovery sweep queues it again if its job is lost or spent. The row, tokens
 * included, is deleted as soon as the platform confirms, says the grant is already gone (401, 404,
 * 410, a refused refresh) or refuses the request itself (another 4xx: retrying cannot help). The row
 * has no runner reference, so the job works after the runner is erased.
 */

export type RevokeVerdict = 'gone' | 'retry' | 'refused';

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** What a failed upstream revoke means: the grant is gone already, try again later, or the platform refused for good. */
export function classifyRevokeError(provider: Provider, err: unknown): RevokeVerdict {
  if (provider.isUnauthorized(err) || provider.isNotFound(err) || provider.isRefusedGrant(err)) return 'gone';
  if (err instanceof PermanentJobError && err.code === `${provider.id}_unauthorized`) return 'gone';
  const status = statusOf(err);
  if (status === 410) return 'gone';
  if (provider.isClientError(err) && status !== 408 && status !== 429) return 'refused';
  return 'retry';
}

/** Copy the grant of one connection, or of every connection of a runner, for the revoke job (inside the caller's transaction). */
export function keepForUpstreamRevoke(db: DbOrTx, where: { connectionId: string } | { runnerId: string }, reason: string): Promise<string[]> {
  return insertUpstreamRevokesFrom(db, where, reason);
}

/** Queue the revoke jobs (after the rows are committed). Redis down: logged; the recovery sweep queues them later. */
export async function enqueueUpstreamRevokes(deps: { enqueue: Enqueue; log: Logger }, ids: readonly string[]): Promise<void> {
  for (const revokeId of ids) {
    try {
      await deps.enqueue('connection.revoke-upstream', { revokeId });
    } catch (err) {
      deps.log.warn({ revokeId, err }, 'could not queue the upstream revoke; the recovery sweep will');
    }
  }
}

export type UpstreamRevokeOutcome = 'revoked' | 'grant_gone' | 'refused' | 'not_attempted' | 'already_done';

/**
 * One attempt. Resolves when the row is settled (and deleted); throws when the platform could not be
 * reached or answered 5xx / 429, so the job is retried. A 401 refreshes the token once (the new
 * tokens are stored encrypted in the row) and tries again.
 */
export async function runUpstreamRevoke(
  deps: ProviderContext & { db: Db; log: Logger; providers?: ProviderRegistry },
  revokeId: string,
): Promise<{ outcome: UpstreamRevokeOutcome }> {
  const row = await findUpstreamRevoke(deps.db, revokeId);
  if (!row) return { outcome: 'already_done' };
  const provider = providersOf(deps).find(row.provider);
  const log = deps.log.child({ revokeId, provider: row.provider });
  if (!provider) {
    await deleteUpstreamRevoke(deps.db, revokeId);
    log.warn('upstream revoke for a platform this deployment does not know: given up');
    return { outcome: 'not_attempted' };
  }
  await countUpstreamRevokeAttempt(deps.db, revokeId, deps.now());
  const key = deps.env.tokenEncryptionKey;
  let accessToken = row.accessTokenEnc ? decryptSecret(row.accessTokenEnc, key) : null;
  let refreshToken = row.refreshTokenEnc ? decryptSecret(row.refreshTokenEnc, key) : null;
  let refreshed = false;
  const scope = provider.callScope(deps, 'webhook');
  const call = async <T>(fn: (api: unknown) => Promise<T>): Promise<T> => {
    for (;;) {
      await scope.before?.();
      try {
        return await fn(scope.api(accessToken ?? ''));
      } catch (err) {
        if (provider.isUnauthorized(err) && !refreshed && refreshToken) {
          refreshed = true;
          const grant = await provider.refresh(deps, refreshToken);
          accessToken = grant.accessToken;
          refreshToken = grant.refreshToken;
          await storeUpstreamRevokeTokens(
            deps.db,
            revokeId,
            { accessTokenEnc: encryptSecret(grant.accessToken, key), refreshTokenEnc: encryptSecret(grant.refreshToken, key), tokenExpiresAt: grant.expiresAt },
            deps.now(),
          );
          continue;
        }
        await scope.onError?.(err);
        throw err;
      }
    }
  };
  try {
    const attempted = await provider.revokeUpstream(deps, { status: row.connectionStatus, refreshToken }, call);
    await deleteUpstreamRevoke(deps.db, revokeId);
    log.info({ attempts: row.attempts + 1, attempted }, attempted ? 'grant revoked upstream' : 'nothing to revoke upstream');
    return { outcome: attempted ? 'revoked' : 'not_attempted' };
  } catch (err) {
    const verdict = classifyRevokeError(provider, err);
    if (verdict === 'gone') {
      await deleteUpstreamRevoke(deps.db, revokeId);
      log.info({ attempts: row.attempts + 1 }, 'the platform says the grant is gone already');
      return { outcome: 'grant_gone' };
    }
    if (verdict === 'refused') {
      await deleteUpstreamRevoke(deps.db, revokeId);
      log.error({ err }, 'the platform refused the upstream revoke: given up, tokens deleted');
      return { outcome: 'refused' };
    }
    await recordUpstreamRevokeError(deps.db, revokeId, safeErrorMessage(err), deps.now());
    throw err;
  }
}
