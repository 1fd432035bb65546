import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { insertActivityOnce } from '../src/db/queries/activities.js';
import { deriveRunMetrics } from '../src/domain/metrics.js';
import type { Run } from '../src/domain/run.js';
import { weeksTouchedBy } from '../src/domain/rules/touched-weeks.js';
import { saveDerivedRun } from '../src/services/activities.js';
import { recomputeWeek } from '../src/services/recompute-week.js';
import { createRunner } from '../src/services/runners.js';
import type { Enqueue } from '../src/jobs/queues.js';
import { createScratchDatabase, dailyRunsInsert, fmt, median } from './scratch.js';

/** A plain 8 km, 45-minute run starting at `start` (summary values only: the bench measures storage and rules). */
function summaryRun(start: Date, distanceM = 8_000): Run {
  return {
    sport: 'running',
    subSport: null,
    isRun: true,
    isIndoor: false,
    startTime: start,
    utcOffsetS: 3600,
    summary: {
      distanceM,
      elapsedTimeS: 2760,
      movingTimeS: 2700,
      avgCadenceSpm: 166,
      avgCadenceSource: 'fit-session',
      totalAscentM: 40,
      totalDescentM: 42,
      elevationFromDevice: true,
      avgSpeedMps: distanceM / 2700,
    },
    samples: null,
    notes: [],
    partial: false,
  };
}

/**
 * Seed `days` daily runs ending yesterday with set-based SQL (5 years = 1,826 activities + metrics),
 * using one derived metrics row as the template.
 */
async function seedDailyRuns(db: Awaited<ReturnType<typeof createScratchDatabase>>['db'], runnerId: string, endDate: string, days: number): Promise<void> {
  const m = deriveRunMetrics(summaryRun(new Date(`${endDate}T06:00:00Z`)));
  await db.execute(sql`
    with ins as (${dailyRunsInsert(runnerId, endDate, days)})
    insert into activity_metrics (activity_id, distance_m, elapsed_time_s, moving_time_s, avg_speed_mps, avg_pace_s_per_km, avg_cadence_spm,
      cadence_source, cadence_factor, cadence_quality, run_cadence_spm, running_sample_time_s, steps, elevation_gain_m, elevation_loss_m,
      elevation_source, surges, splits, pace)
    select id, ${m.distanceM}, ${m.elapsedTimeS}, ${m.movingTimeS}, ${m.avgSpeedMps}, ${m.avgPaceSPerKm}, ${m.avgCadenceSpm},
      ${m.cadenceSource}, ${m.cadenceFactor}, ${m.cadenceQuality}, ${m.runCadenceSpm}, ${m.runningSampleTimeS}, ${m.steps}, ${m.elevationGainM}, ${m.elevationLossM},
      ${m.elevationSource}, 0, '[]'::jsonb, ${JSON.stringify(m.pace)}::jsonb
    from ins`);
}

/**
 * Cost of ingesting one new run (store + derive + recompute the weeks it touches) for a runner with
 * 1 week of history vs one with 5 years of daily runs. Incremental recompute keeps the ratio near 1.
 */
export async function benchWeekIngest(iterations = 25): Promise<Record<string, unknown>> {
  const scratch = await createScratchDatabase('week');
  const db = scratch.db;
  const noEnqueue: Enqueue = async () => undefined;
  const today = '2026-11-20';
  const now = () => new Date(`${today}T20:00:00Z`);
  try {
    const small = await createRunner({ db }, { name: 'one week', timezone: 'Europe/Oslo' });
    const large = await createRunner({ db }, { name: 'five years', timezone: 'Europe/Oslo' });
    await seedDailyRuns(db, small.id, today, 7);
    await seedDailyRuns(db, large.id, today, 5 * 365 + 1);
    await db.execute(sql`analyze`);

    const timeOne = async (runnerId: string, i: number) => {
      const start = new Date(new Date(`${today}T17:00:00Z`).getTime() + i * 60_000);
      const t0 = performance.now();
      const { row } = await insertActivityOnce(db, { runnerId, source: 'upload', externalId: `bench-${i}`, status: 'queued' });
      const saved = await saveDerivedRun({ db, enqueue: noEnqueue, now }, row.id, summaryRun(start, 8_000 + (i % 5) * 100));
      for (const week of weeksTouchedBy([saved.activity.localDate]))
        await recomputeWeek({ db, enqueue: noEnqueue, now, notifyConfigured: false }, runnerId, week);
      return performance.now() - t0;
    };
    // warm-up
    await timeOne(small.id, 1000);
    await timeOne(large.id, 1000);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < iterations; i++) {
      a.push(await timeOne(small.id, i));
      b.push(await timeOne(large.id, i));
    }
    const ms1 = median(a);
    const ms5y = median(b);
    const ratio = ms5y / ms1;
    console.log(
      `week ingest: 1 week of history ${fmt(ms1)} ms, 5 years of daily runs ${fmt(ms5y)} ms (median of ${iterations}); ratio ${fmt(ratio)} (target ≤ 1.5) ${ratio <= 1.5 ? 'OK' : 'MISSED'}`,
    );
    return { oneWeekMs: ms1, fiveYearsMs: ms5y, ratio, target: 1.5, ok: ratio <= 1.5 };
  } finally {
    await scratch.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchWeekIngest();
}
