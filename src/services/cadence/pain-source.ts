import type { Db } from '../../db/client.js';
import type { RunPain } from '../../domain/cadence-goal.js';
import { listRunsWithLight } from '../pain/lights.js';

/** The pain known for each run of a runner in [from, to], by activity id. */
export type RunPainSource = (deps: { db: Db }, runnerId: string, range: { from: string; to: string }) => Promise<Map<string, RunPain>>;

/**
 * Each run's pain from the pain answers: knee light (null when unanswered), knee pain during, calf pain
 * during (asked while a gait goal is active) and whether the next morning was worse.
 */
export const painFromAnswers: RunPainSource = async (deps, runnerId, range) => {
  const rows = await listRunsWithLight(deps, runnerId, range);
  return new Map(rows.map((r) => [r.activityId, { light: r.light, painDuring: r.painDuring, calfPain: r.calfPain, morningWorse: r.morningWorse }]));
};
