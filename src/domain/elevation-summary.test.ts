import { describe, expect, it } from 'vitest';
import { netRiseM, spreadOver, summaryGainElevation } from './elevation.js';
import { deriveRunMetrics } from './metrics.js';
import type { Run } from './run.js';

const series = (xs: number[]) => ({ altitudeM: Float64Array.from(xs) });

describe('summaryGainElevation (loss = gain − net rise)', () => {
  it('a loop loses what it gains; a point-to-point run that ends 20 m higher loses 20 m less', () => {
    expect(summaryGainElevation(60, series([100, 130, 100]), null).total).toEqual({ gainM: 60, lossM: 60 });
    expect(summaryGainElevation(60, series([100, 140, 120]), null).total).toEqual({ gainM: 60, lossM: 40 });
    expect(summaryGainElevation(10, series([100, 80]), null).total.lossM).toBe(30);
  });

  it('never reports a negative loss (a gain below the net rise is clamped at 0)', () => {
    expect(summaryGainElevation(5, series([100, 150]), null).total.lossM).toBe(0);
    expect(summaryGainElevation(-3, series([100, 100]), null).total).toEqual({ gainM: 0, lossM: 0 });
  });

  it("spreads the totals over splits in proportion to the stream's own per-split counts, adding up exactly", () => {
    const r = summaryGainElevation(90, series([100, 100]), [
      { gainM: 10, lossM: 5 },
      { gainM: 0, lossM: 15 },
      { gainM: 20, lossM: 0 },
    ]);
    expect(r.perSplit!.map((s) => s.lossM)).toEqual([22.5, 67.5, 0]);
    expect(r.perSplit!.map((s) => s.gainM)).toEqual([30, 0, 60]);
    expect(r.perSplit!.reduce((a, s) => a + s.lossM, 0)).toBeCloseTo(90, 9);
  });

  it('spreads evenly when the stream saw nothing at its threshold', () => {
    expect(spreadOver(9, [0, 0, 0])).toEqual([3, 3, 3]);
    expect(netRiseM(series([5]))).toBe(0);
  });
});

describe('deriveRunMetrics with a summary gain and an altitude stream', () => {
  const n = 1200;
  const timeS = Float64Array.from({ length: n }, (_, i) => i);
  const distanceM = Float64Array.from(timeS, (t) => t * 3);
  // rolling 4 m bumps (below the 5 m database threshold) on a 30 m descent overall
  const altitudeM = Float64Array.from(timeS, (t) => 130 - (30 * t) / (n - 1) + 4 * Math.sin(t / 20));
  const run = (gain: number | null, fromSummary: boolean): Run => ({
    sport: 'running',
    subSport: null,
    isRun: true,
    isIndoor: false,
    startTime: new Date('2026-05-01T05:00:00Z'),
    utcOffsetS: 7200,
    summary: {
      distanceM: 3597,
      elapsedTimeS: n,
      movingTimeS: n,
      avgCadenceSpm: null,
      avgCadenceSource: 'none',
      totalAscentM: gain,
      totalDescentM: null,
      elevationFromDevice: false,
      elevationGainFromSummary: fromSummary,
      avgSpeedMps: 3,
    },
    samples: {
      timeS,
      distanceM,
      altitudeM,
      speedMps: null,
      cadenceSpm: null,
      heartRateBpm: null,
      latDeg: null,
      lngDeg: null,
      moving: null,
      altitudeKind: 'database',
    },
    notes: [],
    partial: false,
  });

  it('uses gain − net rise, records the method, and makes the splits add up to the total', () => {
    const m = deriveRunMetrics(run(40, true));
    expect(m.elevationMethod).toBe('summary-gain-minus-net-rise');
    expect(m.elevationSource).toBe('summary');
    expect(m.elevationGainM).toBe(40);
    // net rise ≈ −30 m (smoothed ends) → loss ≈ 70 m
    expect(m.elevationLossM!).toBeGreaterThan(66);
    expect(m.elevationLossM!).toBeLessThan(74);
    const sum = m.splits.reduce((a, s) => a + (s.elevationLossM ?? 0), 0);
    expect(sum).toBeCloseTo(m.elevationLossM!, 6);
  });

  it('falls back to the stream (hysteresis) when the summary has no gain', () => {
    const m = deriveRunMetrics(run(null, false));
    expect(m.elevationMethod).toBe('hysteresis-5m');
    expect(m.elevationSource).toBe('stream-smoothed');
  });
});
