import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { expireActivityData, listActivitiesPastWindow } from '../db/queries/activities.js';
import { ACTIVITY_SOURCES } from '../db/schema/activities.js';
import { expiredReasonFor, expiryCutoff, retentionFor, type RetentionSettings } from '../domain/retention.js';
import type { Enqueue } from '../jobs/queues.js';
import { enqueueWeekRecomputes, resettleOrphans } from './activities.js';

/** Activities expired per transaction. */
export const EXPIRE_BATCH = 500;

export interface SourceRetentionDeps {
  db: Db;
  env: Pick<Env, 'STRAVA_RETENTION' | 'GARMIN_RETENTION' | 'UPLOAD_RETENTION'>;
  now: () => Date;
  enqueue: Enqueue;
}

/** The per-source rules from the configuration (docs/security.md "Retention per source"). */
export function retentionSettingsOf(env: SourceRetentionDeps['env']): RetentionSettings {
  return { strava: env.STRAVA_RETENTION, garmin: env.GARMIN_RETENTION, upload: env.UPLOAD_RETENTION };
}

/**
 * The end of each source's cache window (docs/platforms.md "Strava's API Policy"): for every source
 * kept as `cache:<n>d`, the activities received more than n days ago lose their payload, streams, name
 * and metrics (expireActivityData); the rows stay, marked expired, so each touched week is recomputed
 * and says which runs it lacks. A copy that was a duplicate of an expired counted run becomes the
 * counted copy. Sources kept `indefinite` are never read. Returns how many activities expired.
 */
export async function expireSourceData(deps: SourceRetentionDeps): Promise<number> {
  const settings = retentionSettingsOf(deps.env);
  const now = deps.now();
  let total = 0;
  for (const source of ACTIVITY_SOURCES) {
    const cutoff = expiryCutoff(retentionFor(source, settings), now);
    if (!cutoff) continue;
    for (;;) {
      const batch = await listActivitiesPastWindow(deps.db, source, cutoff, EXPIRE_BATCH);
      if (batch.length === 0) break;
      const touched = await deps.db.transaction(async (tx) => {
        const expired = await expireActivityData(
          tx,
          batch.map((r) => r.id),
          expiredReasonFor(source),
          now,
        );
        const dates = new Map<string, Array<string | null>>();
        for (const r of expired) dates.set(r.runnerId, [...(dates.get(r.runnerId) ?? []), r.localDate]);
        for (const [runnerId, list] of dates) {
          const counted = expired.filter((r) => r.runnerId === runnerId && r.wasCounted).map((r) => r.id);
          if (counted.length) list.push(...(await resettleOrphans(tx, runnerId, counted, now, { expiredCopiesStay: true })));
        }
        total += expired.length;
        return dates;
      });
      for (const [runnerId, list] of touched) await enqueueWeekRecomputes(deps, runnerId, list);
      if (batch.length < EXPIRE_BATCH) break;
    }
  }
  return total;
}
