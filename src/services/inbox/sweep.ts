import type { Env } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import { isFileImportStillStuck, listStuckFileImports } from '../../db/queries/activities.js';
import { isUnprocessed, listStaleUnprocessed } from '../../db/queries/webhook-events.js';
import { providersOf, type ProviderRegistry } from '../../integrations/registry.js';
import type { JobName, JobPayload } from '../../jobs/catalog.js';
import { ensureJob, isJobAlive, type Enqueue, type Queues } from '../../jobs/queues.js';

/** An inbox row still unprocessed this long after arrival has lost its job (STALE_AFTER_MS overrides). */
export const SWEEP_AFTER_MS = 2 * 60_000;

export interface SweepDeps {
  db: Db;
  queues: Queues;
  enqueue: Enqueue;
  now: () => Date;
  env?: Pick<Env, 'STALE_AFTER_MS'>;
  providers?: ProviderRegistry;
}
/** Rows whose handling failed this many times stay failed (visible with their error), not swept again. */
export const SWEEP_MAX_ATTEMPTS = 20;

/**
 * The inbox is written before a webhook is acknowledged, so nothing acknowledged can be lost as long
 * as every unprocessed row eventually gets a job. This re-queues rows older than SWEEP_AFTER_MS
 * whose job is gone from Redis or finally failed; a job still alive is left alone. Each row goes to
 * its platform's inbox job (`inboxJob` in the registry: `strava.handle-event`,
 * `garmin.handle-notification`), or to the generic `inbox.handle-notification` for a platform
 * without one.
 */
export async function sweepInbox(deps: SweepDeps, limit = 500): Promise<number> {
  const before = new Date(deps.now().getTime() - (deps.env?.STALE_AFTER_MS ?? SWEEP_AFTER_MS));
  const rows = await listStaleUnprocessed(deps.db, before, SWEEP_MAX_ATTEMPTS, limit);
  const providers = providersOf(deps);
  let requeued = 0;
  const requeue = async <N extends JobName>(eventId: string, name: N, payload: JobPayload<N>): Promise<void> => {
    if (await isJobAlive(deps.queues, name, payload)) return;
    // Handled while the sweep worked through its batch: nothing to do.
    if (!(await isUnprocessed(deps.db, eventId))) return;
    if ((await ensureJob(deps.queues, deps.enqueue, name, payload)) === 'enqueued') requeued += 1;
  };
  for (const row of rows) {
    const provider = providers.find(row.provider);
    if (!provider) continue;
    if (provider.inboxJob) await requeue(row.id, provider.inboxJob, { eventId: row.id });
    else await requeue(row.id, 'inbox.handle-notification', { provider: provider.id, eventId: row.id });
  }
  return requeued;
}

/** A file import still queued or processing this long after its last update has probably lost its job (STALE_AFTER_MS overrides). */
export const STUCK_IMPORT_AFTER_MS = 10 * 60_000;

/** Re-queue FIT imports whose job vanished or finally failed while the row still says pending. */
export async function sweepStuckImports(deps: SweepDeps, limit = 500): Promise<number> {
  const before = new Date(deps.now().getTime() - (deps.env?.STALE_AFTER_MS ?? STUCK_IMPORT_AFTER_MS));
  const rows = await listStuckFileImports(deps.db, before, limit);
  let requeued = 0;
  for (const row of rows) {
    if (await isJobAlive(deps.queues, 'run.import-fit', { activityId: row.id })) continue;
    if (!(await isFileImportStillStuck(deps.db, row.id, before))) continue;
    if ((await ensureJob(deps.queues, deps.enqueue, 'run.import-fit', { activityId: row.id })) === 'enqueued') requeued += 1;
  }
  return requeued;
}
