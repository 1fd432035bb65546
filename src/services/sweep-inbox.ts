import { and, asc, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { activities, webhookEvents } from '../db/schema/index.js';
import { ensureJob, type Enqueue, type Queues } from '../jobs/queues.js';

/** An inbox row still unprocessed this long after arrival has lost its job. */
export const SWEEP_AFTER_MS = 2 * 60_000;
/** Rows whose handling failed this many times stay failed (visible with their error), not swept again. */
export const SWEEP_MAX_ATTEMPTS = 20;

/**
 * The inbox is written before a webhook is acknowledged, so nothing acknowledged can be lost as long
 * as every unprocessed row eventually gets a job. This re-queues rows older than SWEEP_AFTER_MS
 * whose job is gone from Redis or finally failed; a job still alive is left alone. Strava rows go to
 * `strava.handle-event`, Garmin rows to `garmin.handle-notification`.
 */
export async function sweepInbox(deps: { db: Db; queues: Queues; enqueue: Enqueue; now: () => Date }, limit = 500): Promise<number> {
  const before = new Date(deps.now().getTime() - SWEEP_AFTER_MS);
  const rows = await deps.db
    .select({ id: webhookEvents.id, provider: webhookEvents.provider })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.processedAt), lt(webhookEvents.receivedAt, before), lt(webhookEvents.attempts, SWEEP_MAX_ATTEMPTS)))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
  let requeued = 0;
  for (const row of rows) {
    const state =
      row.provider === 'garmin'
        ? await ensureJob(deps.queues, deps.enqueue, 'garmin.handle-notification', { eventId: row.id })
        : await ensureJob(deps.queues, deps.enqueue, 'strava.handle-event', { eventId: row.id });
    if (state === 'enqueued') requeued += 1;
  }
  return requeued;
}

/** A file import still queued or processing this long after its last update has probably lost its job. */
export const STUCK_IMPORT_AFTER_MS = 10 * 60_000;

/** Re-queue FIT imports whose job vanished or finally failed while the row still says pending. */
export async function sweepStuckImports(deps: { db: Db; queues: Queues; enqueue: Enqueue; now: () => Date }, limit = 500): Promise<number> {
  const before = new Date(deps.now().getTime() - STUCK_IMPORT_AFTER_MS);
  const rows = await deps.db
    .select({ id: activities.id })
    .from(activities)
    .where(and(inArray(activities.status, ['queued', 'processing']), isNotNull(activities.fileId), isNull(activities.deletedAt), eq(activities.sessionIndex, 0), lt(activities.updatedAt, before)))
    .limit(limit);
  let requeued = 0;
  for (const row of rows) {
    if ((await ensureJob(deps.queues, deps.enqueue, 'run.import-fit', { activityId: row.id })) === 'enqueued') requeued += 1;
  }
  return requeued;
}
