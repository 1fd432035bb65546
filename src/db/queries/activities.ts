import { and, between, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, max, ne, or, sql } from 'drizzle-orm';
import type { RunMetrics } from '../../domain/run.js';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics } from '../schema/index.js';

export type ActivityRow = typeof activities.$inferSelect;
export type MetricsRow = typeof activityMetrics.$inferSelect;
export type NewActivity = typeof activities.$inferInsert;

/**
 * Insert an activity unless (runner, source, external id, session) exists. Returns the row and
 * whether it was created by this call — the database, not the queue, decides "duplicate".
 * A soft-deleted row with the same key is brought back with the new values (the activity was
 * re-created, re-shared or re-uploaded) and counts as created.
 */
export async function insertActivityOnce(db: DbOrTx, values: NewActivity): Promise<{ row: ActivityRow; created: boolean }> {
  const inserted = await db
    .insert(activities)
    .values(values)
    .onConflictDoNothing({ target: [activities.runnerId, activities.source, activities.externalId, activities.sessionIndex] })
    .returning();
  if (inserted[0]) return { row: inserted[0], created: true };
  const sameKey = and(
    eq(activities.runnerId, values.runnerId),
    eq(activities.source, values.source),
    eq(activities.externalId, values.externalId),
    eq(activities.sessionIndex, values.sessionIndex ?? 0),
  );
  const [revived] = await db
    .update(activities)
    .set({ ...values, deletedAt: null, deletedReason: null, duplicateOf: null, countedInLoad: false, updatedAt: new Date() })
    .where(and(sameKey, sql`${activities.deletedAt} is not null`))
    .returning();
  if (revived) return { row: revived, created: true };
  const [existing] = await db.select().from(activities).where(sameKey);
  return { row: existing!, created: false };
}

export async function findActivity(db: DbOrTx, id: string): Promise<ActivityRow | undefined> {
  const [row] = await db.select().from(activities).where(eq(activities.id, id));
  return row;
}

/** Ownership is part of the lookup: another runner's activity is simply not found. */
export async function findRunnerActivity(db: DbOrTx, runnerId: string, id: string) {
  const [row] = await db
    .select({ activity: activities, metrics: activityMetrics })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(eq(activities.id, id), eq(activities.runnerId, runnerId), isNull(activities.deletedAt)));
  return row;
}

export async function listRunnerActivities(db: DbOrTx, runnerId: string, range: { from?: string; to?: string; limit: number }) {
  const conds = [eq(activities.runnerId, runnerId), isNull(activities.deletedAt)];
  if (range.from) conds.push(gte(activities.localDate, range.from));
  if (range.to) conds.push(lte(activities.localDate, range.to));
  return db
    .select({ activity: activities, metrics: activityMetrics })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(...conds))
    .orderBy(desc(activities.startTime), desc(activities.createdAt))
    .limit(range.limit);
}

export async function upsertMetrics(db: DbOrTx, activityId: string, m: RunMetrics, now: Date): Promise<void> {
  const values = {
    activityId,
    distanceM: m.distanceM,
    elapsedTimeS: m.elapsedTimeS,
    movingTimeS: m.movingTimeS,
    avgSpeedMps: m.avgSpeedMps,
    avgPaceSPerKm: m.avgPaceSPerKm,
    avgCadenceSpm: m.avgCadenceSpm,
    cadenceSource: m.cadenceSource,
    cadenceFactor: m.cadenceFactor,
    cadenceQuality: m.cadenceQuality,
    runCadenceSpm: m.runCadenceSpm,
    runningSampleTimeS: m.runningSampleTimeS,
    runSpeedMps: m.runSpeedMps,
    cadenceHistogram: m.cadenceHistogram,
    walkShare: m.walkShare,
    steps: m.steps,
    stepsPerKm: m.stepsPerKm,
    elevationGainM: m.elevationGainM,
    elevationLossM: m.elevationLossM,
    elevationSource: m.elevationSource,
    elevationMethod: m.elevationMethod,
    descentPerKm: m.descentPerKm,
    surges: m.pace.surges,
    paceCvPct: m.pace.cvPct,
    splits: m.splits,
    pace: m.pace,
    partial: m.partial,
    updatedAt: now,
  };
  await db.insert(activityMetrics).values(values).onConflictDoUpdate({ target: activityMetrics.activityId, set: values });
}

/**
 * Ready runs of a runner starting within ±window of `start` that may take part in dedupe (counted, or
 * already a duplicate; never noise), with their distance, moving time and local offset.
 */
export async function findRunsStartingNear(db: DbOrTx, runnerId: string, start: Date, windowS: number, excludeId?: string) {
  const from = new Date(start.getTime() - windowS * 1000 * 2);
  const to = new Date(start.getTime() + windowS * 1000 * 2);
  const conds = [
    eq(activities.runnerId, runnerId),
    eq(activities.status, 'ready'),
    eq(activities.isRun, true),
    isNull(activities.deletedAt),
    between(activities.startTime, from, to),
    or(isNull(activities.excludedReason), eq(activities.excludedReason, 'duplicate')),
  ];
  if (excludeId) conds.push(ne(activities.id, excludeId));
  return db
    .select({
      id: activities.id,
      source: activities.source,
      startTime: activities.startTime,
      createdAt: activities.createdAt,
      localDate: activities.localDate,
      countedInLoad: activities.countedInLoad,
      duplicateOf: activities.duplicateOf,
      excludedReason: activities.excludedReason,
      utcOffsetS: activities.utcOffsetS,
      distanceM: activityMetrics.distanceM,
      movingTimeS: activityMetrics.movingTimeS,
      hasSamples: sql<boolean>`${activityMetrics.cadenceSource} in ('fit-record','strava-stream') or ${activityMetrics.elevationSource} = 'stream-smoothed' or jsonb_array_length(${activityMetrics.splits}) > 0`,
    })
    .from(activities)
    .innerJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(...conds));
}

/** Every activity a stored file produced (one per running session), first session first. */
export async function listFileActivities(db: DbOrTx, runnerId: string, fileId: string) {
  return db
    .select({ activity: activities, metrics: activityMetrics })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(eq(activities.runnerId, runnerId), eq(activities.fileId, fileId)))
    .orderBy(activities.sessionIndex);
}

/** Status of several activities at once (a batch being waited for). */
export async function activityStatuses(db: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select({ id: activities.id, status: activities.status, fileId: activities.fileId }).from(activities).where(inArray(activities.id, ids));
}

/** The facts of a derived run, set when an activity becomes ready. */
export type DerivedFacts = Pick<
  NewActivity,
  'sport' | 'subSport' | 'isRun' | 'isIndoor' | 'startTime' | 'localDate' | 'utcOffsetS' | 'countedInLoad' | 'excludedReason' | 'name'
>;

/**
 * Mark an activity ready with its derived facts (not yet a duplicate of anything: dedupe settles that
 * next). Data derived anew is no longer expired (its cache window still runs from `created_at`). A row deleted meanwhile stays deleted and uncounted: undefined then.
 */
export async function setActivityReady(db: DbOrTx, id: string, facts: DerivedFacts, now: Date): Promise<ActivityRow | undefined> {
  const [row] = await db
    .update(activities)
    .set({ ...facts, status: 'ready', error: null, duplicateOf: null, expiredAt: null, expiredReason: null, updatedAt: now })
    .where(and(eq(activities.id, id), isNull(activities.deletedAt)))
    .returning();
  return row;
}

/** Which copy of a run counts: the counted copy, or a duplicate of `duplicateOf`. */
export async function setActivityCounting(
  db: DbOrTx,
  id: string,
  c: Pick<ActivityRow, 'countedInLoad' | 'duplicateOf' | 'excludedReason'>,
  now: Date,
): Promise<void> {
  await db
    .update(activities)
    .set({ ...c, updatedAt: now })
    .where(eq(activities.id, id));
}

export async function setActivityFailed(db: DbOrTx, id: string, error: { code: string; message: string }, now: Date): Promise<void> {
  await db.update(activities).set({ status: 'failed', error, countedInLoad: false, excludedReason: null, updatedAt: now }).where(eq(activities.id, id));
}

export async function setActivityProcessing(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(activities).set({ status: 'processing', updatedAt: now }).where(eq(activities.id, id));
}

/** Soft-delete a runner's activities (those not deleted yet); returns the rows deleted by this call. */
export async function softDeleteActivities(
  db: DbOrTx,
  runnerId: string,
  ids: string[],
  reason: string,
  now: Date,
): Promise<Array<{ id: string; localDate: string | null }>> {
  return db
    .update(activities)
    .set({ deletedAt: now, deletedReason: reason, countedInLoad: false, duplicateOf: null, updatedAt: now })
    .where(and(eq(activities.runnerId, runnerId), inArray(activities.id, ids), isNull(activities.deletedAt)))
    .returning({ id: activities.id, localDate: activities.localDate });
}

/** A runner's live activities that are duplicate copies of one of `ids`. */
export async function listDuplicatesOf(db: DbOrTx, runnerId: string, ids: string[]): Promise<ActivityRow[]> {
  return db
    .select()
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), inArray(activities.duplicateOf, ids), isNull(activities.deletedAt)));
}

/**
 * Still queued or processing. Written as literals, not parameters, so the planner can match the partial
 * index `activities_pending` (updated_at where status in ('queued', 'processing')) in any plan.
 */
const isPending = sql`${activities.status} in ('queued', 'processing')`;

/** Strava activities (first session) stuck before `ready` since `staleBefore`, with their stored payload. */
export async function listStalePendingStravaActivities(db: DbOrTx, staleBefore: Date, limit: number) {
  return db
    .select({ id: activities.id, connectionId: activities.connectionId, externalId: activities.externalId, raw: activities.raw })
    .from(activities)
    .where(and(isPending, eq(activities.source, 'strava'), eq(activities.sessionIndex, 0), lt(activities.updatedAt, staleBefore)))
    .limit(limit);
}

/** The activity is still queued or processing and untouched since `staleBefore`. */
export async function isActivityStillPending(db: DbOrTx, id: string, staleBefore: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.id, id), isPending, lt(activities.updatedAt, staleBefore)));
  return Boolean(row);
}

/**
 * Remove up to `limit` activities soft-deleted at or before `cutoff` for good (metrics go with them),
 * and, in the same statement, the raw files that no activity needs any more: a file goes when every
 * activity referencing it is purged. A file row locked by an upload in flight (the same bytes stored
 * again) is skipped; the orphan sweep takes it later if it is still unreferenced.
 */
export async function purgeDeletedActivitiesBatch(db: DbOrTx, cutoff: Date, limit: number): Promise<{ activities: number; files: number }> {
  const res = await db.execute<{ activities: number; files: number }>(sql`
    with purged as (
      delete from activities
      where id in (select id from activities where deleted_at is not null and deleted_at <= ${cutoff} limit ${limit})
      returning id, file_id
    ),
    files_gone as (
      delete from files
      where id in (
        select f.id from files f
        where f.id in (select file_id from purged where file_id is not null)
          and not exists (select 1 from activities a where a.file_id = f.id and a.id not in (select id from purged))
        for update of f skip locked
      )
      returning id
    )
    select (select count(*) from purged)::int as activities, (select count(*) from files_gone)::int as files`);
  const row = res.rows[0];
  return { activities: row?.activities ?? 0, files: row?.files ?? 0 };
}

const PENDING_STATUSES = ['queued', 'processing'] as const;

/** Fails an activity still queued or processing (its job failed for good): status `failed` with the reason, no longer counted. */
export async function failPendingActivity(db: DbOrTx, id: string, error: { code: string; message: string }, now: Date): Promise<void> {
  await db
    .update(activities)
    .set({ status: 'failed', error, countedInLoad: false, updatedAt: now })
    .where(and(eq(activities.id, id), inArray(activities.status, [...PENDING_STATUSES])));
}

/** File imports (first session, not deleted) still queued or processing and untouched since `before`: the import sweep's candidates. */
export async function listStuckFileImports(db: DbOrTx, before: Date, limit: number): Promise<Array<{ id: string }>> {
  return db
    .select({ id: activities.id })
    .from(activities)
    .where(and(isPending, isNotNull(activities.fileId), isNull(activities.deletedAt), eq(activities.sessionIndex, 0), lt(activities.updatedAt, before)))
    .limit(limit);
}

/** The file import is still queued or processing and untouched since `before` (checked again just before re-queueing). */
export async function isFileImportStillStuck(db: DbOrTx, id: string, before: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.id, id), isPending, lt(activities.updatedAt, before)));
  return Boolean(row);
}

/** When the runner's latest activity from `source` was received (its row created), deleted or not; null when none. */
export async function lastActivityReceivedAt(db: DbOrTx, runnerId: string, source: ActivityRow['source']): Promise<Date | null> {
  const [row] = await db
    .select({ last: max(activities.createdAt) })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, source)));
  return row?.last ?? null;
}

/**
 * Live activities of `source` received at or before `cutoff` whose data has not expired yet, oldest
 * first (the retention job's per-source cache window). Rows still queued or processing wait for their
 * job; they are taken once they are ready or failed.
 */
export async function listActivitiesPastWindow(db: DbOrTx, source: ActivityRow['source'], cutoff: Date, limit: number) {
  return db
    .select({ id: activities.id, runnerId: activities.runnerId, localDate: activities.localDate })
    .from(activities)
    .where(
      and(
        eq(activities.source, source),
        lte(activities.createdAt, cutoff),
        isNull(activities.expiredAt),
        isNull(activities.deletedAt),
        inArray(activities.status, ['ready', 'failed']),
      ),
    )
    .orderBy(activities.createdAt)
    .limit(limit);
}

/**
 * Remove an activity's data at the end of its source's cache window: its metrics row, the stored
 * payload and streams (`raw`), its name, gear and workout type. The row stays with its source,
 * external id, sport and dates, marked `expired_at`/`expired_reason`; a counted run stops counting
 * (`excluded_reason = 'expired'`), a duplicate copy keeps pointing at the copy that counts.
 * Returns the rows expired by this call.
 */
export async function expireActivityData(
  db: DbOrTx,
  ids: string[],
  reason: string,
  now: Date,
): Promise<Array<{ id: string; runnerId: string; localDate: string | null; wasCounted: boolean }>> {
  if (ids.length === 0) return [];
  const before = await db
    .select({ id: activities.id, countedInLoad: activities.countedInLoad })
    .from(activities)
    .where(and(inArray(activities.id, ids), isNull(activities.expiredAt)));
  const counted = new Set(before.filter((r) => r.countedInLoad).map((r) => r.id));
  await db.delete(activityMetrics).where(inArray(activityMetrics.activityId, ids));
  const rows = await db
    .update(activities)
    .set({
      raw: null,
      name: null,
      gearId: null,
      workoutType: null,
      expiredAt: now,
      expiredReason: reason,
      excludedReason: sql`case when ${activities.countedInLoad} then 'expired' else ${activities.excludedReason} end`,
      countedInLoad: false,
      updatedAt: now,
    })
    .where(and(inArray(activities.id, ids), isNull(activities.expiredAt)))
    .returning({ id: activities.id, runnerId: activities.runnerId, localDate: activities.localDate });
  return rows.map((r) => ({ ...r, wasCounted: counted.has(r.id) }));
}

/**
 * A runner's live runs whose data expired with their source's cache window and that no other copy
 * stands in for (`excluded_reason = 'expired'`): what weeks list as lacking and an archive import replaces.
 */
export function unreplacedExpiredRuns(runnerId: string) {
  return and(eq(activities.runnerId, runnerId), isNotNull(activities.expiredAt), isNull(activities.deletedAt), eq(activities.excludedReason, 'expired'));
}

/**
 * A runner's unreplaced expired runs starting within ±`windowS` of `start`: the stubs a new copy of
 * the same run (an archive import) replaces.
 */
export async function findExpiredRunsNear(db: DbOrTx, runnerId: string, start: Date, windowS: number, excludeId: string) {
  return db
    .select({ id: activities.id, localDate: activities.localDate })
    .from(activities)
    .where(
      and(
        unreplacedExpiredRuns(runnerId),
        between(activities.startTime, new Date(start.getTime() - windowS * 1000), new Date(start.getTime() + windowS * 1000)),
        ne(activities.id, excludeId),
      ),
    );
}
