import type { Db, DbOrTx } from '../db/client.js';
import {
  findActivity,
  findExpiredRunsNear,
  findRunsStartingNear,
  listDuplicatesOf,
  setActivityCounting,
  setActivityFailed,
  setActivityProcessing,
  setActivityReady,
  softDeleteActivities,
  upsertMetrics,
  type ActivityRow,
} from '../db/queries/activities.js';
import { findRunner } from '../db/queries/runners.js';
import { countingDecision } from '../domain/counting.js';
import { DUPLICATE_SEARCH_WINDOW_S, DUPLICATE_START_WINDOW_S, duplicateGroup, pickCountedCopy, type DedupeCandidate } from '../domain/dedupe.js';
import { localDateOf, resolveWallClock } from '../domain/iso-week.js';
import { deriveRunMetrics } from '../domain/metrics.js';
import type { Run, RunMetrics } from '../domain/run.js';
import { weeksTouchedBy } from '../domain/rules/touched-weeks.js';
import type { Enqueue } from '../jobs/queues.js';
import { cancelPromptsFor } from './prompts/schedule.js';

export interface IngestDeps {
  db: Db;
  enqueue: Enqueue;
  now: () => Date;
}

/** Queue the recompute of every week a change on these dates touches (debounced per week, so a burst costs one each). */
export async function enqueueWeekRecomputes(
  deps: Pick<IngestDeps, 'enqueue'>,
  runnerId: string,
  localDates: ReadonlyArray<string | null | undefined>,
): Promise<void> {
  for (const week of weeksTouchedBy(localDates)) await deps.enqueue('week.recompute', { runnerId, week });
}

/**
 * Store a decoded Run for an activity row: derive its metrics, set its dates and sport, mark it
 * ready, settle cross-source duplicates, and schedule the recompute of the weeks it touches.
 * Idempotent: deriving the same Run twice leaves the same rows.
 */
export async function saveDerivedRun(
  deps: IngestDeps,
  activityId: string,
  decoded: Run,
  extra: { name?: string | null } = {},
): Promise<{ activity: ActivityRow; metrics: RunMetrics }> {
  const activity = await findActivity(deps.db, activityId);
  if (!activity) throw new Error(`activity ${activityId} vanished`);
  const runner = await findRunner(deps.db, activity.runnerId);
  if (!runner) throw new Error(`runner ${activity.runnerId} vanished`);
  // A device that only knew its wall clock: read it in the runner's zone.
  const run = decoded.startTimeIsLocalClock ? { ...decoded, ...resolveWallClock(decoded.startTime, runner.timezone) } : decoded;
  const metrics = deriveRunMetrics(run);
  const localDate = localDateOf(run.startTime, run.utcOffsetS, runner.timezone);
  const counting = countingDecision({ isRun: run.isRun, manual: run.manual === true, distanceM: metrics.distanceM, movingTimeS: metrics.movingTimeS });
  const now = deps.now();
  const updated = await deps.db.transaction(async (tx) => {
    const row = await setActivityReady(
      tx,
      activityId,
      {
        sport: run.sport,
        subSport: run.subSport,
        isRun: run.isRun,
        isIndoor: run.isIndoor,
        startTime: run.startTime,
        localDate,
        utcOffsetS: run.utcOffsetS,
        countedInLoad: counting.countedInLoad,
        excludedReason: counting.excludedReason,
        ...(extra.name !== undefined ? { name: extra.name } : {}),
      },
      now,
    );
    if (!row) return undefined;
    await upsertMetrics(tx, activityId, metrics, now);
    return row;
  });
  if (!updated) return { activity, metrics };
  const affected = await settleDuplicates(deps.db, updated, now);
  const replaced = await replaceExpiredCopies(deps.db, updated, now);
  await enqueueWeekRecomputes(deps, updated.runnerId, [activity.localDate, localDate, ...affected, ...replaced]);
  return { activity: updated, metrics };
}

/**
 * Re-decide which copy of a run is counted among the ready runs near `activity`'s start.
 * Returns the local dates of rows whose counted flag changed (their weeks need a recompute).
 */
export async function settleDuplicates(db: DbOrTx, activity: Pick<ActivityRow, 'id' | 'runnerId' | 'startTime' | 'isRun'>, now: Date): Promise<string[]> {
  if (!activity.startTime) return [];
  const near = await findRunsStartingNear(db, activity.runnerId, activity.startTime, DUPLICATE_SEARCH_WINDOW_S);
  const candidates: Array<DedupeCandidate & { row: (typeof near)[number] }> = near
    .filter((r) => r.startTime)
    .map((r) => ({
      id: r.id,
      source: r.source,
      startTime: r.startTime!,
      distanceM: r.distanceM,
      movingTimeS: r.movingTimeS,
      utcOffsetS: r.utcOffsetS,
      hasSamples: Boolean(r.hasSamples),
      createdAt: r.createdAt,
      row: r,
    }));
  const seed = candidates.find((c) => c.id === activity.id);
  if (!seed) return [];
  const group = duplicateGroup(seed, candidates);
  const winner = pickCountedCopy(group);
  const changedDates: string[] = [];
  for (const copy of group) {
    const counted = copy.id === winner.id;
    const duplicateOf = counted ? null : winner.id;
    const excludedReason = counted ? null : 'duplicate';
    if (copy.row.countedInLoad === counted && copy.row.duplicateOf === duplicateOf && copy.row.excludedReason === excludedReason) continue;
    await setActivityCounting(db, copy.id, { countedInLoad: counted, duplicateOf, excludedReason }, now);
    if (copy.row.localDate) changedDates.push(copy.row.localDate);
  }
  return changedDates;
}

/**
 * A new copy of a run whose earlier copy expired with its source's cache window (a Strava run, then the
 * runner's own Strava archive or watch file of it) takes the expired copy's place: the expired row,
 * which has no numbers left to compare, is matched by its start (within ±120 s) and becomes a
 * duplicate of the copy that now counts, so its week no longer lacks it. Returns the touched dates.
 */
export async function replaceExpiredCopies(
  db: DbOrTx,
  activity: Pick<ActivityRow, 'id' | 'runnerId' | 'startTime' | 'isRun' | 'expiredAt'>,
  now: Date,
): Promise<string[]> {
  if (!activity.startTime || !activity.isRun || activity.expiredAt) return [];
  const current = await findActivity(db, activity.id);
  if (!current || current.deletedAt || !(current.countedInLoad || current.duplicateOf)) return [];
  const countedId = current.duplicateOf ?? current.id;
  const stubs = await findExpiredRunsNear(db, activity.runnerId, activity.startTime, DUPLICATE_START_WINDOW_S, activity.id);
  for (const stub of stubs) await setActivityCounting(db, stub.id, { countedInLoad: false, duplicateOf: countedId, excludedReason: 'duplicate' }, now);
  return stubs.map((s) => s.localDate).filter((d): d is string => d !== null);
}

/**
 * Copies that pointed at `ids` as the counted copy (now deleted or expired) are re-settled so one of
 * them becomes the counted copy. `expiredCopiesStay` (the counted copy expired, not deleted): copies
 * that expired too keep pointing at it, so the week lists the run once. Returns the local dates touched.
 */
export async function resettleOrphans(
  db: DbOrTx,
  runnerId: string,
  ids: string[],
  now: Date,
  opts: { expiredCopiesStay?: boolean } = {},
): Promise<Array<string | null>> {
  const orphans = await listDuplicatesOf(db, runnerId, ids);
  const dates: Array<string | null> = [];
  for (const o of orphans) {
    if (o.expiredAt && opts.expiredCopiesStay) continue;
    if (o.expiredAt) {
      // an expired copy has no numbers to count: the week now lacks it
      await setActivityCounting(db, o.id, { duplicateOf: null, countedInLoad: false, excludedReason: o.isRun ? 'expired' : 'not_a_run' }, now);
      dates.push(o.localDate);
      continue;
    }
    // an orphan was a counted-quality run demoted only as a duplicate
    await setActivityCounting(db, o.id, { duplicateOf: null, countedInLoad: Boolean(o.isRun), excludedReason: o.isRun ? null : 'not_a_run' }, now);
    dates.push(o.localDate, ...(await settleDuplicates(db, o, now)));
  }
  return dates;
}

export async function markActivityFailed(deps: Pick<IngestDeps, 'db' | 'now'>, activityId: string, error: { code: string; message: string }): Promise<void> {
  await setActivityFailed(deps.db, activityId, error, deps.now());
}

export async function markActivityProcessing(deps: Pick<IngestDeps, 'db' | 'now'>, activityId: string): Promise<void> {
  await setActivityProcessing(deps.db, activityId, deps.now());
}

/**
 * Delete activities (confirmed upstream delete, revoked access, disconnect). The rows are soft
 * deleted: hidden from every read and from the weekly rules and dedupe at once, and purged for good
 * by the retention job after DELETED_RETENTION_DAYS, so a mistaken delete can be undone meanwhile.
 * Copies that were duplicates of a deleted counted run are re-settled so one of them becomes the
 * counted copy; touched weeks are recomputed.
 */
export async function deleteActivities(deps: IngestDeps, runnerId: string, ids: string[], reason = 'deleted'): Promise<number> {
  if (ids.length === 0) return 0;
  // Their open pain prompts go with them (answers already given stay with the runner).
  await cancelPromptsFor(deps.db, ids, 'deleted', deps.now());
  const removed = await softDeleteActivities(deps.db, runnerId, ids, reason, deps.now());
  const dates = removed.map((r) => r.localDate);
  dates.push(...(await resettleOrphans(deps.db, runnerId, ids, deps.now())));
  await enqueueWeekRecomputes(deps, runnerId, dates);
  return removed.length;
}
