import { and, asc, desc, eq, gte, inArray, isNull, lte, min } from 'drizzle-orm';
import { DEFAULT_THRESHOLDS } from '../../domain/rules/thresholds.js';
import type { WeekRun } from '../../domain/week.js';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, warnings, weeks } from '../schema/index.js';

/** Runs ≥ this many seconds of running samples qualify for cadence tracking (domain.md §3.4). */
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
    .where(
      and(countedRunsOf(runnerId), gte(activities.localDate, from), lte(activities.localDate, to)),
    )
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
  }));
}

/**
 * First local date of the runner's history: the earliest counted run that is not noise
 * (≥ 1 km and ≥ 5 min, domain.md §2.1), so a stray 500 m jog does not make later warnings look
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
  return db.select().from(weeks).where(and(...conds)).orderBy(desc(weeks.startDate)).limit(range.limit);
}

export async function listWarnings(db: DbOrTx, runnerId: string, filter: { status?: 'open' | 'resolved'; weeks?: string[] } = {}) {
  const conds = [eq(warnings.runnerId, runnerId)];
  if (filter.status) conds.push(eq(warnings.status, filter.status));
  if (filter.weeks) conds.push(inArray(warnings.week, filter.weeks));
  return db.select().from(warnings).where(and(...conds)).orderBy(desc(warnings.week), asc(warnings.code));
}
