import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { RunPain } from '../../domain/cadence-goal.js';

/** The pain known for each run of a runner in [from, to], by activity id. */
export type RunPainSource = (deps: { db: Db }, runnerId: string, range: { from: string; to: string }) => Promise<Map<string, RunPain>>;

const LIGHTS = new Set(['green', 'amber', 'red', 'grey']);

/**
 * Reads each run's stored pain (`run_pain`: light, knee pain during, calf pain during, next-morning
 * change), which the pain answers keep up to date.
 */
export const storedRunPain: RunPainSource = async (deps, runnerId, range) => {
  const rows = await deps.db.execute<{ activity_id: string; light: string; during_run: number | null; calf_during: number | null; morning_worse: boolean | null }>(sql`
    select activity_id, light, during_run, calf_during,
           coalesce((derived->>'morningWorse')::boolean, next_morning_vs_yesterday = 'worse') as morning_worse
    from run_pain
    where runner_id = ${runnerId} and local_date between ${range.from} and ${range.to}`);
  return new Map(
    rows.rows.map((r) => [
      r.activity_id,
      {
        light: LIGHTS.has(r.light) ? (r.light as RunPain['light']) : null,
        painDuring: r.during_run,
        calfPain: r.calf_during,
        morningWorse: r.morning_worse,
      },
    ]),
  );
};
