import { describe, expect, it } from 'vitest';
import type { Samples } from './run.js';
import {
  CADENCE_SANITY_MAX_SPM,
  CADENCE_SANITY_MIN_SPM,
  MIN_CADENCE_TRACKING_S,
  MIN_RUNNING_SPM,
  cadenceFactorFor,
  cadenceQuality,
  normaliseCadence,
  runCadence,
  weightedMedian,
} from './cadence.js';

describe('normaliseCadence (docs/metrics.md "Cadence normalisation")', () => {
  it('doubles FIT strides and adds the fractional part in 1/128', () => {
    expect(normaliseCadence({ raw: 83, frac: 86, channel: 'fit', isRun: true })).toEqual({ spm: 2 * (83 + 86 / 128), factor: 2 });
    expect(normaliseCadence({ raw: 81, channel: 'fit', isRun: true }).spm).toBe(162);
  });

  it('doubles Strava cadence for runs only', () => {
    expect(normaliseCadence({ raw: 91.2, channel: 'strava', isRun: true })).toEqual({ spm: 182.4, factor: 2 });
    expect(normaliseCadence({ raw: 85, channel: 'strava', isRun: false })).toEqual({ spm: 85, factor: 1 });
  });

  it('keeps the Garmin summary value, already in steps per minute', () => {
    expect(normaliseCadence({ raw: 172, channel: 'garmin-summary', isRun: true })).toEqual({ spm: 172, factor: 1 });
  });

  it('doubles an unknown channel only when its median is below 115', () => {
    expect(normaliseCadence({ raw: 114.9, channel: 'unknown', isRun: true }).factor).toBe(2);
    expect(normaliseCadence({ raw: 115, channel: 'unknown', isRun: true }).factor).toBe(1);
    expect(normaliseCadence({ raw: 120, medianRaw: 88, channel: 'unknown', isRun: true })).toEqual({ spm: 240, factor: 2 });
  });

  it('gives the factor implied by a stored cadence source', () => {
    expect(cadenceFactorFor('fit-record', true)).toBe(2);
    expect(cadenceFactorFor('strava-stream', true)).toBe(2);
    expect(cadenceFactorFor('strava-summary', false)).toBe(1);
    expect(cadenceFactorFor('garmin-summary', true)).toBe(1);
  });
});

describe('cadenceQuality', () => {
  it.each([
    [CADENCE_SANITY_MIN_SPM - 0.1, 'suspect'],
    [CADENCE_SANITY_MIN_SPM, 'ok'],
    [CADENCE_SANITY_MAX_SPM, 'ok'],
    [CADENCE_SANITY_MAX_SPM + 0.1, 'suspect'],
    [null, 'none'],
  ] as const)('%s spm is %s', (spm, quality) => {
    expect(cadenceQuality(spm)).toBe(quality);
  });
});

describe('weightedMedian', () => {
  it('weights values by their duration', () => {
    expect(weightedMedian([150, 170, 180], [1, 1, 5], () => true)).toBe(180);
    expect(weightedMedian([150, 170, 180], [5, 1, 1], () => true)).toBe(150);
  });

  it('is null when nothing is included', () => {
    expect(weightedMedian([150], [1], () => false)).toBeNull();
  });
});

/** 1-Hz samples from segments of [seconds, spm, speed m/s]. */
function samples(segments: [number, number, number][]): Samples {
  const spm: number[] = [NaN];
  const speed: number[] = [0];
  for (const [n, c, v] of segments) for (let i = 0; i < n; i++) (spm.push(c), speed.push(v));
  const timeS = Float64Array.from(spm, (_, i) => i);
  const distanceM = new Float64Array(timeS.length);
  for (let i = 1; i < timeS.length; i++) distanceM[i] = distanceM[i - 1]! + speed[i]!;
  return {
    timeS,
    distanceM,
    altitudeM: null,
    speedMps: Float64Array.from(speed),
    cadenceSpm: Float64Array.from(spm),
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: null,
  };
}

describe('runCadence (docs/metrics.md "Cadence per run")', () => {
  const runWalkStop = samples([
    [100, 170, 3],
    [50, 120, 1.4],
    [10, 0, 0],
  ]);

  it('averages running samples only, weighted by time', () => {
    const c = runCadence(runWalkStop);
    expect(c.runCadenceSpm).toBe(170);
    expect(c.cadenceP50Spm).toBe(170);
    expect(c.runningTimeS).toBe(100);
    expect(c.runSpeedMps).toBe(3);
  });

  it('reports the walking share of moving time and ignores stopped time', () => {
    expect(runCadence(runWalkStop).walkShare).toBeCloseTo(50 / 150, 12);
  });

  it('counts steps over moving samples: Σ spm·Δt/60', () => {
    expect(runCadence(runWalkStop).steps).toBeCloseTo((170 * 100 + 120 * 50) / 60, 9);
  });

  it('averages the whole recorded time, zeros included, like a watch', () => {
    expect(runCadence(runWalkStop).avgCadenceSpm).toBeCloseTo((170 * 100 + 120 * 50) / 160, 9);
  });

  it(`counts a sample at exactly ${MIN_RUNNING_SPM} spm as running and just below as walking`, () => {
    const c = runCadence(
      samples([
        [10, MIN_RUNNING_SPM, 3],
        [10, MIN_RUNNING_SPM - 0.1, 3],
      ]),
    );
    expect(c.runningTimeS).toBe(10);
    expect(c.walkShare).toBe(0.5);
  });

  it('marks a halved (per-foot) channel suspect even though no sample reaches 140 spm', () => {
    const c = runCadence(samples([[700, 85, 3]]));
    expect(c).toMatchObject({ runCadenceSpm: null, quality: 'suspect', qualifies: false, walkShare: 1 });
  });

  it(`qualifies for cadence tracking from ${MIN_CADENCE_TRACKING_S} s of running samples`, () => {
    expect(runCadence(samples([[MIN_CADENCE_TRACKING_S - 1, 170, 3]])).qualifies).toBe(false);
    expect(runCadence(samples([[MIN_CADENCE_TRACKING_S, 170, 3]])).qualifies).toBe(true);
  });

  it('has quality none without a cadence channel', () => {
    expect(runCadence({ ...runWalkStop, cadenceSpm: null })).toMatchObject({ quality: 'none', avgCadenceSpm: null, steps: null });
  });
});
