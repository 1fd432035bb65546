import { and, eq, isNull, sql } from 'drizzle-orm';
import type { CadenceHistogram } from '../../domain/cadence.js';
import type { RunPain } from '../../domain/cadence-goal.js';
import type { CadenceReportRun } from '../../domain/reports/cadence.js';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, cadenceGoals, runPain } from '../schema/index.js';

export type CadenceGoalRow = typeof cadenceGoals.$inferSelect;

type CadenceRunRow = {
  id: string;
  local_date: string;
  start_ms: string;
  source: string;
  workout_type: number | null;
  is_indoor: boolean;
  distance_m: number;
  elevation_loss_m: number | null;
  speed_mps: number | null;
  run_cadence_spm: number | null;
  running_sample_time_s: number;
  cadence_quality: string;
  cadence_source: string;
  cadence_factor: number;
  cadence_histogram: CadenceHistogram | null;
};

type CadencePainRow = CadenceRunRow & {
  light: 'green' | 'amber' | 'red' | null;
  during_run: number | null;
  calf_during: number | null;
  morning_worse: boolean | null;
};

const RUN_COLUMNS = sql`a.id, a.local_date::text as local_date, (extract(epoch from a.start_time) * 1000)::bigint::text as start_ms,
           a.source, a.workout_type, a.is_indoor,
           m.distance_m, m.elevation_loss_m, coalesce(m.run_speed_mps, m.avg_speed_mps) as speed_mps,
           m.run_cadence_spm, m.running_sample_time_s, m.cadence_quality, m.cadence_source, m.cadence_factor, m.cadence_histogram`;

function runsWhere(runnerId: string, from: string, to: string) {
  return sql`a.runner_id = ${runnerId} and a.counted_in_load and a.status = 'ready' and a.local_date between ${from} and ${to}`;
}

function toRun(r: CadenceRunRow): CadenceReportRun {
  return {
    activityId: r.id,
    localDate: r.local_date,
    startTime: new Date(Number(r.start_ms)),
    source: r.source,
    workoutType: r.workout_type,
    isIndoor: r.is_indoor,
    distanceM: r.distance_m,
    elevationLossM: r.elevation_loss_m,
    speedMps: r.speed_mps,
    runCadenceSpm: r.run_cadence_spm,
    runningTimeS: r.running_sample_time_s,
    cadenceQuality: r.cadence_quality === 'ok' || r.cadence_quality === 'suspect' ? r.cadence_quality : 'none',
    cadenceSource: r.cadence_source,
    cadenceFactor: r.cadence_factor,
    histogram: r.cadence_histogram,
  };
}

/**
 * Counted, derived runs of a runner with local date in [from, to], oldest first, shaped for the cadence
 * report. Plain SQL with only the columns the report reads: a 5-year history is ~1,800 rows.
 */
export async function loadCadenceRuns(db: DbOrTx, runnerId: string, from: string, to: string): Promise<CadenceReportRun[]> {
  const { rows } = await db.execute<CadenceRunRow>(sql`
    select ${RUN_COLUMNS}
    from ${activities} a
    join ${activityMetrics} m on m.activity_id = a.id
    where ${runsWhere(runnerId, from, to)}
    order by a.local_date, a.start_time`);
  return rows.map(toRun);
}

/**
 * The same runs with each run's pain from the stored pain answers (`run_pain`), read in the same
 * query: knee light (null when grey or unanswered), knee pain during, calf pain during and whether the
 * next morning was worse. The cadence report needs both, and reading the runs once keeps it fast.
 */
export async function loadCadenceRunsWithPain(
  db: DbOrTx,
  runnerId: string,
  from: string,
  to: string,
): Promise<{ runs: CadenceReportRun[]; pain: Map<string, RunPain> }> {
  const { rows } = await db.execute<CadencePainRow>(sql`
    select ${RUN_COLUMNS},
           nullif(p.light, 'grey') as light, p.during_run, p.calf_during, (p.derived ->> 'morningWorse')::boolean as morning_worse
    from ${activities} a
    join ${activityMetrics} m on m.activity_id = a.id
    left join ${runPain} p on p.activity_id = a.id
    where ${runsWhere(runnerId, from, to)}
    order by a.local_date, a.start_time`);
  const pain = new Map<string, RunPain>();
  for (const r of rows)
    pain.set(r.id, { light: r.light ?? null, painDuring: r.during_run ?? null, calfPain: r.calf_during ?? null, morningWorse: r.morning_worse ?? null });
  return { runs: rows.map(toRun), pain };
}

export async function findActiveGoal(db: DbOrTx, runnerId: string): Promise<CadenceGoalRow | undefined> {
  const [row] = await db
    .select()
    .from(cadenceGoals)
    .where(and(eq(cadenceGoals.runnerId, runnerId), eq(cadenceGoals.active, true)));
  return row;
}

/** Inserts a new active goal. */
export async function insertActiveGoal(db: DbOrTx, values: typeof cadenceGoals.$inferInsert): Promise<CadenceGoalRow> {
  const [row] = await db.insert(cadenceGoals).values(values).returning();
  return row!;
}

/** Updates a goal's columns by id; the updated row, or undefined when it is gone. */
export async function updateGoal(db: DbOrTx, id: string, fields: Partial<typeof cadenceGoals.$inferInsert>): Promise<CadenceGoalRow | undefined> {
  const [row] = await db.update(cadenceGoals).set(fields).where(eq(cadenceGoals.id, id)).returning();
  return row;
}

/** Freezes a goal's baseline columns, only while no baseline is frozen yet; undefined when another call froze it first. */
export async function freezeGoalBaseline(db: DbOrTx, id: string, fields: Partial<typeof cadenceGoals.$inferInsert>): Promise<CadenceGoalRow | undefined> {
  const [row] = await db
    .update(cadenceGoals)
    .set(fields)
    .where(and(eq(cadenceGoals.id, id), isNull(cadenceGoals.baselineFrozenAt)))
    .returning();
  return row;
}

/** Ends a goal by id (kept for history, no longer active). */
export async function endGoal(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(cadenceGoals).set({ active: false, endedAt: now, updatedAt: now }).where(eq(cadenceGoals.id, id));
}

/** Ends the runner's active goal; the ended row, or undefined when there was none. */
export async function endActiveGoal(db: DbOrTx, runnerId: string, now: Date): Promise<CadenceGoalRow | undefined> {
  const [row] = await db
    .update(cadenceGoals)
    .set({ active: false, endedAt: now, updatedAt: now })
    .where(and(eq(cadenceGoals.runnerId, runnerId), eq(cadenceGoals.active, true)))
    .returning();
  return row;
}

/** Makes an ended goal active again (undoes `endGoal`). */
export async function reactivateGoal(db: DbOrTx, id: string): Promise<void> {
  await db.update(cadenceGoals).set({ active: true, endedAt: null }).where(eq(cadenceGoals.id, id));
}

/** Stores a goal's pause (reason and the run that caused it), or clears it when `pause` is null. */
export async function setGoalPause(db: DbOrTx, id: string, pause: { reason: string; activityId: string | null } | null, now: Date): Promise<void> {
  await db
    .update(cadenceGoals)
    .set(
      pause
        ? { pausedAt: now, pauseReason: pause.reason, pauseActivityId: pause.activityId, updatedAt: now }
        : { pausedAt: null, pauseReason: null, pauseActivityId: null, updatedAt: now },
    )
    .where(eq(cadenceGoals.id, id));
}

/** Deletes a goal by id. */
export async function deleteGoal(db: DbOrTx, id: string): Promise<void> {
  await db.delete(cadenceGoals).where(eq(cadenceGoals.id, id));
}
