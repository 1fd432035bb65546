import type { Db } from '../../db/client.js';
import { markConnectionRevoked } from '../../db/queries/connections.js';
import { listLiveActivityIdsOfSource } from '../../db/queries/provider-activities.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { deleteActivities } from '../activities.js';

/**
 * Access to a platform ended (Strava deauthorisation, Garmin deregistration, or the runner
 * disconnecting): the platforms' terms ask for their data to go (docs/platforms.md). Tokens are
 * wiped, the connection is kept as `revoked` (so late events are recognised and ignored), the
 * runner's activities from that platform are deleted (soft: purged after the retention grace) and
 * their weeks recomputed; uploads and the other platform's activities stay. The runner's own pain
 * answers stay too: their activity link is ON DELETE SET NULL.
 */
export async function revokeConnection(
  deps: { db: Db; enqueue: Enqueue; now: () => Date; log: Logger },
  connectionId: string,
  reason: string,
): Promise<{ deletedActivities: number }> {
  const conn = await markConnectionRevoked(deps.db, connectionId, reason, deps.now());
  if (!conn) return { deletedActivities: 0 };
  const rows = await listLiveActivityIdsOfSource(deps.db, conn.runnerId, conn.provider);
  const deleted = await deleteActivities(
    deps,
    conn.runnerId,
    rows.map((r) => r.id),
    reason,
  );
  deps.log.info({ connectionId, runnerId: conn.runnerId, deletedActivities: deleted, reason }, `${conn.provider} connection revoked`);
  return { deletedActivities: deleted };
}
