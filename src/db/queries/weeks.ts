import { and, asc, desc, eq, gte, isNull, lte, min, sql } from 'drizzle-orm';
import type { LackingRun } from '../../domain/retention.js';
import { DEFAULT_THRESHOLDS } from '../../domain/rules/thresholds.js';
import type { WeekRun } from '../../domain/week.js';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, weeks } from '../schema/index.js';
import { unreplacedExpiredRuns } from './activities.js';

export type WeekRow = typeof weeks.$inferSelect;
export type NewWeek = typeof weeks.$inferInsert;

/** Warnings live in ./warnings.ts; re-exported for the callers that list them with their weeks. */
export { listWarnings } from './warnings.js';

/** Runs ≥ this many seconds of running samples qualify for cadence tracking (docs/metrics.md "Cadence per run"). */
const CADENCE_QUALIFYING_S = 600;

/** A runner's runs that count toward load: derived, not deleted, and not a duplicate copy or a non-run. */
function countedRunsOf(runnerId: string) {
  return and(eq(activities.runnerId, runnerId), eq(activities.countedInLoad, true), eq(activities.status, 'ready'), isNull(activities.deletedAt));
}

/** Counted runs of a runner with local date in [from, to], shaped for the weekly rules. */
export async function loadWeekRuns(db: DbOrTx, runnerId: string, from: string, to: string): Promise<WeekRun[]> {
  const rows = await db
    .select({
      id: activities.id,
      source: activities.source,
      localDate: activities.localDate,
      startTime: activities.startTime,
      sport: activities.sport,
      subSport: activities.subSport,
      distanceM: activityMetrics.distanceM,
      movingTimeS: activityMetrics.movingTimeS,
      elevationLossM: activityMetrics.elevationLossM,
      steps: activityMetrics.steps,
      runCadenceSpm: activityMetrics.runCadenceSpm,
      cadenceQuality: activityMetrics.cadenceQuality,
      runningSampleTimeS: activityMetrics.runningSampleTimeS,
      surges: activityMetrics.surges,
    })
    .from(activities)
    .innerJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(countedRunsOf(runnerId), gte(activities.localDate, from), lte(activities.localDate, to)))
    .orderBy(asc(activities.startTime));
  return rows.map((r) => ({
    id: r.id,
    localDate: r.localDate!,
    startTime: r.startTime!,
    distanceM: r.distanceM,
    movingTimeS: r.movingTimeS,
    elevationLossM: r.elevationLossM,
    steps: r.steps,
    runCadenceSpm: r.runCadenceSpm,
    cadenceQualifies: r.cadenceQuality === 'ok' && r.runningSampleTimeS >= CADENCE_QUALIFYING_S && r.runCadenceSpm !== null,
    surges: r.surges,
    isTrail: /trail/i.test(`${r.sport ?? ''} ${r.subSport ?? ''}`),
    source: r.source,
  }));
}

/**
 * Runs of a runner with local date in [from, to] that the week lacks: their data expired with their
 * source's cache window and no other copy of the run counts in their place.
 */
export async function loadWeekLacking(db: DbOrTx, runnerId: string, from: string, to: string): Promise<LackingRun[]> {
  const rows = await db
    .select({ activityId: activities.id, source: activities.source, localDate: activities.localDate, reason: activities.expiredReason })
    .from(activities)
    .where(and(unreplacedExpiredRuns(runnerId), gte(activities.localDate, from), lte(activities.localDate, to)))
    .orderBy(asc(activities.startTime));
  return rows.map((r) => ({ activityId: r.activityId, source: r.source, localDate: r.localDate, reason: r.reason ?? 'expired' }));
}

/**
 * First local date of the runner's history: the earliest counted run that is not noise
 * (≥ 1 km and ≥ 5 min, docs/metrics.md "Which activities count"), so a stray 500 m jog does not make later warnings look
 * well-founded.
 */
export async function firstRunDate(db: DbOrTx, runnerId: string): Promise<string | null> {
  const [row] = await db
    .select({ first: min(activities.localDate) })
    .from(activities)
    .innerJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(
      and(
        countedRunsOf(runnerId),
        gte(activityMetrics.distanceM, DEFAULT_THRESHOLDS.noise.minDistanceM),
        gte(activityMetrics.movingTimeS, DEFAULT_THRESHOLDS.noise.minMovingTimeS),
      ),
    );
  return row?.first ?? null;
}

export async function listWeeks(db: DbOrTx, runnerId: string, range: { from?: string; to?: string; limit: number }) {
  const conds = [eq(weeks.runnerId, runnerId)];
  if (range.from) conds.push(gte(weeks.endDate, range.from));
  if (range.to) conds.push(lte(weeks.startDate, range.to));
  return db
    .select()
    .from(weeks)
    .where(and(...conds))
    .orderBy(desc(weeks.startDate))
    .limit(range.limit);
}

/**
 * Store a runner-week's evaluation. `create`: insert it or update it in place (a week with runs);
 * otherwise only an existing row is updated (a week emptied by deletes keeps its row with zeros, a week
 * that never had runs gets none).
 */
export async function saveWeek(db: DbOrTx, values: NewWeek, opts: { create: boolean }): Promise<void> {
  if (opts.create) {
    await db
      .insert(weeks)
      .values(values)
      .onConflictDoUpdate({ target: [weeks.runnerId, weeks.week], set: values });
  } else {
    await db
      .update(weeks)
      .set(values)
      .where(and(eq(weeks.runnerId, values.runnerId), eq(weeks.week, values.week)));
  }
}

/**
 * Weeks stored as incomplete whose Sunday has passed in their runner's own time zone at `now`, oldest
 * first: the ones the binding check recomputes.
 */
export async function listEndedOpenWeeks(db: DbOrTx, now: Date, limit: number): Promise<Array<{ runnerId: string; week: string }>> {
  const { rows } = await db.execute<{ runner_id: string; week: string }>(sql`
    select w.runner_id, w.week
    from weeks w join runners r on r.id = w.runner_id
    where w.complete = false and w.end_date < (${now.toISOString()}::timestamptz at time zone r.timezone)::date
    order by w.end_date
    limit ${limit}`);
  return rows.map((r) => ({ runnerId: r.runner_id, week: r.week }));
}

/**
 * Counted runs changed in (since, staleBefore) after their week was last computed (or whose week has no
 * row): each runner with the local dates of those runs, for the recovery sweep to recompute.
 */
export async function listRunDatesNewerThanTheirWeek(
  db: DbOrTx,
  since: Date,
  staleBefore: Date,
  limit: number,
): Promise<Array<{ runnerId: string; localDate: string }>> {
  const { rows } = await db.execute<{ runner_id: string; local_date: string }>(sql`
    select distinct a.runner_id, a.local_date::text as local_date
    from activities a
    left join weeks w on w.runner_id = a.runner_id and w.week = to_char(a.local_date, 'IYYY-"W"IW')
    where a.status = 'ready' and a.counted_in_load and a.local_date is not null
      and a.updated_at < ${staleBefore.toISOString()} and a.updated_at > ${since.toISOString()}
      and (w.computed_at is null or w.computed_at < a.updated_at)
    limit ${limit}`);
  return rows.map((r) => ({ runnerId: r.runner_id, localDate: r.local_date }));
}
