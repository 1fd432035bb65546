import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { purgeDeletedActivitiesBatch } from '../db/queries/activities.js';
import { purgeProcessedEventsBatch } from '../db/queries/webhook-events.js';
import { purgeExportFiles } from './exports/purge.js';

/**
 * Retention (docs/security.md): deleted activities stay recoverable for DELETED_RETENTION_DAYS and
 * are then removed for good (metrics go with them; pain answers stay, their activity link cleared);
 * webhook inbox rows that were processed or ignored are removed after WEBHOOK_RETENTION_DAYS, so
 * forged or foreign events are not stored forever. Unprocessed rows are never purged (the sweep
 * still owes them their job). Export files go once their link expired or their download's grace passed.
 * Deletes run in batches so a large backlog never holds one long lock.
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
  return deleteInBatches((limit) => purgeProcessedEventsBatch(deps.db, cutoff, limit));
}

/** Everything the retention job removes, export files included (their expiry and download grace, docs/security.md). */
export async function purgeExpired(
  deps: RetentionDeps & { env: Pick<Env, 'EXPORT_DOWNLOAD_GRACE_MINUTES'> },
): Promise<{ activities: number; webhookEvents: number; exportFiles: number }> {
  return { activities: await purgeDeletedActivities(deps), webhookEvents: await purgeOldWebhookEvents(deps), exportFiles: await purgeExportFiles(deps) };
}
