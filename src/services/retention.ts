import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { purgeDeletedActivitiesBatch } from '../db/queries/activities.js';
import { purgeProcessedEventsBatch } from '../db/queries/webhook-events.js';
import { expireSourceData, type SourceRetentionDeps } from './source-retention.js';

/**
 * Retention (docs/security.md): deleted activities stay recoverable for DELETED_RETENTION_DAYS and
 * are then removed for good (metrics go with them; pain answers stay, their activity link cleared);
 * webhook inbox rows that were processed or ignored are removed after WEBHOOK_RETENTION_DAYS, so
 * forged or foreign events are not stored forever. Unprocessed rows are never purged (the sweep
 * still owes them their job). Activity data of a source kept as a cache (`STRAVA_RETENTION=cache:7d`,
 * docs/platforms.md) is removed at the end of its window by expireSourceData. Deletes run in batches so a large backlog never holds one long lock.
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

export async function purgeExpired(deps: RetentionDeps & SourceRetentionDeps): Promise<{ activities: number; webhookEvents: number; expired: number }> {
  const activities = await purgeDeletedActivities(deps);
  const webhookEvents = await purgeOldWebhookEvents(deps);
  return { activities, webhookEvents, expired: await expireSourceData(deps) };
}
