import type { RecordMesg } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { DEGREES_PER_SEMICIRCLE, createRecordCollector } from './records.js';

const rec = (r: Partial<RecordMesg>) => r as RecordMesg;

describe('createRecordCollector', () => {
  it('grows past its presized capacity without losing values', () => {
    const c = createRecordCollector(1);
    for (let i = 0; i < 100; i++) c.add(rec({ timestamp: 1000 + i, distance: i }));
    const t = c.finish();
    expect(t.count).toBe(100);
    expect(t.distanceM[99]).toBe(99);
    expect(t.timeFit[99]).toBe(1099);
  });

  it('prefers enhanced altitude and speed, and reads a −500 m altitude as missing', () => {
    const c = createRecordCollector(2);
    c.add(rec({ timestamp: 1, altitude: 10, enhancedAltitude: 12.5, speed: 3, enhancedSpeed: 3.25 }));
    c.add(rec({ timestamp: 2, enhancedAltitude: -500 }));
    const t = c.finish();
    expect([t.altitudeM[0], t.speedMps[0]]).toEqual([12.5, 3.25]);
    expect(t.altitudeM[1]).toBeNaN();
    expect(t.has.altitude).toBe(true);
  });

  it('adds the fractional part to the stride cadence and converts semicircles to degrees', () => {
    const c = createRecordCollector(1);
    c.add(rec({ timestamp: 1, cadence: 85, fractionalCadence: 0.5, positionLat: 2 ** 30, positionLong: 1 }));
    const t = c.finish();
    expect(t.cadenceStrides[0]).toBe(85.5);
    expect(t.latDeg[0]).toBe(90);
    expect(t.lngDeg[0]).toBe(DEGREES_PER_SEMICIRCLE);
  });

  it('clamps a timestamp that goes backwards and skips records without one', () => {
    const c = createRecordCollector(4);
    for (const ts of [10, 12, 11, undefined, 13]) c.add(rec(ts === undefined ? {} : { timestamp: ts }));
    const t = c.finish();
    expect(Array.from(t.timeFit.subarray(0, t.count))).toEqual([10, 12, 12, 13]);
    expect(t.clampedTimestamps).toBe(1);
    expect(t.skippedRecords).toBe(1);
  });

  it('marks channels that never had a value as absent', () => {
    const c = createRecordCollector(1);
    c.add(rec({ timestamp: 1, heartRate: 120 }));
    expect(c.finish().has).toEqual({ distance: false, altitude: false, speed: false, cadence: false, heartRate: true, position: false });
  });
});
