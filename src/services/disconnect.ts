import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { connections, type Provider } from '../db/schema/index.js';
import { GarminClient, parseCallbackHosts } from '../integrations/garmin/client.js';
import { revokeGrant } from '../integrations/strava/oauth.js';
import { decryptSecret } from '../lib/crypto.js';
import { NotFoundError } from '../lib/errors.js';
import type { AppDeps } from '../deps.js';
import { getGarminAccessToken } from './garmin-token.js';
import { revokeConnection } from './strava-revoke.js';

export interface DisconnectResult {
  provider: Provider;
  status: 'disconnected';
  /** whether the platform confirmed it dropped our access (false: it could not be reached or refused) */
  upstreamRevoked: boolean;
  deletedActivities: number;
}

async function findRunnerConnection(db: Db, runnerId: string, provider: Provider) {
  const [row] = await db.select().from(connections).where(and(eq(connections.runnerId, runnerId), eq(connections.provider, provider)));
  return row;
}

/**
 * The runner disconnects a platform from stridesync: tell the platform to drop our access (Strava
 * `POST /oauth/revoke`; Garmin `DELETE /user/registration`, which its programme requires), then
 * revoke locally — tokens wiped, that platform's activities deleted (the platforms' terms), the
 * runner's own pain answers kept. The local part happens even when the platform cannot be reached:
 * the runner's wish does not wait for a third party; the answer says whether upstream confirmed.
 */
export async function disconnectConnection(deps: AppDeps, runnerId: string, provider: Provider): Promise<DisconnectResult> {
  const conn = await findRunnerConnection(deps.db, runnerId, provider);
  if (!conn || conn.status === 'revoked') throw new NotFoundError(`runner ${runnerId} has no ${provider} connection`, 'connection_not_found');
  let upstreamRevoked = false;
  try {
    if (provider === 'strava' && deps.env.strava && conn.refreshTokenEnc) {
      const cfg = { oauthUrl: deps.env.STRAVA_OAUTH_URL, clientId: deps.env.strava.clientId, clientSecret: deps.env.strava.clientSecret };
      await revokeGrant(cfg, deps.fetch, decryptSecret(conn.refreshTokenEnc, deps.env.tokenEncryptionKey));
      upstreamRevoked = true;
    } else if (provider === 'garmin' && deps.env.garmin && conn.status === 'active') {
      const token = await getGarminAccessToken(deps, conn.id);
      await new GarminClient({ apiUrl: deps.env.GARMIN_API_URL, callbackHosts: parseCallbackHosts(deps.env.GARMIN_CALLBACK_HOSTS) }, deps.fetch, token).deleteRegistration();
      upstreamRevoked = true;
    }
  } catch (err) {
    deps.log.warn({ runnerId, provider, err: (err as Error).message }, 'platform did not confirm the disconnect; revoking locally');
  }
  const { deletedActivities } = await revokeConnection(deps, conn.id, upstreamRevoked ? 'disconnected_by_runner' : 'disconnected_by_runner_upstream_unconfirmed');
  return { provider, status: 'disconnected', upstreamRevoked, deletedActivities };
}
