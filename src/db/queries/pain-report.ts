import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, weeks } from '../schema/index.js';
import { countedRunsIn } from './run-pain.js';

/**
 * Counted runs of a runner (derived, not a duplicate copy, not a non-run) with local date in
 * [from, to] (either end open), oldest first, with the per-run variables the pain report compares.
 */
export async function loadReportRuns(db: DbOrTx, runnerId: string, range: { from?: string; to?: string }) {
  return db
    .select({
      id: activities.id,
      source: activities.source,
      localDate: activities.localDate,
      startTime: activities.startTime,
      distanceM: activityMetrics.distanceM,
      movingTimeS: activityMetrics.movingTimeS,
      avgPaceSPerKm: activityMetrics.avgPaceSPerKm,
      elevationLossM: activityMetrics.elevationLossM,
      descentPerKm: activityMetrics.descentPerKm,
      runCadenceSpm: activityMetrics.runCadenceSpm,
      paceCvPct: activityMetrics.paceCvPct,
    })
    .from(activities)
    .innerJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(countedRunsIn(runnerId, range))
    .orderBy(asc(activities.localDate), asc(activities.startTime));
}

/** The runner's stored weeks overlapping [from, to]: distance change % and the changed variables. */
export async function loadReportWeeks(db: DbOrTx, runnerId: string, range: { from?: string; to?: string }) {
  const conds = [eq(weeks.runnerId, runnerId)];
  if (range.from) conds.push(gte(weeks.endDate, range.from));
  if (range.to) conds.push(lte(weeks.startDate, range.to));
  return db
    .select({ week: weeks.week, startDate: weeks.startDate, endDate: weeks.endDate, changePct: weeks.changePct, changed: weeks.changed })
    .from(weeks)
    .where(and(...conds))
    .orderBy(asc(weeks.startDate));
}
