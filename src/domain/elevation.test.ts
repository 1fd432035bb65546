import { describe, expect, it } from 'vitest';
import type { Samples } from './run.js';
import {
  DEVICE_RECORDS_ABS_TOLERANCE_M,
  ELEVATION_RESAMPLE_STEP_M,
  MAX_RESAMPLED_POINTS,
  ONE_SIDED_TOTAL_M,
  HYSTERESIS_BAROMETRIC_M,
  assessDeviceElevation,
  hysteresisGainLoss,
  rollingMean,
  rollingMedian,
  smoothAltitude,
  type GainLoss,
} from './elevation.js';

function samples(altitudeM: number[], distanceM: number[] | null, moving?: number[]): Samples {
  return {
    timeS: Float64Array.from(altitudeM, (_, i) => i),
    distanceM: distanceM ? Float64Array.from(distanceM) : null,
    altitudeM: Float64Array.from(altitudeM),
    speedMps: null,
    cadenceSpm: null,
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: moving ? Uint8Array.from(moving) : null,
  };
}

/** deterministic pseudo-noise in [-a, a] */
const noise = (i: number, a: number) => a * Math.sin(i * 12.9898) * Math.cos(i * 78.233);

describe('hysteresisGainLoss (docs/metrics.md "Elevation gain and loss", step 4)', () => {
  it('counts a change once it reaches the threshold and moves the reference', () => {
    expect(hysteresisGainLoss([0, 0.5, 1.0, 0.2, -1, 2], 1)).toEqual({ gainM: 4, lossM: 2 });
  });

  it('ignores wobbles smaller than the threshold', () => {
    expect(hysteresisGainLoss([10, 10.9, 10.1, 10.8, 10], 1)).toEqual({ gainM: 0, lossM: 0 });
  });

  it('attributes each counted change to its bucket', () => {
    const per: GainLoss[] = [
      { gainM: 0, lossM: 0 },
      { gainM: 0, lossM: 0 },
    ];
    const total = hysteresisGainLoss([0, 5, 5, 2], 1, [0, 0, 1, 1], per);
    expect(total).toEqual({ gainM: 5, lossM: 3 });
    expect(per).toEqual([
      { gainM: 5, lossM: 0 },
      { gainM: 0, lossM: 3 },
    ]);
  });

  it('is zero for an empty series', () => {
    expect(hysteresisGainLoss([], 1)).toEqual({ gainM: 0, lossM: 0 });
  });
});

describe('rolling filters', () => {
  it('the median removes a one-sample spike', () => {
    expect(Array.from(rollingMedian(Float64Array.from([1, 1, 90, 1, 1]), 5))).toEqual([1, 1, 1, 1, 1]);
  });

  it('the mean averages a centred window, shrinking at the ends', () => {
    expect(Array.from(rollingMean(Float64Array.from([0, 3, 6]), 3))).toEqual([1.5, 3, 4.5]);
  });
});

describe('smoothAltitude', () => {
  it('resamples along distance in 10-m steps', () => {
    const s = smoothAltitude(samples([0, 0, 0], [0, 50, 100]))!;
    expect(s.basis).toBe('distance');
    expect(s.position[1]! - s.position[0]!).toBe(ELEVATION_RESAMPLE_STEP_M);
    expect(s.position.length).toBe(11);
  });

  it('falls back to time when there is no distance', () => {
    expect(smoothAltitude(samples([1, 2, 3], null))!.basis).toBe('time');
  });

  it('drops stopped samples (the barometer drifts while the runner stands)', () => {
    const s = smoothAltitude(samples([0, 0, 30, 0], null, [1, 1, 0, 1]))!;
    expect(Math.max(...s.altitudeM)).toBe(0);
  });

  it('is null with fewer than two usable samples', () => {
    expect(smoothAltitude(samples([NaN, 5], [0, 10]))).toBeNull();
  });

  it('bounds the work when a corrupt distance spikes to thousands of km', () => {
    const s = smoothAltitude(samples([0, 0, 0], [0, 10, 1e10]))!;
    expect(s.position.length).toBeLessThanOrEqual(MAX_RESAMPLED_POINTS + 1);
  });

  it('turns ±0.5 m barometric noise on a 60 m climb and descent into about 60 m each way', () => {
    const n = 3000; // 3 km at 1 m per sample
    const alt = Array.from({ length: n }, (_, i) => 100 + 60 * Math.sin((Math.PI * i) / n) + noise(i, 0.5));
    const s = samples(
      alt,
      alt.map((_, i) => i),
    );
    const raw = hysteresisGainLoss(s.altitudeM!, 0);
    const smooth = hysteresisGainLoss(smoothAltitude(s)!.altitudeM, HYSTERESIS_BAROMETRIC_M);
    expect(raw.lossM).toBeGreaterThan(2 * 60);
    expect(smooth.gainM).toBeGreaterThan(54);
    expect(smooth.gainM).toBeLessThan(66);
    expect(smooth.lossM).toBeGreaterThan(54);
    expect(smooth.lossM).toBeLessThan(66);
  });
});

describe('assessDeviceElevation', () => {
  const records = (gainM: number, lossM: number) => ({ gainM, lossM });

  it('trusts totals that agree with the records', () => {
    expect(assessDeviceElevation({ totalAscentM: 64, totalDescentM: 61, records: records(57, 53) })).toEqual({ trustworthy: true, reason: 'ok' });
  });

  it('does not trust a missing descent', () => {
    expect(assessDeviceElevation({ totalAscentM: 10, totalDescentM: null, records: null }).reason).toBe('missing');
  });

  it(`does not trust 0 m one way with ≥ ${ONE_SIDED_TOTAL_M} m the other`, () => {
    expect(assessDeviceElevation({ totalAscentM: ONE_SIDED_TOTAL_M, totalDescentM: 0, records: null }).reason).toBe('one-sided');
    expect(assessDeviceElevation({ totalAscentM: 0, totalDescentM: 732, records: records(0, 727) }).reason).toBe('one-sided');
    expect(assessDeviceElevation({ totalAscentM: ONE_SIDED_TOTAL_M - 1, totalDescentM: 0, records: null }).trustworthy).toBe(true);
  });

  it('does not trust 0/0 when the records climb 300 m', () => {
    expect(assessDeviceElevation({ totalAscentM: 0, totalDescentM: 0, records: records(317, 0) }).reason).toBe('contradicted-by-records');
  });

  it(`tolerates a disagreement up to max(${DEVICE_RECORDS_ABS_TOLERANCE_M} m, 50 %)`, () => {
    expect(assessDeviceElevation({ totalAscentM: 10, totalDescentM: 10, records: records(10 + DEVICE_RECORDS_ABS_TOLERANCE_M, 10) }).trustworthy).toBe(true);
    expect(assessDeviceElevation({ totalAscentM: 10, totalDescentM: 10, records: records(10.1 + DEVICE_RECORDS_ABS_TOLERANCE_M, 10) }).trustworthy).toBe(false);
    expect(assessDeviceElevation({ totalAscentM: 800, totalDescentM: 800, records: records(500, 800) }).trustworthy).toBe(true);
    expect(assessDeviceElevation({ totalAscentM: 800, totalDescentM: 800, records: records(390, 800) }).trustworthy).toBe(false);
  });
});
