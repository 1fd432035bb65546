import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { purgeDeletedActivitiesBatch } from '../db/queries/activities.js';
import { purgeOrphanFilesBatch } from '../db/queries/files.js';
import { purgeProcessedEventsBatch } from '../db/queries/webhook-events.js';
import { purgeExportFiles } from './exports/purge.js';
import { expireSourceData, type SourceRetentionDeps } from './source-retention.js';

/**
 * Retention (docs/security.md): deleted activities stay recoverable for DELETED_RETENTION_DAYS and
 * are then removed for good (metrics go with them; pain answers stay, their activity link cleared);
 * the raw files (FIT bytes: GPS, heart rate) go in the same statement as the last activity needing
 * them, and files no activity references are swept after ORPHAN_FILE_GRACE_MS;
 * webhook inbox rows that were processed or ignored are removed after WEBHOOK_RETENTION_DAYS, so
 * forged or foreign events are not stored forever. Unprocessed rows are never purged (the sweep
 * still owes them their job). Export files go once their link expired or their download's grace passed.
 * Activity data of a source kept as a cache (`STRAVA_RETENTION=cache:7d`, docs/platforms.md) is removed at
 * the end of its window by expireSourceData. Deletes run in batches so a large backlog never holds one long lock.
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

/** Files no activity references are removed once they are this old (a day: nothing in flight lasts that long). */
export const ORPHAN_FILE_GRACE_MS = 24 * 3_600_000;

/** Purge soft-deleted activities past the grace period and the files only they needed. */
export async function purgeDeletedActivitiesAndFiles(deps: RetentionDeps): Promise<{ activities: number; files: number }> {
  const cutoff = daysBefore(deps.now(), deps.env.DELETED_RETENTION_DAYS);
  const total = { activities: 0, files: 0 };
  for (;;) {
    const n = await purgeDeletedActivitiesBatch(deps.db, cutoff, PURGE_BATCH);
    total.activities += n.activities;
    total.files += n.files;
    if (n.activities < PURGE_BATCH) return total;
  }
}

export async function purgeDeletedActivities(deps: RetentionDeps): Promise<number> {
  return (await purgeDeletedActivitiesAndFiles(deps)).activities;
}

/** Files no activity references, older than ORPHAN_FILE_GRACE_MS. */
export async function purgeOrphanFiles(deps: Pick<RetentionDeps, 'db' | 'now'>): Promise<number> {
  const before = new Date(deps.now().getTime() - ORPHAN_FILE_GRACE_MS);
  return deleteInBatches((limit) => purgeOrphanFilesBatch(deps.db, before, limit));
}

export async function purgeOldWebhookEvents(deps: RetentionDeps): Promise<number> {
  const cutoff = daysBefore(deps.now(), deps.env.WEBHOOK_RETENTION_DAYS);
  return deleteInBatches((limit) => purgeProcessedEventsBatch(deps.db, cutoff, limit));
}

/** Everything the retention job removes: purged activities and the files only they needed, orphan files, old inbox rows, export files past their expiry or download grace (docs/security.md), and the data of cached sources past their window. */
export async function purgeExpired(
  deps: RetentionDeps & SourceRetentionDeps & { env: Pick<Env, 'EXPORT_DOWNLOAD_GRACE_MINUTES'> },
): Promise<{ activities: number; files: number; orphanFiles: number; webhookEvents: number; exportFiles: number; expired: number }> {
  const { activities, files } = await purgeDeletedActivitiesAndFiles(deps);
  return {
    activities,
    files,
    orphanFiles: await purgeOrphanFiles(deps),
    webhookEvents: await purgeOldWebhookEvents(deps),
    exportFiles: await purgeExportFiles(deps),
    expired: await expireSourceData(deps),
  };
}
