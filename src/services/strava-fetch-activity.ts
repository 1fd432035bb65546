import { and, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { insertActivityOnce, type ActivityRow } from '../db/queries/activities.js';
import { activities, connections } from '../db/schema/index.js';
import { StravaApiError } from '../integrations/strava/client.js';
import { hasStreamData, isRunSportType, sportTypeOf, StravaActivity, StravaStreams, type StravaRawPayload } from '../integrations/strava/types.js';
import type { Enqueue } from '../jobs/queues.js';
import type { JobPayload } from '../jobs/catalog.js';
import { PermanentJobError } from '../lib/errors.js';
import { markActivityFailed } from './activities.js';
import { findConnection } from './strava-token.js';
import { StravaSession, type SessionDeps } from './strava-session.js';

/**
 * Fetch one Strava activity (and, for runs, its streams) with the athlete's token, store it as the
 * activity's raw payload, and hand it to `run.derive`. The webhook body is trusted for ids only.
 *
 * Streams can be empty for minutes after `create` (platform-apis.md §1.4): the job re-enqueues
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

export async function findStravaActivity(db: Db, runnerId: string, stravaActivityId: string): Promise<ActivityRow | undefined> {
  const [row] = await db
    .select()
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, 'strava'), eq(activities.externalId, stravaActivityId), eq(activities.sessionIndex, 0)));
  return row;
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
  const session = new StravaSession(deps, conn.id, payload.reason === 'backfill' ? 'backfill' : 'webhook');
  const existing = await findStravaActivity(deps.db, conn.runnerId, id);
  // A deleted row that Strava serves again (re-created, or a mistaken delete): fetched afresh and
  // brought back.
  const wasDeleted = Boolean(existing?.deletedAt);
  const stored = wasDeleted ? null : storedPayload(existing);

  // Detail call: always for create/update; a stream retry or a backfilled row (listed with its
  // summary) already has it.
  const needsDetail = !stored || payload.reason === 'update' || (payload.reason === 'webhook' && payload.streamAttempt === 0);
  let activity = stored?.activity;
  if (needsDetail) {
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

  const isRun = isRunSportType(sportTypeOf(activity));
  const typeChanged = stored !== null && sportTypeOf(stored.activity) !== sportTypeOf(activity);
  const wantStreams = isRun && !activity.manual;
  let streams = stored?.streamsStatus === 'ok' ? stored.streams : null;
  let streamsStatus: StravaRawPayload['streamsStatus'] = streams ? 'ok' : !wantStreams ? 'skipped' : stored?.streamsStatus === 'empty' && payload.reason === 'update' ? 'empty' : 'pending';

  const row = await upsertRaw(deps, conn, existing, activity, { activity, streams, streamsStatus });
  if (!row) return { status: 'skipped', reason: 'revoked_or_deleted_during_fetch' };

  // An update that changed only the title or privacy: no new numbers, no re-derivation. While the
  // create's (or backfill's) fetch still waits for streams, that job finishes the run.
  if (payload.reason === 'update' && existing && !wasDeleted && !typeChanged && (existing.status === 'ready' ? streamsStatus !== 'pending' : existing.status !== 'failed' && stored?.streamsStatus === 'pending')) {
    return { status: 'renamed', activityId: row.id };
  }

  if (streamsStatus === 'pending') {
    let fetched: StravaStreams | null = null;
    try {
      fetched = await session.call((api) => api.getStreams(id));
    } catch (err) {
      // Streams answer 404 while Strava is still processing a fresh upload: same as empty.
      if (!notFound(err)) throw err;
    }
    if (hasStreamData(fetched)) {
      streams = fetched;
      streamsStatus = 'ok';
    } else if (payload.reason !== 'backfill' && payload.streamAttempt < STREAM_RETRY_DELAYS_MS.length) {
      const retryInMs = STREAM_RETRY_DELAYS_MS[payload.streamAttempt]!;
      await deps.enqueue('strava.fetch-activity', { connectionId: conn.id, stravaActivityId: id, reason: 'webhook', streamAttempt: payload.streamAttempt + 1 }, { delayMs: retryInMs });
      return { status: 'streams_pending', activityId: row.id, retryInMs, streamAttempt: payload.streamAttempt + 1 };
    } else {
      streamsStatus = 'empty';
    }
    await deps.db.update(activities).set({ raw: { activity, streams, streamsStatus } satisfies StravaRawPayload, updatedAt: deps.now() }).where(eq(activities.id, row.id));
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
    const [locked] = await tx.select({ status: connections.status }).from(connections).where(eq(connections.id, conn.id)).for('share');
    if (locked?.status !== 'active') return null;
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
    const [row] = await db
      .update(activities)
      .set({ ...fields, deletedAt: null, deletedReason: null, status: 'processing', countedInLoad: false, duplicateOf: null })
      .where(eq(activities.id, existing.id))
      .returning();
    return row ?? null;
  }
  if (existing) {
    // Deleted meanwhile (an upstream delete event): do not bring it back.
    const [row] = await db
      .update(activities)
      .set(fields)
      .where(and(eq(activities.id, existing.id), isNull(activities.deletedAt)))
      .returning();
    return row ?? null;
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
  const [updated] = await db.update(activities).set(fields).where(eq(activities.id, row.id)).returning();
  return updated!;
}
