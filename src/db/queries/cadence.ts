import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { CadenceReportRun } from '../../domain/reports/cadence.js';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, cadenceGoals } from '../schema/index.js';

export type CadenceGoalRow = typeof cadenceGoals.$inferSelect;

/** Counted, derived runs of a runner with local date in [from, to], shaped for the cadence report. */
export async function loadCadenceRuns(db: DbOrTx, runnerId: string, from: string, to: string): Promise<CadenceReportRun[]> {
  const rows = await db
    .select({
      id: activities.id,
      localDate: activities.localDate,
      startTime: activities.startTime,
      source: activities.source,
      workoutType: activities.workoutType,
      isIndoor: activities.isIndoor,
      distanceM: activityMetrics.distanceM,
      elevationLossM: activityMetrics.elevationLossM,
      avgSpeedMps: activityMetrics.avgSpeedMps,
      runSpeedMps: activityMetrics.runSpeedMps,
      runCadenceSpm: activityMetrics.runCadenceSpm,
      runningSampleTimeS: activityMetrics.runningSampleTimeS,
      cadenceQuality: activityMetrics.cadenceQuality,
      cadenceSource: activityMetrics.cadenceSource,
      cadenceFactor: activityMetrics.cadenceFactor,
      histogram: activityMetrics.cadenceHistogram,
    })
    .from(activities)
    .innerJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(
      and(
        eq(activities.runnerId, runnerId),
        eq(activities.countedInLoad, true),
        eq(activities.status, 'ready'),
        gte(activities.localDate, from),
        lte(activities.localDate, to),
      ),
    )
    .orderBy(asc(activities.localDate), asc(activities.startTime));
  return rows.map((r) => ({
    activityId: r.id,
    localDate: r.localDate!,
    startTime: r.startTime!,
    source: r.source,
    workoutType: r.workoutType,
    isIndoor: r.isIndoor,
    distanceM: r.distanceM,
    elevationLossM: r.elevationLossM,
    speedMps: r.runSpeedMps ?? r.avgSpeedMps,
    runCadenceSpm: r.runCadenceSpm,
    runningTimeS: r.runningSampleTimeS,
    cadenceQuality: r.cadenceQuality === 'ok' || r.cadenceQuality === 'suspect' ? r.cadenceQuality : 'none',
    cadenceSource: r.cadenceSource,
    cadenceFactor: r.cadenceFactor,
    histogram: r.histogram ?? null,
  }));
}

export async function findActiveGoal(db: DbOrTx, runnerId: string): Promise<CadenceGoalRow | undefined> {
  const [row] = await db
    .select()
    .from(cadenceGoals)
    .where(and(eq(cadenceGoals.runnerId, runnerId), eq(cadenceGoals.active, true)));
  return row;
}
