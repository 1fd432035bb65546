import { sql } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { purgeDeletedActivitiesBatch } from '../db/queries/activities.js';

/**
 * Retention (docs/security.md): deleted activities stay recoverable for DELETED_RETENTION_DAYS and
 * are then removed for good (metrics go with them; pain answers stay, their activity link cleared);
 * webhook inbox rows that were processed or ignored are removed after WEBHOOK_RETENTION_DAYS, so
 * forged or foreign events are not stored forever. Unprocessed rows are never purged (the sweep
 * still owes them their job). Deletes run in batches so a large backlog never holds one long lock.
 */

export const PURGE_BATCH = 5_000;

export interface RetentionDeps {
  db: Db;
  env: Pick<Env, 'DELETED_RETENTION_DAYS' | 'WEBHOOK_RETENTION_DAYS'>;
  now: () => Date;
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deleteBatch(PURGE_BATCH);
    total += n;
    if (n < PURGE_BATCH) return total;
  }
}

export async function purgeDeletedActivities(deps: RetentionDeps): Promise<number> {
  const cutoff = daysBefore(deps.now(), deps.env.DELETED_RETENTION_DAYS);
  return deleteInBatches((limit) => purgeDeletedActivitiesBatch(deps.db, cutoff, limit));
}

export async function purgeOldWebhookEvents(deps: RetentionDeps): Promise<number> {
  const cutoff = daysBefore(deps.now(), deps.env.WEBHOOK_RETENTION_DAYS);
  // webhook_events queries belong with the inbox's own query module; this one stays here until it has one
  return deleteInBatches(async (limit) => {
    const res = await deps.db.execute(
      sql`delete from webhook_events where id in (select id from webhook_events where processed_at is not null and processed_at <= ${cutoff} limit ${limit})`,
    );
    return res.rowCount ?? 0;
  });
}

export async function purgeExpired(deps: RetentionDeps): Promise<{ activities: number; webhookEvents: number }> {
  return { activities: await purgeDeletedActivities(deps), webhookEvents: await purgeOldWebhookEvents(deps) };
}
