import { findRunnerConnection } from '../../db/queries/connections.js';
import { providersOf, type ProviderRegistry } from '../../integrations/registry.js';
import { decryptSecret } from '../../lib/crypto.js';
import { NotFoundError } from '../../lib/errors.js';
import type { AppDeps } from '../../deps.js';
import { revokeConnection } from './revoke.js';
import { classifyRevokeError } from './upstream-revoke.js';
import { openSession } from './session.js';

export interface DisconnectResult {
  provider: string;
  status: 'disconnected';
  /** whether the platform confirmed it dropped our access (false: it could not be reached or refused) */
  upstreamRevoked: boolean;
  /** the platform could not be reached (network, 5xx, rate limit): the `connection.revoke-upstream` job retries it */
  upstreamRevokePending: boolean;
  deletedActivities: number;
}

/**
 * The runner disconnects a platform from stridesync: tell the platform to drop our access (each
 * adapter's `revokeUpstream`: Strava `POST /oauth/revoke`; Garmin `DELETE /user/registration`, which
 * its programme requires — through the session, so a stale token is refreshed once), then revoke
 * locally — tokens wiped, that platform's activities deleted (the platforms' terms), the runner's own
 * pain answers kept. The local part happens even when the platform cannot be reached: the runner's
 * wish does not wait for a third party; the answer says whether upstream confirmed. A platform that
 * could not be reached (network, 5xx, rate limit) is asked again by the `connection.revoke-upstream`
 * job until it confirms (services/connections/upstream-revoke.ts); a platform saying the grant is
 * already gone (401 after a refresh, 404) counts as confirmed.
 */
export async function disconnectConnection(deps: AppDeps & { providers?: ProviderRegistry }, runnerId: string, providerId: string): Promise<DisconnectResult> {
  const provider = providersOf(deps).find(providerId);
  const conn = provider ? await findRunnerConnection(deps.db, runnerId, provider.id) : undefined;
  if (!provider || !conn || conn.status === 'revoked') throw new NotFoundError(`runner ${runnerId} has no ${providerId} connection`, 'connection_not_found');
  let upstreamRevoked = false;
  let retryUpstream = false;
  try {
    const session = openSession(deps, provider, conn.id);
    const refreshToken = conn.refreshTokenEnc ? decryptSecret(conn.refreshTokenEnc, deps.env.tokenEncryptionKey) : null;
    upstreamRevoked = await provider.revokeUpstream(deps, { status: conn.status, refreshToken }, (fn) => session.call(fn));
  } catch (err) {
    const verdict = classifyRevokeError(provider, err);
    if (verdict === 'gone') upstreamRevoked = true;
    retryUpstream = verdict === 'retry';
    deps.log.warn({ runnerId, provider: providerId, err, verdict }, 'platform did not confirm the disconnect; revoking locally');
  }
  const { deletedActivities, upstreamRevokeIds } = await revokeConnection(
    deps,
    conn.id,
    upstreamRevoked ? 'disconnected_by_runner' : 'disconnected_by_runner_upstream_unconfirmed',
    { retryUpstream },
  );
  return { provider: providerId, status: 'disconnected', upstreamRevoked, upstreamRevokePending: upstreamRevokeIds.length > 0, deletedActivities };
}
