import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { isActivityStillPending, listStalePendingStravaActivities } from '../db/queries/activities.js';
import { findConnectionByAccount } from '../db/queries/connections.js';
import { isNotificationPending, listStalePendingNotifications } from '../db/queries/notifications.js';
import { bumpEventAttempts, listRoutedEvents, listRoutedStravaEventsNotFetched, stravaEventFetched } from '../db/queries/webhook-events.js';
import { isUpstreamRevokeIdle, listIdleUpstreamRevokes } from '../db/queries/upstream-revokes.js';
import { listRunDatesNewerThanTheirWeek } from '../db/queries/weeks.js';
import { parseEntries } from '../integrations/garmin/webhook.js';
import type { JobName, JobPayload } from '../jobs/catalog.js';
import { ensureJob, isJobAlive, type Enqueue, type Queues } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import { enqueueWeekRecomputes } from './activities.js';
import { findGarminActivity } from './garmin/fetch-activity.js';
import { sweepInbox, sweepStuckImports } from './inbox/sweep.js';

/**
 * The recovery sweep: one periodic job that finds every kind of pending state whose job was lost
 * (Redis restarted empty, a job that failed while Postgres was down, a worker killed mid-run) and
 * queues it again through the catalog. A state is reclaimed only when it is older than
 * STALE_AFTER_MS and no live BullMQ job exists for it (looked up by job id or debounce id), so a
 * slow job is never doubled; every job is idempotent besides. See docs/reliability.md.
 *
 * Extending it: add a `Reclaimer` to RECLAIMERS (or call `registerReclaimer`) from the module that
 * owns the state. Each step runs on its own: one that throws is logged and the others still run.
 */

export interface SweepContext {
  db: Db;
  queues: Queues;
  enqueue: Enqueue;
  now: () => Date;
  env: Pick<Env, 'STALE_AFTER_MS' | 'NOTIFY_WEBHOOK_URL'>;
  log: Logger;
}

export interface Reclaimer {
  /** short name, used in logs and in the sweep's result */
  name: string;
  /** re-queue stale work older than `staleBefore`; returns how many jobs were queued */
  reclaim(ctx: SweepContext, staleBefore: Date): Promise<number>;
}

/** How far back the sweep looks for routed events whose fetch may have been lost. */
export const FETCH_LOOKBACK_MS = 24 * 3600_000;
/** A routed event's fetch is re-queued by the sweep at most this many times (its `attempts` count). */
export const FETCH_REQUEUE_MAX_ATTEMPTS = 8;
/** Rows looked at per reclaimer and sweep; a backlog is worked off over several sweeps. */
export const SWEEP_BATCH = 500;

/**
 * Re-queue one piece of work unless its job is alive or, looked at again after the job check, it is
 * no longer pending (it may have finished while the sweep worked through its batch).
 */
export async function requeue<N extends JobName>(ctx: SweepContext, name: N, payload: JobPayload<N>, stillPending: () => Promise<boolean>): Promise<boolean> {
  if (await isJobAlive(ctx.queues, name, payload)) return false;
  if (!(await stillPending())) return false;
  return (await ensureJob(ctx.queues, ctx.enqueue, name, payload)) === 'enqueued';
}

const stravaInbox: Reclaimer = {
  name: 'webhook-inbox',
  reclaim: (ctx) => sweepInbox(ctx, SWEEP_BATCH),
};

const fileImports: Reclaimer = {
  name: 'file-imports',
  reclaim: (ctx) => sweepStuckImports(ctx, SWEEP_BATCH),
};

/**
 * Strava activities stuck before `ready`: the payload was stored but `run.derive` was lost or
 * failed during an outage → derive again; streams still pending and no fetch or stream re-check
 * alive → fetch again (detail and streams).
 */
const stravaActivities: Reclaimer = {
  name: 'strava-activities',
  async reclaim(ctx, staleBefore) {
    const rows = await listStalePendingStravaActivities(ctx.db, staleBefore, SWEEP_BATCH);
    let queued = 0;
    for (const row of rows) {
      const streams = row.raw?.streamsStatus;
      const hasPayload = Boolean(row.raw?.activity);
      const pending = () => isActivityStillPending(ctx.db, row.id, staleBefore);
      if (hasPayload && streams !== 'pending') {
        if (await requeue(ctx, 'run.derive', { activityId: row.id }, pending)) queued += 1;
        continue;
      }
      if (!row.connectionId) continue;
      const fetch = { connectionId: row.connectionId, stravaActivityId: row.externalId, reason: 'webhook' as const, streamAttempt: 0 };
      if (await isJobAlive(ctx.queues, 'strava.fetch-activity', { ...fetch, streamAttempt: 1 })) continue;
      if (await requeue(ctx, 'strava.fetch-activity', fetch, pending)) queued += 1;
    }
    return queued;
  },
};

/**
 * Routed Strava events (`fetch_queued`) whose fetch never stored anything: no activity row updated
 * since the event was routed, and no fetch alive for it. Events for one activity share one debounced
 * fetch, so five lost events still make one fetch. Capped per event (FETCH_REQUEUE_MAX_ATTEMPTS) so
 * an activity Strava no longer has is not fetched forever.
 */
const stravaFetches: Reclaimer = {
  name: 'strava-fetches',
  async reclaim(ctx, staleBefore) {
    const since = new Date(ctx.now().getTime() - FETCH_LOOKBACK_MS);
    const rows = await listRoutedStravaEventsNotFetched(ctx.db, { staleBefore, since, maxAttempts: FETCH_REQUEUE_MAX_ATTEMPTS, limit: SWEEP_BATCH });
    let queued = 0;
    for (const row of rows) {
      if (!/^\d+$/.test(row.objectId ?? '')) continue;
      const payload = {
        connectionId: row.connectionId,
        stravaActivityId: row.objectId,
        reason: row.aspect === 'create' ? ('webhook' as const) : ('update' as const),
        streamAttempt: 0,
      };
      const notFetched = async () => !(await stravaEventFetched(ctx.db, row.id, row.connectionId, row.objectId));
      if (await requeue(ctx, 'strava.fetch-activity', payload, notFetched)) {
        queued += 1;
        await bumpEventAttempts(ctx.db, row.id);
      }
    }
    return queued;
  },
};

/**
 * Garmin activity-file pings that were routed (`fetch_queued`) but whose download job was lost before
 * the activity got a row (downloaded, or failed with a reason). Garmin's links last 24 hours, so a
 * lost download is retried while the link may still work. Capped per ping like Strava's.
 */
const garminFetches: Reclaimer = {
  name: 'garmin-fetches',
  async reclaim(ctx, staleBefore) {
    const since = new Date(ctx.now().getTime() - FETCH_LOOKBACK_MS);
    const rows = await listRoutedEvents(ctx.db, 'garmin', { staleBefore, since, maxAttempts: FETCH_REQUEUE_MAX_ATTEMPTS, limit: SWEEP_BATCH });
    let queued = 0;
    for (const row of rows) {
      const stored = row.payload as { kind?: unknown; body?: unknown } | null;
      if (stored?.kind !== 'activity-files') continue;
      let requeued = false;
      for (const [entryIndex, e] of parseEntries('activity-files', stored.body).entries.entries()) {
        const conn = await findConnectionByAccount(ctx.db, 'garmin', e.userId);
        if (conn?.status !== 'active') continue;
        const externalId = String(e.activityId ?? e.summaryId);
        const notStored = async () => !(await findGarminActivity(ctx.db, conn.runnerId, externalId));
        if (await requeue(ctx, 'garmin.fetch-fit', { connectionId: conn.id, eventId: row.id, entryIndex }, notStored)) {
          queued += 1;
          requeued = true;
        }
      }
      if (requeued) await bumpEventAttempts(ctx.db, row.id);
    }
    return queued;
  },
};

/** Pushes still pending with no delivery job alive (when pushes are configured). */
const pendingPushes: Reclaimer = {
  name: 'pushes',
  async reclaim(ctx, staleBefore) {
    if (!ctx.env.NOTIFY_WEBHOOK_URL) return 0;
    let queued = 0;
    for (const id of await listStalePendingNotifications(ctx.db, staleBefore, SWEEP_BATCH)) {
      if (await requeue(ctx, 'notify.deliver', { notificationId: id }, () => isNotificationPending(ctx.db, id))) queued += 1;
    }
    return queued;
  },
};

/**
 * Counted runs that changed after their week was last computed (the debounced recompute was lost):
 * recompute the weeks they touch. Looks back FETCH_LOOKBACK_MS.
 */
const weekRecomputes: Reclaimer = {
  name: 'week-recomputes',
  async reclaim(ctx, staleBefore) {
    const since = new Date(ctx.now().getTime() - FETCH_LOOKBACK_MS);
    const rows = await listRunDatesNewerThanTheirWeek(ctx.db, since, staleBefore, SWEEP_BATCH);
    const byRunner = new Map<string, string[]>();
    for (const r of rows) byRunner.set(r.runnerId, [...(byRunner.get(r.runnerId) ?? []), r.localDate]);
    for (const [runnerId, dates] of byRunner) await enqueueWeekRecomputes(ctx, runnerId, dates);
    return rows.length;
  },
};

/**
 * Upstream revokes still owed (their job lost, or spent all its attempts while the platform was
 * down): queued again, so a revoke is retried until the platform confirms or says the grant is gone.
 */
const upstreamRevokes: Reclaimer = {
  name: 'upstream-revokes',
  async reclaim(ctx, staleBefore) {
    let queued = 0;
    for (const { id } of await listIdleUpstreamRevokes(ctx.db, staleBefore, SWEEP_BATCH)) {
      if (await requeue(ctx, 'connection.revoke-upstream', { revokeId: id }, () => isUpstreamRevokeIdle(ctx.db, id, staleBefore))) queued += 1;
    }
    return queued;
  },
};

/** Every sweep step, in order. Other modules add theirs with `registerReclaimer`. */
export const RECLAIMERS: Reclaimer[] = [
  stravaInbox,
  fileImports,
  stravaActivities,
  stravaFetches,
  garminFetches,
  pendingPushes,
  weekRecomputes,
  upstreamRevokes,
];

export function registerReclaimer(r: Reclaimer): void {
  if (!RECLAIMERS.some((x) => x.name === r.name)) RECLAIMERS.push(r);
}

/** Run every reclaimer once; returns jobs queued per step (-1 for a step that failed). */
export async function runRecoverySweep(ctx: SweepContext, reclaimers: readonly Reclaimer[] = RECLAIMERS): Promise<Record<string, number>> {
  const staleBefore = new Date(ctx.now().getTime() - ctx.env.STALE_AFTER_MS);
  const result: Record<string, number> = {};
  for (const r of reclaimers) {
    try {
      result[r.name] = await r.reclaim(ctx, staleBefore);
    } catch (err) {
      result[r.name] = -1;
      ctx.log.warn({ step: r.name, err }, 'sweep step failed');
    }
  }
  return result;
}
