import { and, asc, isNull, lt, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { webhookEvents } from '../db/schema/index.js';
import { JOBS } from '../jobs/catalog.js';
import { jobIdOf, type Enqueue, type Queues } from '../jobs/queues.js';

/** An inbox row still unprocessed this long after arrival has lost its job. */
export const SWEEP_AFTER_MS = 2 * 60_000;
/** Rows whose handling failed this many times stay failed (visible with their error), not swept again. */
export const SWEEP_MAX_ATTEMPTS = 20;
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The inbox is written before a webhook is acknowledged, so nothing acknowledged can be lost as long
 * as every unprocessed row eventually gets a job. This re-queues rows older than SWEEP_AFTER_MS
 * whose job is gone from Redis or finally failed; a job still alive is left alone.
 */
export async function sweepInbox(deps: { db: Db; queues: Queues; enqueue: Enqueue; now: () => Date }, limit = 500): Promise<number> {
  const before = new Date(deps.now().getTime() - SWEEP_AFTER_MS);
  const rows = await deps.db
    .select({ id: webhookEvents.id, provider: webhookEvents.provider })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.processedAt), lt(webhookEvents.receivedAt, before), lt(webhookEvents.attempts, SWEEP_MAX_ATTEMPTS), eq(webhookEvents.provider, 'strava')))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
  let requeued = 0;
  for (const row of rows) {
    const payload = { eventId: row.id };
    const jobId = jobIdOf('strava.handle-event', payload)!;
    const existing = await deps.queues[JOBS['strava.handle-event'].queue].getJob(jobId);
    if (existing) {
      if (LIVE_STATES.has(await existing.getState())) continue;
      await existing.remove();
    }
    await deps.enqueue('strava.handle-event', payload);
    requeued += 1;
  }
  return requeued;
}
