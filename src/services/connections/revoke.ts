import type { Db } from '../../db/client.js';
import { markConnectionRevoked } from '../../db/queries/connections.js';
import { listLiveActivityIdsOfSource } from '../../db/queries/provider-activities.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { deleteActivities } from '../activities.js';
import { enqueueUpstreamRevokes, keepForUpstreamRevoke } from './upstream-revoke.js';

/**
 * Access to a platform ended (Strava deauthorisation, Garmin deregistration, or the runner
 * disconnecting): the platforms' terms ask for their data to go (docs/platforms.md). Tokens are
 * wiped, the connection is kept as `revoked` (so late events are recognised and ignored), the
 * runner's activities from that platform are deleted (soft: purged after the retention grace) and
 * their weeks recomputed; uploads and the other platform's activities stay. The runner's own pain
 * answers stay too: their activity link is ON DELETE SET NULL.
 *
 * `retryUpstream`: the platform could not be told yet (a disconnect whose revoke failed on the
 * network or a 5xx): the encrypted tokens are copied for the `connection.revoke-upstream` job in the
 * same transaction that wipes them from the connection, and the job is queued.
 */
export async function revokeConnection(
  deps: { db: Db; enqueue: Enqueue; now: () => Date; log: Logger },
  connectionId: string,
  reason: string,
  opts: { retryUpstream?: boolean } = {},
): Promise<{ deletedActivities: number; upstreamRevokeIds: string[] }> {
  const { conn, upstreamRevokeIds } = await deps.db.transaction(async (tx) => {
    const ids = opts.retryUpstream ? await keepForUpstreamRevoke(tx, { connectionId }, reason) : [];
    return { conn: await markConnectionRevoked(tx, connectionId, reason, deps.now()), upstreamRevokeIds: ids };
  });
  if (!conn) return { deletedActivities: 0, upstreamRevokeIds: [] };
  await enqueueUpstreamRevokes(deps, upstreamRevokeIds);
  const rows = await listLiveActivityIdsOfSource(deps.db, conn.runnerId, conn.provider);
  const deleted = await deleteActivities(
    deps,
    conn.runnerId,
    rows.map((r) => r.id),
    reason,
  );
  deps.log.info({ connectionId, runnerId: conn.runnerId, deletedActivities: deleted, reason }, `${conn.provider} connection revoked`);
  return { deletedActivities: deleted, upstreamRevokeIds };
}
