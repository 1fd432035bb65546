import type { Db } from '../../db/client.js';
import {
  deleteGoal,
  endActiveGoal,
  endGoal,
  findActiveGoal,
  freezeGoalBaseline,
  insertActiveGoal,
  loadCadenceRuns,
  reactivateGoal,
  setGoalPause,
  updateGoal,
  type CadenceGoalRow,
} from '../../db/queries/cadence.js';
import { lockRunner } from '../../db/queries/runners.js';
import { baselineWindow, CADENCE_GOAL, cadenceSpeedSlope, computeBaseline, qualifies, type Baseline, type PainFlag } from '../../domain/cadence-goal.js';
import { addDays, isLocalDate, localDateOf } from '../../domain/iso-week.js';
import type { CadenceGoalState } from '../../domain/reports/cadence.js';
import { median } from '../../domain/week.js';
import type { Enqueue } from '../../jobs/queues.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { enqueueWeekRecomputes } from '../activities.js';
import { requireRunner } from '../runners.js';

export interface CadenceGoalInput {
  targetPct?: number | undefined;
  targetSpm?: number | undefined;
  startDate: string;
  baselineSpm?: number | undefined;
}

type GoalDeps = { db: Db; now: () => Date; enqueue: Enqueue };

/** How far ahead a goal may start: the baseline is collected until then. */
const MAX_START_AHEAD_DAYS = 90;

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`body.${field}: ${message}`, { issues: [{ path: `body.${field}`, message }] });
}

/** An active goal with start date ≤ `localDate` (paused or not): the gait change is in progress. */
export async function isGaitGoalActive(deps: { db: Db }, runnerId: string, localDate: string): Promise<boolean> {
  const goal = await findActiveGoal(deps.db, runnerId);
  return goal !== undefined && goal.startDate <= localDate;
}

/** The stored goal as the pure report wants it. */
export function goalState(row: CadenceGoalRow): CadenceGoalState {
  const d = (row.baselineDetails ?? {}) as Record<string, unknown>;
  const targetGiven = (row.details as { targetGiven?: string } | null)?.targetGiven;
  const baseline: Baseline | null =
    row.baselineFrozenAt && row.baselineSpm !== null
      ? {
          spm: Number(row.baselineSpm),
          speedMps: row.baselineSpeedMps,
          slope: {
            spmPerMps: row.slopeSpmPerMps ?? CADENCE_GOAL.defaultSlopeSpmPerMps,
            source: row.slopeSource === 'own' ? 'own' : 'default',
            reason: (d.slopeReason as string | null) ?? null,
          },
          from: (d.from as string) ?? baselineWindow(row.startDate).from,
          to: (d.to as string) ?? baselineWindow(row.startDate).to,
          firstRunDate: (d.firstRunDate as string | null) ?? null,
          lastRunDate: (d.lastRunDate as string | null) ?? null,
          runs: (d.runs as number) ?? 0,
          runIds: (d.runIds as string[]) ?? [],
          source: row.baselineSource === 'given' ? 'given' : 'runs',
        }
      : null;
  return {
    id: row.id,
    startDate: row.startDate,
    targetPct: targetGiven === 'spm' ? null : row.targetPct,
    targetSpm: targetGiven === 'spm' ? row.targetSpm : null,
    baseline,
  };
}

function baselineColumns(b: Baseline, targetSpm: number | null, now: Date) {
  return {
    baselineSpm: b.spm,
    baselineSpeedMps: b.speedMps,
    slopeSpmPerMps: b.slope.spmPerMps,
    slopeSource: b.slope.source,
    baselineSource: b.source,
    baselineFrozenAt: now,
    baselineDetails: {
      from: b.from,
      to: b.to,
      firstRunDate: b.firstRunDate,
      lastRunDate: b.lastRunDate,
      runs: b.runs,
      runIds: b.runIds,
      slopeReason: b.slope.reason,
    },
    ...(targetSpm !== null ? { targetSpm } : {}),
    updatedAt: now,
  };
}

/** A given baseline: the value as set, with speed and slope from whatever qualifying runs the window holds. */
async function givenBaseline(db: Db, runnerId: string, startDate: string, spm: number): Promise<Baseline> {
  const { from, to } = baselineWindow(startDate);
  const runs = (await loadCadenceRuns(db, runnerId, from, to)).filter(qualifies);
  const withSpeed = runs.filter((r) => r.speedMps !== null && r.speedMps > 0) as { speedMps: number; runCadenceSpm: number }[];
  return {
    spm,
    speedMps: median(withSpeed.map((r) => r.speedMps)),
    slope: cadenceSpeedSlope(withSpeed),
    from,
    to,
    firstRunDate: runs[0]?.localDate ?? null,
    lastRunDate: runs[runs.length - 1]?.localDate ?? null,
    runs: runs.length,
    runIds: runs.map((r) => r.activityId),
    source: 'given',
  };
}

/**
 * Freezes the baseline once the goal has started (its 21-day window is closed) and enough runs exist;
 * later calls change nothing (the update only applies while no baseline is frozen).
 */
export async function freezeBaselineIfDue(deps: { db: Db; now: () => Date }, row: CadenceGoalRow, asOf: string): Promise<CadenceGoalRow> {
  if (row.baselineFrozenAt || row.startDate > asOf) return row;
  const { from, to } = baselineWindow(row.startDate);
  const result = computeBaseline(await loadCadenceRuns(deps.db, row.runnerId, from, to), row.startDate);
  if (!result.ok) return row;
  const targetGiven = (row.details as { targetGiven?: string } | null)?.targetGiven;
  const target = targetGiven === 'spm' ? null : Math.round(result.baseline.spm * (1 + (row.targetPct ?? CADENCE_GOAL.defaultTargetPct) / 100));
  const updated = await freezeGoalBaseline(deps.db, row.id, baselineColumns(result.baseline, target, deps.now()));
  return updated ?? (await findActiveGoal(deps.db, row.runnerId)) ?? row;
}

/**
 * Sets the runner's goal. The same start date as the active goal changes its target and keeps its
 * frozen baseline; another start date ends the active goal and starts a new one with a new baseline.
 * Weeks within the goal's first 14 days are recomputed (the goal counts as the gait change there).
 */
export async function putCadenceGoal(deps: GoalDeps, runnerId: string, input: CadenceGoalInput): Promise<{ row: CadenceGoalRow; created: boolean }> {
  const runner = await requireRunner(deps, runnerId);
  const now = deps.now();
  const today = localDateOf(now, null, runner.timezone);
  if (!isLocalDate(input.startDate)) throw invalid('startDate', 'not a calendar date (YYYY-MM-DD)');
  if (input.targetPct !== undefined && input.targetSpm !== undefined) throw invalid('targetSpm', 'give targetPct or targetSpm, not both');
  if (input.startDate > addDays(today, MAX_START_AHEAD_DAYS)) throw invalid('startDate', `must be within ${MAX_START_AHEAD_DAYS} days from today (${today})`);
  if (input.targetSpm !== undefined && input.baselineSpm !== undefined && input.targetSpm <= input.baselineSpm)
    throw invalid('targetSpm', 'must be above baselineSpm');

  const outcome = await deps.db.transaction(async (tx) => {
    // one writer per runner at a time: the one-active-goal rule holds under concurrent PUTs
    await lockRunner(tx, runner.id);
    const current = await findActiveGoal(tx, runner.id);
    const details = { targetGiven: input.targetSpm !== undefined ? 'spm' : 'pct' };
    const targetPct = input.targetSpm !== undefined ? null : (input.targetPct ?? CADENCE_GOAL.defaultTargetPct);
    const sameGoal =
      current !== undefined && current.startDate === input.startDate && (input.baselineSpm === undefined || Number(current.baselineSpm) === input.baselineSpm);
    if (sameGoal) {
      const baseline = current.baselineFrozenAt && current.baselineSpm !== null ? Number(current.baselineSpm) : null;
      if (input.targetSpm !== undefined && baseline !== null && input.targetSpm <= baseline)
        throw invalid('targetSpm', `must be above the baseline (${baseline} spm)`);
      const targetSpm = input.targetSpm ?? (baseline !== null ? Math.round(baseline * (1 + targetPct! / 100)) : null);
      const row = await updateGoal(tx, current.id, { targetPct, targetSpm, details, updatedAt: now });
      return { row: row!, created: false, ended: null as CadenceGoalRow | null };
    }
    if (current) await endGoal(tx, current.id, now);
    const row = await insertActiveGoal(tx, {
      runnerId: runner.id,
      startDate: input.startDate,
      targetPct,
      targetSpm: input.targetSpm ?? null,
      details,
      active: true,
    });
    return { row, created: true, ended: current ?? null };
  });

  let row = outcome.row;
  if (outcome.created && input.baselineSpm !== undefined) {
    const b = await givenBaseline(deps.db, runner.id, input.startDate, input.baselineSpm);
    const target = input.targetSpm ?? Math.round(b.spm * (1 + (row.targetPct ?? CADENCE_GOAL.defaultTargetPct) / 100));
    row = (await updateGoal(deps.db, row.id, baselineColumns(b, target, now)))!;
  } else {
    row = await freezeBaselineIfDue(deps, row, today);
  }
  if (input.targetSpm !== undefined && row.baselineSpm !== null && input.targetSpm <= Number(row.baselineSpm)) {
    // the frozen baseline turned out above the asked target: undo this goal rather than keep a nonsense target
    await deleteGoal(deps.db, row.id);
    if (outcome.ended) await reactivateGoal(deps.db, outcome.ended.id);
    throw invalid('targetSpm', `must be above the baseline (${Number(row.baselineSpm)} spm)`);
  }
  if (outcome.created) {
    const dates = [input.startDate, addDays(input.startDate, CADENCE_GOAL_GAIT_DAYS - 1)];
    if (outcome.ended) dates.push(outcome.ended.startDate, addDays(outcome.ended.startDate, CADENCE_GOAL_GAIT_DAYS - 1));
    await enqueueWeekRecomputes(deps, runner.id, dates);
  }
  return { row, created: outcome.created };
}

/** Days a new goal counts as the weekly rules' gait change. */
const CADENCE_GOAL_GAIT_DAYS = 14;

/** Ends the active goal (kept for history, no longer active). */
export async function deleteCadenceGoal(deps: GoalDeps, runnerId: string): Promise<void> {
  const runner = await requireRunner(deps, runnerId);
  const now = deps.now();
  const ended = await endActiveGoal(deps.db, runner.id, now);
  if (!ended) throw new NotFoundError(`runner ${runner.id} has no cadence goal`, 'cadence_goal_not_found');
  await enqueueWeekRecomputes(deps, runner.id, [ended.startDate, addDays(ended.startDate, CADENCE_GOAL_GAIT_DAYS - 1)]);
}

/**
 * Stores the pause the report found (or clears it), so the goal row itself says whether further steps
 * are paused and why. The report always re-derives the pause from the pain answers, so a corrected
 * answer lifts it.
 */
export async function recordPause(deps: { db: Db; now: () => Date }, row: CadenceGoalRow, pause: PainFlag | null): Promise<void> {
  const same = pause === null ? row.pausedAt === null : row.pauseReason === pause.reason && row.pauseActivityId === pause.activityId;
  if (same) return;
  await setGoalPause(deps.db, row.id, pause, deps.now());
}
