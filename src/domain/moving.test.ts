import { describe, expect, it } from 'vitest';
import type { Samples } from './run.js';
import { PAUSE_GAP_S, STOPPED_SPEED_MPS, cumulativeDistance, sampleTiming } from './moving.js';

function samples(timeS: number[], over: Partial<Record<'distanceM' | 'speedMps', number[]>> & { moving?: number[] } = {}): Samples {
  const col = (v?: number[]) => (v ? Float64Array.from(v) : null);
  return {
    timeS: Float64Array.from(timeS),
    distanceM: col(over.distanceM),
    altitudeM: null,
    speedMps: col(over.speedMps),
    cadenceSpm: null,
    heartRateBpm: null,
    latDeg: null,
    lngDeg: null,
    moving: over.moving ? Uint8Array.from(over.moving) : null,
  };
}

describe('sampleTiming', () => {
  it('attributes each interval to the sample that ends it', () => {
    const t = sampleTiming(samples([0, 1, 3, 4], { distanceM: [0, 3, 9, 12] }));
    expect(Array.from(t.dtS)).toEqual([0, 1, 2, 1]);
    expect(Array.from(t.moving)).toEqual([0, 1, 1, 1]);
    expect(t.movingTimeS).toBe(4);
  });

  it(`counts an interval as moving at exactly ${STOPPED_SPEED_MPS} m/s and stopped just below`, () => {
    const t = sampleTiming(samples([0, 10, 20], { distanceM: [0, 5, 9.99] }));
    expect(Array.from(t.moving)).toEqual([0, 1, 0]);
    expect(t.movingTimeS).toBe(10);
    expect(t.timerTimeS).toBe(20); // the short stop is still recorded (timer) time
  });

  it(`treats a gap over ${PAUSE_GAP_S} s without movement as a pause, not timer time`, () => {
    const t = sampleTiming(samples([0, 1, 1 + PAUSE_GAP_S, 2 + 2 * PAUSE_GAP_S], { distanceM: [0, 3, 3, 3] }));
    expect(Array.from(t.timer)).toEqual([0, 1, 1, 0]);
    expect(t.timerTimeS).toBe(1 + PAUSE_GAP_S);
  });

  it('counts a long gap in which distance advanced as moving (a data drop-out, not a pause)', () => {
    const t = sampleTiming(samples([0, 60], { distanceM: [0, 180] }));
    expect(t.movingTimeS).toBe(60);
  });

  it('uses the sample speed when there is no distance, and the source flag when there is one', () => {
    expect(sampleTiming(samples([0, 1, 2], { speedMps: [3, 0.2, 3] })).movingTimeS).toBe(1);
    expect(sampleTiming(samples([0, 1, 2], { speedMps: [3, 3, 3], moving: [1, 0, 1] })).movingTimeS).toBe(1);
  });

  it('assumes moving while recording when there is neither speed nor distance', () => {
    const t = sampleTiming(samples([0, 5, 100]));
    expect(Array.from(t.moving)).toEqual([0, 1, 0]);
  });

  it('ignores repeated timestamps', () => {
    const t = sampleTiming(samples([0, 1, 1, 2], { distanceM: [0, 3, 3, 6] }));
    expect(t.movingTimeS).toBe(2);
  });
});

describe('cumulativeDistance', () => {
  it('fills missing source distances forward and never decreases', () => {
    const s = samples([0, 1, 2, 3], { distanceM: [NaN, 3, NaN, 2] });
    expect(Array.from(cumulativeDistance(s, sampleTiming(s))!)).toEqual([0, 3, 3, 3]);
  });

  it('integrates speed over moving intervals when there is no distance channel', () => {
    const s = samples([0, 1, 2, 4], { speedMps: [3, 3, 0, 2] });
    expect(Array.from(cumulativeDistance(s, sampleTiming(s))!)).toEqual([0, 3, 3, 7]);
  });

  it('is null without distance or speed', () => {
    const s = samples([0, 1]);
    expect(cumulativeDistance(s, sampleTiming(s))).toBeNull();
  });
});
