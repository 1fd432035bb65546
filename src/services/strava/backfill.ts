import type { Db } from '../../db/client.js';
import { addBackfillDone, addBackfillPage, findConnection, startBackfillListing, updateConnection } from '../../db/queries/connections.js';
import { insertActivitiesIfAbsent, listKnownStravaActivities } from '../../db/queries/provider-activities.js';
import { stravaProvider } from '../../integrations/strava/provider.js';
import { isRunSportType, sportTypeOf, type StravaActivity, type StravaRawPayload } from '../../integrations/strava/types.js';
import type { JobPayload } from '../../jobs/catalog.js';
import type { Enqueue, EnqueueBulk } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { openSession, type SessionDeps } from '../connections/session.js';

/**
 * `strava.backfill`: after a connect, list the last `weeks` weeks of the athlete's activities page
 * by page (GET /athlete/activities, filtered by start time) so the week-on-week rules have a
 * baseline. Runs are stored with their list summary and fanned out as fetch jobs in one addBulk per
 * page; each fetch then needs only the streams call (one read per run instead of two). Backfill runs
 * at a lower priority and a lower budget threshold than webhook fetches. Progress is kept on the
 * connection (backfillTotal / backfillDone, shown on GET /v1/runners/:id) and logged per page.
 */

export const BACKFILL_PAGE_SIZE = 100;
/** below `strava.backfill` (10) and webhook fetches (1): BullMQ runs lower numbers first */
export const BACKFILL_FETCH_PRIORITY = 20;

export type BackfillDeps = SessionDeps & { db: Db; enqueue: Enqueue; enqueueBulk: EnqueueBulk; log: Logger };
export type BackfillPayload = JobPayload<'strava.backfill'>;

export type BackfillOutcome =
  { status: 'page'; page: number; listed: number; queued: number; total: number; more: boolean } | { status: 'skipped'; reason: string };

export async function backfillStravaPage(deps: BackfillDeps, payload: BackfillPayload): Promise<BackfillOutcome> {
  const conn = await findConnection(deps.db, payload.connectionId);
  if (!conn) return { status: 'skipped', reason: 'connection_missing' };
  if (conn.status !== 'active') {
    await updateConnection(deps.db, conn.id, { backfillStatus: 'failed', updatedAt: deps.now() });
    return { status: 'skipped', reason: `connection_${conn.status}` };
  }
  const nowS = Math.floor(deps.now().getTime() / 1000);
  const before = payload.before ?? nowS;
  const after = payload.after ?? before - payload.weeks * 7 * 86_400;
  if (payload.page === 1) await startBackfillListing(deps.db, conn, { after, before }, deps.now());

  const session = openSession(deps, stravaProvider, conn.id, 'backfill');
  const list = await session.call((api) => api.listActivities({ after, before, page: payload.page, perPage: BACKFILL_PAGE_SIZE }));
  const runs = list.filter((a) => isRunSportType(sportTypeOf(a)));
  const more = list.length === BACKFILL_PAGE_SIZE;

  // Rows first (with the list summary as raw), then the fan-out: a fetch always finds its row.
  const ids = runs.map((a) => a.id);
  const known = ids.length ? await listKnownStravaActivities(deps.db, conn.runnerId, ids) : [];
  // a deleted row (e.g. from before a disconnect) is fetched again and brought back
  const done = new Set(known.filter((k) => k.status === 'ready' && !k.deletedAt).map((k) => k.externalId));
  const present = new Set(known.map((k) => k.externalId));
  const todo = runs.filter((a) => !done.has(a.id));
  const fresh = todo.filter((a) => !present.has(a.id));
  if (fresh.length) {
    await insertActivitiesIfAbsent(
      deps.db,
      fresh.map((a) => ({
        runnerId: conn.runnerId,
        connectionId: conn.id,
        source: 'strava' as const,
        externalId: a.id,
        sessionIndex: 0,
        status: 'queued' as const,
        name: a.name ?? null,
        workoutType: a.workout_type ?? null,
        gearId: a.gear_id ?? null,
        raw: { activity: a, streams: null, streamsStatus: a.manual ? 'skipped' : 'pending' } satisfies StravaRawPayload,
      })),
    );
  }
  // Count before fanning out, so a fast fetch never reports against a smaller total.
  const progress = await addBackfillPage(deps.db, conn.id, todo.length, more, deps.now());
  if (todo.length) await enqueueBackfillFetches(deps, conn.id, todo);

  if (more) await deps.enqueue('strava.backfill', { ...payload, page: payload.page + 1, after, before });
  deps.log.info(
    { connectionId: conn.id, page: payload.page, listed: list.length, queued: todo.length, total: progress?.total, done: progress?.done, more },
    'strava backfill page',
  );
  return { status: 'page', page: payload.page, listed: list.length, queued: todo.length, total: progress?.total ?? 0, more };
}

/**
 * The fan-out of one listed page: one `strava.fetch-activity` per run, in one bulk enqueue through the
 * job catalog, at the backfill priority; the catalog's backfill job id means a re-listed page never
 * queues a run twice.
 */
export async function enqueueBackfillFetches(
  deps: Pick<BackfillDeps, 'enqueueBulk'>,
  connectionId: string,
  todo: ReadonlyArray<Pick<StravaActivity, 'id'>>,
): Promise<void> {
  await deps.enqueueBulk(
    'strava.fetch-activity',
    todo.map((a) => ({ connectionId, stravaActivityId: a.id, reason: 'backfill' as const, streamAttempt: 0 })),
    { priority: BACKFILL_FETCH_PRIORITY },
  );
}

/**
 * One backfilled activity finished (stored, or failed for good). When the listing is complete and
 * every fetch has reported, the backfill is done.
 */
export async function recordBackfillProgress(deps: { db: Db; now: () => Date; log: Logger }, connectionId: string): Promise<void> {
  const row = await addBackfillDone(deps.db, connectionId, deps.now());
  if (row && (row.status === 'done' || row.done % 10 === 0)) deps.log.info({ connectionId, ...row }, 'strava backfill progress');
}
