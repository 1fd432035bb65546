import { describe, expect, it } from 'vitest';
import { parseIsoWeek } from './iso-week.js';
import { averageWeekVariables, changePct, isCountedRun, median, weekVariables } from './week.js';
import { buildWeekRun } from '../../test/factories/week-runs.js';

const run = buildWeekRun;
/** Runs given as [local date, km, moving seconds]. */
const timedRuns = (rows: ReadonlyArray<readonly [string, number, number]>) => rows.map(([date, km, movingTimeS]) => run(date, km, { movingTimeS }));

const W47 = parseIsoWeek('2026-W47'); // Mon 16 – Sun 22 Nov 2026

describe('weekVariables', () => {
  it('sums distance and time, counts runs and finds the longest and mean run', () => {
    const v = weekVariables([run('2026-11-16', 5), run('2026-11-18', 8), run('2026-11-22', 12)], W47);
    expect(v.distanceM).toBe(25_000);
    expect(v.movingTimeS).toBe(9000);
    expect(v.runs).toBe(3);
    expect(v.longestRunM).toBe(12_000);
    expect(v.meanRunM).toBeCloseTo(25_000 / 3, 6);
  });

  it('ignores runs dated outside the week (Sunday before, Monday after)', () => {
    const v = weekVariables([run('2026-11-15', 10), run('2026-11-16', 5), run('2026-11-23', 10)], W47);
    expect(v.distanceM).toBe(5000);
    expect(v.runs).toBe(1);
  });

  it('does not count runs under 1 km or under 5 minutes (docs/metrics.md "Which activities count"), but counts exactly 1 km and 5 min', () => {
    const runs = timedRuns([
      ['2026-11-16', 0.99, 600],
      ['2026-11-17', 1.5, 299],
      ['2026-11-18', 1.0, 300],
    ]);
    const v = weekVariables(runs, W47);
    expect(v.runs).toBe(1);
    expect(v.distanceM).toBe(1000);
    expect(runs.map((r) => isCountedRun(r))).toEqual([false, false, true]);
  });

  it('weights pace by distance: Σ time / Σ distance, not the mean of run paces', () => {
    // 10 km at 5:00 /km (3000 s) + 2 km at 7:00 /km (840 s) → 3840 s / 12 km = 320 s/km (mean of paces: 360).
    const v = weekVariables(
      timedRuns([
        ['2026-11-16', 10, 3000],
        ['2026-11-17', 2, 840],
      ]),
      W47,
    );
    expect(v.avgPaceSPerKm).toBeCloseTo(320, 9);
  });

  it('takes the median cadence of qualifying runs only', () => {
    const v = weekVariables(
      [
        run('2026-11-16', 5, { runCadenceSpm: 170, cadenceQualifies: true }),
        run('2026-11-17', 5, { runCadenceSpm: 160, cadenceQualifies: true }),
        run('2026-11-18', 5, { runCadenceSpm: 120, cadenceQualifies: false }),
        run('2026-11-19', 5, { runCadenceSpm: 180, cadenceQualifies: true }),
      ],
      W47,
    );
    expect(v.avgCadenceSpm).toBe(170);
  });

  it('computes descent density over the runs whose elevation loss is known', () => {
    const v = weekVariables([run('2026-11-16', 10, { elevationLossM: 100 }), run('2026-11-17', 10, { elevationLossM: null })], W47);
    expect(v.elevationLossM).toBe(100);
    expect(v.descentPerKmM).toBe(10);
  });

  it('reports trail share of distance, summed surges, and steps only when some run has them', () => {
    const v = weekVariables([run('2026-11-16', 5, { isTrail: true, surges: 3, steps: 5000 }), run('2026-11-17', 15, { surges: 2 })], W47);
    expect(v.trailShare).toBe(0.25);
    expect(v.surges).toBe(5);
    expect(v.steps).toBe(5000);
    expect(weekVariables([run('2026-11-16', 5)], W47).steps).toBeNull();
  });

  it('gives zeros and null ratios for an empty week', () => {
    const v = weekVariables([], W47);
    expect(v).toMatchObject({ distanceM: 0, runs: 0, longestRunM: 0, avgPaceSPerKm: null, avgCadenceSpm: null });
    expect(v.meanRunM).toBeNull();
    expect(v.trailShare).toBeNull();
  });
});

describe('median', () => {
  it('averages the middle two of an even list and is null for none', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('changePct', () => {
  it('reports +10.0 % for 20 → 22 km and null where the previous value is 0', () => {
    const prev = weekVariables([run('2026-11-09', 20)], parseIsoWeek('2026-W46'));
    const cur = weekVariables([run('2026-11-16', 22)], W47);
    const pct = changePct(prev, cur);
    expect(pct.distanceM).toBe(10);
    expect(pct.runs).toBe(0);
    expect(pct.elevationLossM).toBeNull();
  });

  it('reports a decrease as a negative percent', () => {
    const prev = weekVariables([run('2026-11-09', 20)], parseIsoWeek('2026-W46'));
    const cur = weekVariables([run('2026-11-16', 15)], W47);
    expect(changePct(prev, cur).distanceM).toBe(-25);
  });
});

describe('averageWeekVariables', () => {
  it('divides totals by the number of weeks and pools pace over all runs', () => {
    const weeks = ['2026-W46', '2026-W45', '2026-W44', '2026-W43'].map(parseIsoWeek);
    // W43 (19–25 Oct) has no runs: a real zero week.
    const runs = timedRuns([
      ['2026-11-09', 10, 3000],
      ['2026-11-11', 10, 3000],
      ['2026-11-02', 20, 7200],
      ['2026-10-26', 20, 7200],
    ]);
    const mean = averageWeekVariables(runs, weeks);
    expect(mean.distanceM).toBe(15_000);
    expect(mean.runs).toBe(1);
    expect(mean.avgPaceSPerKm).toBeCloseTo(20_400 / 60, 9);
    expect(mean.longestRunM).toBe(20_000);
  });
});
