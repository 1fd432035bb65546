import { describe, expect, it } from 'vitest';
import type { Samples } from './run.js';
import { cumulativeDistance, sampleTiming } from './moving.js';
import { MAX_SPLITS, MIN_PARTIAL_SPLIT_M, countSurges, kmSplits, paceChanges, paceSPerKm } from './pace.js';

/** Samples every `step` s with speed(t) m/s and cadence(t) spm. */
function run(seconds: number, speed: (t: number) => number, cadence: (t: number) => number = () => 170, step = 1): Samples {
  const t: number[] = [];
  const d: number[] = [];
  let dist = 0;
  for (let s = 0; s <= seconds; s += step) {
    if (s > 0) for (let k = s - step + 1; k <= s; k++) dist += speed(k);
    t.push(s);
    d.push(dist);
  }
  return {
    timeS: Float64Array.from(t),
    distanceM: Float64Array.from(d),
    altitudeM: null,
    speedMps: null,
    cadenceSpm: Float64Array.from(t, cadence),
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: null,
  };
}

function splitsOf(s: Samples) {
  const timing = sampleTiming(s);
  const distanceM = cumulativeDistance(s, timing)!;
  return { timing, distanceM, splits: kmSplits({ distanceM, cadenceSpm: s.cadenceSpm, timing }) };
}

describe('paceSPerKm', () => {
  it('is seconds per km, null without distance or time', () => {
    expect(paceSPerKm(5000, 1500)).toBe(300);
    expect(paceSPerKm(0, 1500)).toBeNull();
    expect(paceSPerKm(5000, 0)).toBeNull();
  });
});

describe('kmSplits', () => {
  it('cuts full kilometres and keeps a final partial ≥ 100 m', () => {
    const { splits } = splitsOf(run(1250, () => 2.8)); // 3500 m at 2.8 m/s
    expect(splits).toHaveLength(4);
    splits.forEach((s, i) => expect(s.distanceM).toBeCloseTo(i < 3 ? 1000 : 500, 6));
    for (const s of splits) expect(s.paceSPerKm).toBeCloseTo(1000 / 2.8, 6);
    expect(splits[3]!.timeS).toBeCloseTo(500 / 2.8, 6);
  });

  it(`drops a final partial shorter than ${MIN_PARTIAL_SPLIT_M} m`, () => {
    expect(splitsOf(run(340, () => 3)).splits.map((s) => s.distanceM)).toEqual([1000]); // 1020 m
  });

  it('shares an interval that crosses a km boundary in proportion to distance (7-s recording)', () => {
    const { splits } = splitsOf(
      run(
        700,
        () => 3,
        () => 170,
        7,
      ),
    ); // 2100 m
    expect(splits[0]!.timeS).toBeCloseTo(1000 / 3, 6);
    expect(splits[1]!.timeS).toBeCloseTo(1000 / 3, 6);
  });

  it('excludes standing time from split time and gives each split its own cadence', () => {
    // 2100 m with a 100-s stop at 900 m; km 1 ends at t = 433.3 s, where the cadence changes
    const { splits } = splitsOf(
      run(
        800,
        (t) => (t > 300 && t <= 400 ? 0 : 3),
        (t) => (t <= 433 ? 160 : 180),
      ),
    );
    expect(splits[0]!.timeS).toBeCloseTo(1000 / 3, 6);
    expect(splits[0]!.avgCadenceSpm).toBeCloseTo(160, 0);
    expect(splits[1]!.avgCadenceSpm).toBeCloseTo(180, 0);
  });

  it(`returns no splits beyond ${MAX_SPLITS} km (corrupt distance)`, () => {
    const s = run(2, () => 3);
    s.distanceM![2] = (MAX_SPLITS + 1) * 1000;
    expect(splitsOf(s).splits).toEqual([]);
  });
});

describe('paceChanges', () => {
  it('reports a slower second half as positive drift', () => {
    const s = run(2000, (t) => (t <= 750 ? 4 : 3)); // 3000 m then 3750 m
    const { timing, distanceM, splits } = splitsOf(s);
    const p = paceChanges(s.timeS, distanceM, timing, splits);
    const half = distanceM[distanceM.length - 1]! / 2;
    const t1 = 750 + (half - 3000) / 3;
    expect(p.firstHalfSPerKm).toBeCloseTo(t1 / (half / 1000), 6);
    expect(p.secondHalfSPerKm).toBeCloseTo((2000 - t1) / (half / 1000), 6);
    expect(p.driftPct).toBeCloseTo(((p.secondHalfSPerKm! - p.firstHalfSPerKm!) / p.firstHalfSPerKm!) * 100, 9);
    expect(p.driftPct!).toBeGreaterThan(0);
  });

  it('computes the CV of full-km split paces (population SD / mean)', () => {
    const s = run(1000, (t) => (t <= 250 ? 4 : 2)); // km 1 at 250 s, km 2 at 500 s
    const { timing, distanceM, splits } = splitsOf(s);
    const paces = splits.filter((x) => x.distanceM === 1000).map((x) => x.paceSPerKm);
    const mean = paces.reduce((a, b) => a + b) / paces.length;
    const sd = Math.sqrt(paces.reduce((a, b) => a + (b - mean) ** 2, 0) / paces.length);
    expect(paceChanges(s.timeS, distanceM, timing, splits).cvPct).toBeCloseTo((sd / mean) * 100, 9);
  });

  it('has no CV with fewer than two full kilometres', () => {
    const s = run(400, () => 3);
    const { timing, distanceM, splits } = splitsOf(s);
    expect(paceChanges(s.timeS, distanceM, timing, splits).cvPct).toBeNull();
  });
});

describe('countSurges', () => {
  const surges = (speed: (t: number) => number) => {
    const s = run(1800, speed);
    return countSurges(s.timeS, s.distanceM!);
  };

  it('counts each sustained burst ≥ 1.2 × the median speed', () => {
    expect(surges((t) => ((t > 300 && t <= 360) || (t > 900 && t <= 960) ? 4 : 3))).toBe(2);
  });

  it('ignores a 15-s burst: the 30-s rolling speed never reaches 1.2 ×', () => {
    expect(surges((t) => (t > 300 && t <= 315 ? 4 : 3))).toBe(0);
  });

  it('ignores a long effort just under 1.2 × the median', () => {
    expect(surges((t) => (t > 300 && t <= 400 ? 3.55 : 3))).toBe(0);
  });

  it('finds none in an even run', () => {
    expect(surges(() => 3)).toBe(0);
  });
});
