import { sql } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';

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

async function deleteInBatches(db: Db, statement: (limit: number) => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db.execute(statement(PURGE_BATCH));
    const n = res.rowCount ?? 0;
    total += n;
    if (n < PURGE_BATCH) return total;
  }
}

export async function purgeDeletedActivities(deps: RetentionDeps): Promise<number> {
  const cutoff = daysBefore(deps.now(), deps.env.DELETED_RETENTION_DAYS);
  return deleteInBatches(
    deps.db,
    (limit) => sql`delete from activities where id in (select id from activities where deleted_at is not null and deleted_at <= ${cutoff} limit ${limit})`,
  );
}

export async function purgeOldWebhookEvents(deps: RetentionDeps): Promise<number> {
  const cutoff = daysBefore(deps.now(), deps.env.WEBHOOK_RETENTION_DAYS);
  return deleteInBatches(
    deps.db,
    (limit) => sql`delete from webhook_events where id in (select id from webhook_events where processed_at is not null and processed_at <= ${cutoff} limit ${limit})`,
  );
}

export async function purgeExpired(deps: RetentionDeps): Promise<{ activities: number; webhookEvents: number }> {
  return { activities: await purgeDeletedActivities(deps), webhookEvents: await purgeOldWebhookEvents(deps) };
}
