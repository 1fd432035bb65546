import type { DbOrTx } from '../../src/db/client.js';
import { activities, activityMetrics } from '../../src/db/schema/index.js';
import { buildCadenceHistogram } from '../../src/domain/cadence.js';

export interface SeedCadenceRun {
  localDate: string;
  /** running cadence, spm */
  spm: number;
  speedMps?: number;
  runningTimeS?: number;
  distanceM?: number;
  elevationLossM?: number;
  workoutType?: number | null;
  cadenceQuality?: 'ok' | 'suspect' | 'none';
  /** spread of the per-run histogram around `spm` (± this many spm, even time per bin); default 0 */
  spreadSpm?: number;
}

let seq = 0;

/**
 * Counted, derived runs inserted straight into activities + activity_metrics (the rows the derive path
 * writes), for report tests and benchmarks. Returns the activity ids in input order.
 */
export async function insertCadenceRuns(db: DbOrTx, runnerId: string, runs: readonly SeedCadenceRun[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < runs.length; i += 500) {
    const chunk = runs.slice(i, i + 500);
    const rows = await db
      .insert(activities)
      .values(
        chunk.map((r) => ({
          runnerId,
          source: 'upload' as const,
          externalId: `seed-${process.pid}-${++seq}`,
          sport: 'running',
          isRun: true,
          startTime: new Date(`${r.localDate}T07:00:00Z`),
          localDate: r.localDate,
          utcOffsetS: 0,
          status: 'ready' as const,
          countedInLoad: true,
          workoutType: r.workoutType ?? null,
        })),
      )
      .returning({ id: activities.id });
    await db.insert(activityMetrics).values(
      chunk.map((r, k) => {
        const running = r.runningTimeS ?? 1800;
        const speed = r.speedMps ?? 3;
        const spread = r.spreadSpm ?? 0;
        const bins = Array.from({ length: 2 * spread + 1 }, (_, j) => r.spm - spread + j);
        const distanceM = r.distanceM ?? Math.round(speed * running);
        return {
          activityId: rows[k]!.id,
          distanceM,
          elapsedTimeS: running,
          movingTimeS: running,
          avgSpeedMps: speed,
          avgPaceSPerKm: 1000 / speed,
          avgCadenceSpm: r.spm,
          cadenceSource: 'fit-record',
          cadenceFactor: 2,
          cadenceQuality: r.cadenceQuality ?? 'ok',
          runCadenceSpm: r.spm,
          runningSampleTimeS: running,
          runSpeedMps: speed,
          cadenceHistogram: buildCadenceHistogram(
            bins,
            bins.map(() => running / bins.length),
          ),
          walkShare: 0,
          steps: (r.spm * running) / 60,
          elevationGainM: r.elevationLossM ?? 20,
          elevationLossM: r.elevationLossM ?? 20,
          elevationSource: 'device',
          splits: [],
          pace: { firstHalfSPerKm: null, secondHalfSPerKm: null, driftPct: null, cvPct: null, surges: 0 },
        };
      }),
    );
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}
