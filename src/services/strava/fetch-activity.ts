import type { Db, DbOrTx } from '../../db/client.js';
import { insertActivityOnce, type ActivityRow } from '../../db/queries/activities.js';
import { findConnection, lockConnectionStatus } from '../../db/queries/connections.js';
import {
  findActivityByExternalId,
  reviveFetchedActivity,
  storeActivityRaw,
  updateFetchedActivity,
  updateLiveFetchedActivity,
} from '../../db/queries/provider-activities.js';
import { planAfterDetail, planDetail, planStreamOutcome, type StoredState } from '../../domain/strava-fetch-plan.js';
import { StravaApiError } from '../../integrations/strava/client.js';
import { stravaProvider } from '../../integrations/strava/provider.js';
import { hasStreamData, isRunSportType, sportTypeOf, StravaActivity, StravaStreams, type StravaRawPayload } from '../../integrations/strava/types.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { JobPayload } from '../../jobs/catalog.js';
import { PermanentJobError } from '../../lib/errors.js';
import { markActivityFailed } from '../activities.js';
import { openSession, type SessionDeps } from '../connections/session.js';

/**
 * Fetch one Strava activity (and, for runs, its streams) with the athlete's token, store it as the
 * activity's raw payload, and hand it to `run.derive`. The webhook body is trusted for ids only.
 * What is fetched and whether the run is derived again is decided by src/domain/strava-fetch-plan.ts.
 *
 * Streams can be empty for minutes after `create` (docs/platforms.md): the job re-enqueues
 * itself after 5, 15 and 45 minutes, then falls back to the summary values (the Run then says
 * cadence source `strava-summary`, elevation source `none`). A backfilled activity is old enough
 * that its streams are final, so it falls back at once.
 */

export const STREAM_RETRY_DELAYS_MS = [5 * 60_000, 15 * 60_000, 45 * 60_000] as const;

export type FetchDeps = SessionDeps & { db: Db; enqueue: Enqueue };
export type FetchPayload = JobPayload<'strava.fetch-activity'>;

export type FetchOutcome =
  | { status: 'stored'; activityId: string; streams: StravaRawPayload['streamsStatus'] }
  | { status: 'renamed'; activityId: string }
  | { status: 'streams_pending'; activityId: string; retryInMs: number; streamAttempt: number }
  | { status: 'skipped'; reason: string };

export function findStravaActivity(db: Db, runnerId: string, stravaActivityId: string): Promise<ActivityRow | undefined> {
  return findActivityByExternalId(db, runnerId, 'strava', stravaActivityId);
}

/** What the fetch plan needs to know of the stored row. */
function storedState(existing: ActivityRow | undefined): StoredState | null {
  if (!existing) return null;
  const payload = existing.deletedAt ? null : storedPayload(existing);
  return {
    deleted: Boolean(existing.deletedAt),
    status: existing.status,
    payload: payload ? { sportType: sportTypeOf(payload.activity), streamsStatus: payload.streamsStatus, hasStreams: payload.streams !== null } : null,
  };
}

/** The stored raw payload, or null when the row has none (or an unreadable one). */
export function storedPayload(row: Pick<ActivityRow, 'raw'> | undefined): StravaRawPayload | null {
  const raw = row?.raw as Partial<StravaRawPayload> | null | undefined;
  if (!raw?.activity) return null;
  const activity = StravaActivity.safeParse(raw.activity);
  if (!activity.success) return null;
  const streams = raw.streams ? StravaStreams.safeParse(raw.streams) : null;
  return { activity: activity.data, streams: streams?.success ? streams.data : null, streamsStatus: raw.streamsStatus ?? 'pending' };
}

function notFound(err: unknown): boolean {
  return err instanceof StravaApiError && err.status === 404;
}

export async function fetchStravaActivity(deps: FetchDeps, payload: FetchPayload): Promise<FetchOutcome> {
  const conn = await findConnection(deps.db, payload.connectionId);
  if (!conn) return { status: 'skipped', reason: 'connection_missing' };
  if (conn.status !== 'active') return { status: 'skipped', reason: `connection_${conn.status}` };

  const id = payload.stravaActivityId;
  const session = openSession(deps, stravaProvider, conn.id, payload.reason === 'backfill' ? 'backfill' : 'webhook');
  const existing = await findStravaActivity(deps.db, conn.runnerId, id);
  // A deleted row that Strava serves again (re-created, or a mistaken delete): fetched afresh and
  // brought back.
  const stored = existing?.deletedAt ? null : storedPayload(existing);
  const state = storedState(existing);

  let activity = stored?.activity;
  if (planDetail({ reason: payload.reason, streamAttempt: payload.streamAttempt, stored: state })) {
    try {
      activity = await session.call((api) => api.getActivity(id));
    } catch (err) {
      if (notFound(err)) {
        if (existing) await markActivityFailed(deps, existing.id, { code: 'strava_not_found', message: `Strava activity ${id} no longer exists` });
        throw new PermanentJobError('strava_not_found', `Strava activity ${id} not found (deleted or not visible)`);
      }
      throw err;
    }
  }
  if (!activity) throw new PermanentJobError('strava_no_activity', `no activity data for ${id}`);

  const plan = planAfterDetail({
    reason: payload.reason,
    stored: state,
    fetched: { sportType: sportTypeOf(activity), isRun: isRunSportType(sportTypeOf(activity)), manual: Boolean(activity.manual) },
  });
  let streams = plan.reuseStreams ? stored!.streams : null;
  let streamsStatus = plan.streamsStatus;

  const row = await upsertRaw(deps, conn, existing, activity, { activity, streams, streamsStatus });
  if (!row) return { status: 'skipped', reason: 'revoked_or_deleted_during_fetch' };
  if (!plan.derive) return { status: 'renamed', activityId: row.id };

  if (streamsStatus === 'pending') {
    let fetched: StravaStreams | null = null;
    try {
      fetched = await session.call((api) => api.getStreams(id));
    } catch (err) {
      // Streams answer 404 while Strava is still processing a fresh upload: same as empty.
      if (!notFound(err)) throw err;
    }
    const next = planStreamOutcome({
      reason: payload.reason,
      streamAttempt: payload.streamAttempt,
      hasData: hasStreamData(fetched),
      retryDelaysMs: STREAM_RETRY_DELAYS_MS,
    });
    if (next.kind === 'retry') {
      await deps.enqueue(
        'strava.fetch-activity',
        { connectionId: conn.id, stravaActivityId: id, reason: 'webhook', streamAttempt: payload.streamAttempt + 1 },
        { delayMs: next.delayMs },
      );
      return { status: 'streams_pending', activityId: row.id, retryInMs: next.delayMs, streamAttempt: payload.streamAttempt + 1 };
    }
    if (next.kind === 'ok') {
      streams = fetched;
      streamsStatus = 'ok';
    } else {
      streamsStatus = 'empty';
    }
    await storeActivityRaw(deps.db, row.id, { activity, streams, streamsStatus } satisfies StravaRawPayload, deps.now());
  }

  await deps.enqueue('run.derive', { activityId: row.id });
  return { status: 'stored', activityId: row.id, streams: streamsStatus };
}

/**
 * Store the fetched payload, unless the athlete withdrew access while we were calling Strava: the
 * connection row is read FOR SHARE in the same transaction, so a concurrent revoke either commits
 * first (we see `revoked` and store nothing) or waits for us and then deletes what we stored.
 */
async function upsertRaw(
  deps: FetchDeps,
  conn: { id: string; runnerId: string },
  existing: ActivityRow | undefined,
  activity: StravaActivity,
  raw: StravaRawPayload,
): Promise<ActivityRow | null> {
  return deps.db.transaction(async (tx) => {
    if ((await lockConnectionStatus(tx, conn.id)) !== 'active') return null;
    return writeRaw(tx, deps.now(), conn, existing, activity, raw);
  });
}

async function writeRaw(
  db: DbOrTx,
  now: Date,
  conn: { id: string; runnerId: string },
  existing: ActivityRow | undefined,
  activity: StravaActivity,
  raw: StravaRawPayload,
): Promise<ActivityRow | null> {
  const fields = {
    name: activity.name ?? null,
    workoutType: activity.workout_type ?? null,
    gearId: activity.gear_id ?? null,
    raw,
    updatedAt: now,
  };
  if (existing?.deletedAt) {
    // Strava just served it: the activity exists again, bring the row back.
    return (await reviveFetchedActivity(db, existing.id, fields)) ?? null;
  }
  if (existing) {
    // Deleted meanwhile (an upstream delete event): do not bring it back.
    return (await updateLiveFetchedActivity(db, existing.id, fields)) ?? null;
  }
  const { row, created } = await insertActivityOnce(db, {
    runnerId: conn.runnerId,
    connectionId: conn.id,
    source: 'strava',
    externalId: activity.id,
    sessionIndex: 0,
    status: 'processing',
    ...fields,
  });
  if (created) return row;
  // A concurrent job inserted it first (redelivery racing a backfill): store our copy over it.
  return (await updateFetchedActivity(db, row.id, fields))!;
}
