import { describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readStravaJson } from '../../../test/fixtures.js';
import { deriveRunMetrics } from '../../domain/metrics.js';
import { toRun, utcOffsetOf } from './to-run.js';
import { StravaActivity, StravaStreams } from './types.js';

const MARATHON = 'activity_run_detailed_nyc_marathon_2018.json';
const ALL_STREAMS = 'streams_ride_array_all_types_medium.json';

/** Independent reference: plain 5 m hysteresis over the raw moving altitude samples (no smoothing). */
function rawHysteresisLoss(altitude: number[], moving: boolean[], thresholdM: number): number {
  const xs = altitude.filter((_a, i) => i === 0 || moving[i]);
  let ref = xs[0]!;
  let loss = 0;
  for (const a of xs.slice(1)) {
    if (a - ref <= -thresholdM) {
      loss += ref - a;
      ref = a;
    } else if (a - ref >= thresholdM) ref = a;
  }
  return loss;
}

describe('utcOffsetOf', () => {
  it('takes the offset from start_date_local − start_date, not the DST-blind utc_offset field', () => {
    // Oslo in summer: utc_offset says 3600 (the zone label), the real offset is +2 h.
    expect(utcOffsetOf({ start_date: '2026-06-01T05:00:00Z', start_date_local: '2026-06-01T07:00:00Z' })).toBe(7200);
  });

  it('gives null for a missing or absurd local time', () => {
    expect(utcOffsetOf({ start_date: '2026-06-01T05:00:00Z', start_date_local: null })).toBeNull();
    expect(utcOffsetOf({ start_date: '2026-06-01T05:00:00Z', start_date_local: '2026-06-03T05:00:00Z' })).toBeNull();
  });
});

describe('toRun (synthetic)', () => {
  const base = StravaActivity.parse({
    id: 1,
    start_date: '2026-05-01T05:59:41Z',
    start_date_local: '2026-05-01T07:59:41Z',
    sport_type: 'Run',
    distance: 8012.4,
    moving_time: 2710,
    elapsed_time: 2802,
    average_cadence: 84.6,
  });

  it('doubles the per-leg summary cadence of a run and marks it strava-summary', () => {
    const run = toRun(base, null);
    expect(run.summary.avgCadenceSpm).toBeCloseTo(169.2, 6);
    expect(run.summary.avgCadenceSource).toBe('strava-summary');
    expect(run.samples).toBeNull();
    expect(run.summary.totalDescentM).toBeNull();
    expect(run.summary.elevationFromDevice).toBe(false);
  });

  it('treats VirtualRun and trainer runs as indoor runs, and walks as non-runs', () => {
    expect(toRun({ ...base, sport_type: 'VirtualRun' }, null)).toMatchObject({ isRun: true, isIndoor: true, sport: 'running' });
    expect(toRun({ ...base, trainer: true }, null)).toMatchObject({ isRun: true, isIndoor: true, subSport: 'treadmill' });
    expect(toRun({ ...base, sport_type: 'TrailRun' }, null)).toMatchObject({ isRun: true, isIndoor: false, subSport: 'trail' });
    const walk = toRun({ ...base, sport_type: 'Walk' }, null);
    expect(walk).toMatchObject({ isRun: false, sport: 'walking' });
    expect(walk.summary.avgCadenceSpm).toBeNull();
  });

  it('falls back to the deprecated type when sport_type is absent', () => {
    expect(toRun({ ...base, sport_type: null, type: 'Run' }, null).isRun).toBe(true);
  });

  it('keeps missing stream values as NaN and ride cadence out of spm', () => {
    const streams = StravaStreams.parse({ time: { data: [0, 1, 2] }, cadence: { data: [80, null, 90] }, moving: { data: [true, false, true] } });
    const run = toRun(base, streams);
    expect(Array.from(run.samples!.cadenceSpm!)).toEqual([160, Number.NaN, 180]);
    expect(Array.from(run.samples!.moving!)).toEqual([1, 0, 1]);
    expect(toRun({ ...base, sport_type: 'Ride' }, streams).samples!.cadenceSpm).toBeNull();
  });
});

describe.skipIf(!HAS_FIXTURES)('toRun (shared Strava fixtures)', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('maps the NYC marathon: start, local offset, summary; a distance-only stream set gives no samples', () => {
    const activity = StravaActivity.parse(readStravaJson(MARATHON));
    const streams = StravaStreams.parse(readStravaJson('streams_run_nyc_marathon_key_by_type_distance_only.json'));
    const run = toRun(activity, streams);
    expect(run.startTime.toISOString()).toBe('2018-11-04T14:53:46.000Z');
    expect(run.utcOffsetS).toBe(-5 * 3600);
    expect(run).toMatchObject({ sport: 'running', isRun: true, isIndoor: false });
    expect(run.summary).toMatchObject({
      distanceM: 42268.1,
      movingTimeS: 13085,
      elapsedTimeS: 13333,
      totalAscentM: 270.9,
      avgCadenceSpm: null,
      avgCadenceSource: 'none',
    });
    // Without a time stream there is no time axis to hang samples on.
    expect(run.samples).toBeNull();
    const m = deriveRunMetrics(run);
    expect(m.elevationSource).toBe('none');
    expect(m.elevationLossM).toBeNull();
  });

  // Suites are collected even when skipped, so fixture reads stay behind the guard.
  describe.skipIf(!HAS_FIXTURES)('a run with the full stream set (the all-types stream fixture under a run activity)', () => {
    if (!HAS_FIXTURES) return;
    const raw = readStravaJson<Array<{ type: string; data: unknown[] }>>(ALL_STREAMS);
    const stream = (t: string) => raw.find((s) => s.type === t)!.data;
    const distance = stream('distance') as number[];
    // total_elevation_gain left out: without Strava's gain the loss comes from the stream alone
    const activity = StravaActivity.parse({
      ...readStravaJson<object>(MARATHON),
      distance: distance[distance.length - 1],
      moving_time: 3935,
      elapsed_time: 3935,
      total_elevation_gain: null,
    });
    const run = toRun(activity, StravaStreams.parse(raw));

    it('doubles every cadence sample (strides → steps per minute)', () => {
      const cadence = stream('cadence') as number[];
      expect(run.samples!.cadenceSpm!.length).toBe(cadence.length);
      cadence.forEach((c, i) => expect(run.samples!.cadenceSpm![i]).toBe(2 * c));
      expect(run.samples!.cadenceSource).toBe('strava-stream');
    });

    it('derives running cadence from the doubled stream, matching an independent time-weighted mean', () => {
      const time = stream('time') as number[];
      const cadence = stream('cadence') as number[];
      const moving = stream('moving') as boolean[];
      let sum = 0;
      let weight = 0;
      for (let i = 1; i < time.length; i++) {
        const spm = 2 * cadence[i]!;
        if (!moving[i] || spm < 140) continue;
        const dt = time[i]! - time[i - 1]!;
        sum += spm * dt;
        weight += dt;
      }
      const m = deriveRunMetrics(run);
      expect(m.cadenceSource).toBe('strava-stream');
      expect(m.runCadenceSpm!).toBeGreaterThan(140);
      expect(Math.abs(m.runCadenceSpm! - sum / weight)).toBeLessThan(2);
    });

    it('derives elevation loss from the altitude stream (smoothed, 5 m hysteresis) close to an independent count', () => {
      const reference = rawHysteresisLoss(stream('altitude') as number[], stream('moving') as boolean[], 5);
      const m = deriveRunMetrics(run);
      expect(m.elevationSource).toBe('stream-smoothed');
      expect(m.elevationMethod).toBe('hysteresis-5m');
      expect(m.elevationLossM!).toBeGreaterThan(0);
      expect(Math.abs(m.elevationLossM! - reference)).toBeLessThan(2);
      // and far below the raw sum of every negative step (manifest: 21.0 m), which noise inflates
      expect(m.elevationLossM!).toBeLessThan(21);
    });

    it('maps time, distance, altitude, speed, heart rate, position and moving column-wise', () => {
      const s = run.samples!;
      const n = (stream('time') as number[]).length;
      for (const channel of [s.timeS, s.distanceM, s.altitudeM, s.speedMps, s.heartRateBpm, s.latDeg, s.lngDeg, s.moving]) expect(channel!.length).toBe(n);
      expect(s.latDeg![0]).toBeCloseTo(38.546883, 6);
      expect(s.lngDeg![0]).toBeCloseTo(-121.816726, 6);
      expect(s.altitudeKind).toBe('database');
    });
  });
});
