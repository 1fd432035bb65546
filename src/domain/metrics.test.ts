import { describe, expect, it } from 'vitest';
import { HYSTERESIS_BAROMETRIC_M, HYSTERESIS_GPS_M } from './elevation.js';
import { deriveRunMetrics, paceClock } from './metrics.js';
import type { Run, RunSummary, Samples } from './run.js';

/** 1-Hz samples: `seconds` at `speed` m/s and `spm`, altitude a 20-m hill when `hill`. */
function samples(seconds: number, speed = 3, spm = 170, hill = false): Samples {
  const n = seconds + 1;
  const timeS = Float64Array.from({ length: n }, (_, i) => i);
  return {
    timeS,
    distanceM: timeS.map((t) => t * speed),
    altitudeM: hill ? timeS.map((t) => 100 + 20 * Math.sin((Math.PI * t) / seconds)) : null,
    speedMps: timeS.map(() => speed),
    cadenceSpm: timeS.map(() => spm),
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: null,
  };
}

const emptySummary: RunSummary = {
  distanceM: null,
  elapsedTimeS: null,
  movingTimeS: null,
  avgCadenceSpm: null,
  avgCadenceSource: 'none',
  totalAscentM: null,
  totalDescentM: null,
  elevationFromDevice: false,
  avgSpeedMps: null,
};

function run(over: Partial<Run> = {}, summary: Partial<RunSummary> = {}): Run {
  return {
    sport: 'running',
    subSport: null,
    isRun: true,
    isIndoor: false,
    startTime: new Date('2026-03-02T07:00:00Z'),
    utcOffsetS: 3600,
    summary: { ...emptySummary, ...summary },
    samples: samples(1200),
    notes: [],
    partial: false,
    ...over,
  };
}

describe('deriveRunMetrics: volume and pace', () => {
  it('prefers the summary distance and timer time', () => {
    const m = deriveRunMetrics(run({}, { distanceM: 3650, elapsedTimeS: 1300, movingTimeS: 1210 }));
    expect(m).toMatchObject({ distanceM: 3650, elapsedTimeS: 1300, movingTimeS: 1210 });
    expect(m.avgSpeedMps).toBeCloseTo(3650 / 1210, 12);
    expect(m.avgPaceSPerKm).toBeCloseTo(1210 / 3.65, 12);
  });

  it('falls back to the samples: last distance, span, detected moving time', () => {
    const m = deriveRunMetrics(run());
    expect(m).toMatchObject({ distanceM: 3600, elapsedTimeS: 1200, movingTimeS: 1200 });
    expect(m.splits.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(m.pace.driftPct).toBeCloseTo(0, 9);
  });

  it('handles a summary-only run (no samples)', () => {
    const m = deriveRunMetrics(run({ samples: null }, { distanceM: 5000, movingTimeS: 1500, avgCadenceSpm: 172, avgCadenceSource: 'garmin-summary' }));
    expect(m).toMatchObject({
      distanceM: 5000,
      movingTimeS: 1500,
      avgCadenceSpm: 172,
      cadenceSource: 'garmin-summary',
      cadenceFactor: 1,
      cadenceQuality: 'ok',
      runCadenceSpm: null,
      splits: [],
    });
    expect(m.steps).toBeCloseTo((172 * 1500) / 60, 9); // docs/metrics.md "Volume", steps fallback
    expect(m.stepsPerKm).toBeCloseTo(m.steps! / 5, 9);
  });

  it('passes the partial flag through', () => {
    expect(deriveRunMetrics(run({ partial: true })).partial).toBe(true);
  });
});

describe('deriveRunMetrics: cadence', () => {
  it('uses the FIT session average when there is one, with running cadence and steps from the records', () => {
    const m = deriveRunMetrics(run({}, { avgCadenceSpm: 168, avgCadenceSource: 'fit-session' }));
    expect(m).toMatchObject({ avgCadenceSpm: 168, cadenceSource: 'fit-session', cadenceFactor: 2, runCadenceSpm: 170, runningSampleTimeS: 1200, walkShare: 0 });
    expect(m.steps).toBeCloseTo((170 * 1200) / 60, 9);
  });

  it('uses the record average, labelled by the samples’ channel, when the summary has none', () => {
    const s = { ...samples(1200), cadenceSource: 'strava-stream' as const };
    const m = deriveRunMetrics(run({ samples: s }));
    expect(m).toMatchObject({ avgCadenceSpm: 170, cadenceSource: 'strava-stream', cadenceFactor: 2, cadenceQuality: 'ok' });
  });

  it('infers the record channel from the summary source when the samples do not say', () => {
    expect(deriveRunMetrics(run({}, { avgCadenceSource: 'strava-summary' })).cadenceSource).toBe('strava-stream');
    expect(deriveRunMetrics(run()).cadenceSource).toBe('fit-record');
  });

  it('flags a per-foot (halved) stream as suspect', () => {
    expect(deriveRunMetrics(run({ samples: samples(1200, 3, 85) })).cadenceQuality).toBe('suspect');
  });

  it('reports no cadence when neither samples nor summary have one', () => {
    const s = { ...samples(1200), cadenceSpm: null };
    expect(deriveRunMetrics(run({ samples: s }))).toMatchObject({ avgCadenceSpm: null, cadenceSource: 'none', cadenceQuality: 'none', steps: null });
  });
});

describe('deriveRunMetrics: elevation', () => {
  const hill = samples(1200, 3, 170, true);

  it('sets indoor runs to 0 with source none', () => {
    const m = deriveRunMetrics(run({ isIndoor: true, samples: hill }, { totalAscentM: 30, totalDescentM: 30, elevationFromDevice: true }));
    expect(m).toMatchObject({ elevationGainM: 0, elevationLossM: 0, elevationSource: 'none', elevationMethod: 'indoor', descentPerKm: 0 });
    expect(m.splits.every((s) => s.elevationLossM === 0)).toBe(true);
  });

  it('uses trusted device totals and still splits the records per km', () => {
    const m = deriveRunMetrics(
      run({ samples: { ...hill, altitudeKind: 'barometric' } }, { distanceM: 3600, totalAscentM: 21, totalDescentM: 19, elevationFromDevice: true }),
    );
    expect(m).toMatchObject({ elevationGainM: 21, elevationLossM: 19, elevationSource: 'device', elevationMethod: 'device-total' });
    expect(m.descentPerKm).toBeCloseTo(19 / 3.6, 12);
    const splitLoss = m.splits.reduce((a, s) => a + s.elevationLossM!, 0);
    expect(splitLoss).toBeGreaterThan(15);
    expect(splitLoss).toBeLessThan(21);
  });

  it('smooths the records when the device totals are not trusted, with the threshold for the altitude kind', () => {
    const baro = deriveRunMetrics(run({ samples: { ...hill, altitudeKind: 'barometric' } }, { totalAscentM: 400, totalDescentM: 0 }));
    expect(baro).toMatchObject({ elevationSource: 'stream-smoothed', elevationMethod: `hysteresis-${HYSTERESIS_BAROMETRIC_M}m` });
    expect(baro.elevationGainM!).toBeGreaterThan(18);
    expect(baro.elevationLossM!).toBeGreaterThan(18);
    expect(baro.elevationLossM!).toBeLessThanOrEqual(20);
    expect(deriveRunMetrics(run({ samples: { ...hill, altitudeKind: 'database' } })).elevationMethod).toBe(`hysteresis-${HYSTERESIS_GPS_M}m`);
  });

  it('has no elevation without altitude or device totals', () => {
    expect(deriveRunMetrics(run())).toMatchObject({
      elevationGainM: null,
      elevationLossM: null,
      elevationSource: 'none',
      elevationMethod: null,
      descentPerKm: null,
    });
  });
});

describe('paceClock', () => {
  const timing = { dtS: new Float64Array(3), moving: new Uint8Array([0, 1, 0]), timer: new Uint8Array([0, 1, 1]), movingTimeS: 900, timerTimeS: 1000 };

  it('uses the device timer when the source time is a timer time (FIT total_timer_time)', () => {
    expect(paceClock(timing, 998).moving).toBe(timing.timer);
    expect(paceClock(timing, 998).movingTimeS).toBe(1000);
  });

  it('uses detected movement when the source time excludes stops (Strava moving_time) or is unknown', () => {
    expect(paceClock(timing, 905)).toBe(timing);
    expect(paceClock(timing, null)).toBe(timing);
  });
});
