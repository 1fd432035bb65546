import { describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit, readStravaJson } from '../../test/fixtures.js';
import { decodeFit } from '../fit/decode.js';
import { toRun } from '../integrations/strava/to-run.js';
import { StravaActivity, StravaStreams } from '../integrations/strava/types.js';
import { buildCadenceHistogram, histogramSecondsAtOrAbove, histogramShareAtOrAbove, histogramTotalS, runCadence, MIN_RUNNING_SPM } from './cadence.js';
import { deriveRunMetrics } from './metrics.js';
import { sampleTiming } from './moving.js';
import type { Samples } from './run.js';

function samples(spm: number[], dt = 1): Samples {
  const n = spm.length;
  return {
    timeS: Float64Array.from({ length: n }, (_, i) => i * dt),
    distanceM: Float64Array.from({ length: n }, (_, i) => i * dt * 3),
    altitudeM: null,
    speedMps: Float64Array.from({ length: n }, () => 3),
    cadenceSpm: Float64Array.from(spm),
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: Uint8Array.from({ length: n }, () => 1),
  };
}

describe('buildCadenceHistogram', () => {
  it('puts each running second into its 1-spm bin from the lowest bin up', () => {
    const h = buildCadenceHistogram([160.2, 160.9, 162, 170.5], [1, 2, 3, 0.25])!;
    expect(h.min).toBe(160);
    expect(h.counts).toHaveLength(11);
    expect(h.counts[0]).toBe(3);
    expect(h.counts[2]).toBe(3);
    expect(h.counts[10]).toBeCloseTo(0.3, 10); // rounded to 0.1 s
    expect(histogramTotalS(h)).toBeCloseTo(6.3, 10);
  });

  it('is null without running time', () => {
    expect(buildCadenceHistogram([160, 170], [0, 0])).toBeNull();
    expect(buildCadenceHistogram([NaN], [5])).toBeNull();
  });
});

describe('band share from the histogram', () => {
  const h = { min: 170, counts: [10, 20, 30, 40] }; // 170–173 spm, 100 s in all

  it('counts whole bins at or above the threshold', () => {
    expect(histogramSecondsAtOrAbove(h, 172)).toBe(70);
    expect(histogramShareAtOrAbove(h, 170)).toBe(1);
    expect(histogramShareAtOrAbove(h, 174)).toBe(0);
  });

  it('counts the bin holding a fractional threshold in proportion', () => {
    // 171.5: half of bin 171 (10 s) + bins 172 and 173 (70 s)
    expect(histogramSecondsAtOrAbove(h, 171.5)).toBeCloseTo(80, 10);
    expect(histogramShareAtOrAbove(h, 171.5)).toBeCloseTo(0.8, 10);
  });

  it('is null for a missing histogram', () => {
    expect(histogramShareAtOrAbove(null, 170)).toBeNull();
  });
});

describe('runCadence keeps the histogram of the running samples only', () => {
  it('leaves walking samples (< 140 spm) and stopped samples out', () => {
    const s = samples([0, 120, 120, 165, 165, 165, 178, 178]);
    s.moving![5] = 0;
    const c = runCadence(s, sampleTiming(s));
    expect(c.histogram!.min).toBe(165);
    expect(histogramTotalS(c.histogram!)).toBeCloseTo(c.runningTimeS, 6);
    expect(c.histogram!.counts[0]).toBe(2);
    expect(c.histogram!.counts[13]).toBe(2);
    expect(histogramShareAtOrAbove(c.histogram, MIN_RUNNING_SPM)).toBe(1);
  });
});

if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

describe.skipIf(!HAS_FIXTURES)('the histogram is stored for FIT records and Strava streams alike', () => {
  it('a FIT run: histogram time equals the running-sample time and its weighted mean matches runCadenceSpm', () => {
    const decoded = decodeFit(readFit('fr965-run-stamina.fit'));
    if (!decoded.ok) throw new Error(decoded.message);
    const m = deriveRunMetrics(decoded.runs[0]!);
    const h = m.cadenceHistogram!;
    expect(h).not.toBeNull();
    expect(Math.abs(histogramTotalS(h) - m.runningSampleTimeS)).toBeLessThan(1);
    const mean = h.counts.reduce((a, c, k) => a + c * (h.min + k + 0.5), 0) / histogramTotalS(h);
    expect(Math.abs(mean - m.runCadenceSpm!)).toBeLessThan(1);
    expect(m.runSpeedMps).toBeGreaterThan(1.5);
    // compact enough to store with every run
    expect(JSON.stringify(h).length).toBeLessThan(2000);
  });

  it('a Strava cadence stream (doubled to spm) gives a histogram from 140 spm up', () => {
    const raw = readStravaJson<Array<{ type: string; data: unknown[] }>>('streams_ride_array_all_types_medium.json');
    const distance = raw.find((s) => s.type === 'distance')!.data as number[];
    const activity = StravaActivity.parse({
      ...readStravaJson<object>('activity_run_detailed_nyc_marathon_2018.json'),
      distance: distance[distance.length - 1],
      moving_time: 3935,
      elapsed_time: 3935,
    });
    const m = deriveRunMetrics(toRun(activity, StravaStreams.parse(raw)));
    expect(m.cadenceSource).toBe('strava-stream');
    const h = m.cadenceHistogram!;
    expect(h.min).toBeGreaterThanOrEqual(MIN_RUNNING_SPM);
    expect(Math.abs(histogramTotalS(h) - m.runningSampleTimeS)).toBeLessThan(1);
  });

  it('a summary-only run has no histogram', () => {
    const activity = StravaActivity.parse({
      id: 1,
      start_date: '2026-05-01T05:59:41Z',
      start_date_local: '2026-05-01T07:59:41Z',
      sport_type: 'Run',
      distance: 8012.4,
      moving_time: 2710,
      elapsed_time: 2802,
      average_cadence: 84.6,
    });
    expect(deriveRunMetrics(toRun(activity, null)).cadenceHistogram).toBeNull();
  });
});
