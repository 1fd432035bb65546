import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';

/**
 * Read-only counts for the Prometheus gauges (src/services/metrics.ts): one statement each, so a scrape
 * costs one round trip per gauge. They read activities, notifications, webhook_events and connections.
 */

/** Rows waiting longer than `minutes` in an in-between state, by kind (activity_queued, webhook_event, …); kinds with none are absent. */
export async function countStuckRows(db: DbOrTx, minutes: number): Promise<Array<{ kind: string; n: number }>> {
  const interval = sql.raw(`interval '${Math.trunc(minutes)} minutes'`);
  const { rows } = await db.execute<{ kind: string; n: number }>(sql`
    select 'activity_' || status as kind, count(*)::int as n from activities
      where status in ('queued', 'processing') and updated_at < now() - ${interval} group by status
    union all
    select 'webhook_event', count(*)::int from webhook_events where processed_at is null and received_at < now() - ${interval}
    union all
    select 'notification_pending', count(*)::int from notifications where status = 'pending' and created_at < now() - ${interval}
    union all
    select 'backfill_' || backfill_status, count(*)::int from connections
      where backfill_status in ('queued', 'running') and updated_at < now() - ${interval} group by backfill_status`);
  return rows;
}

/** Webhook inbox rows not yet processed, by provider (providers with none are absent). */
export async function countInboxBacklog(db: DbOrTx): Promise<Array<{ provider: string; n: number }>> {
  const { rows } = await db.execute<{ provider: string; n: number }>(
    sql`select provider, count(*)::int as n from webhook_events where processed_at is null group by provider`,
  );
  return rows;
}
