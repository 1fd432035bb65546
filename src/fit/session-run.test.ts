import type { RecordMesg, SessionMesg } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { createRecordCollector } from './records.js';
import { FIT_EPOCH_MS, mapFitSport, sessionToRun, sessionWindows } from './session-run.js';

describe('mapFitSport', () => {
  it.each([
    ['running', undefined, { sport: 'running', isRun: true, isIndoor: false }],
    ['running', 'trail', { subSport: 'trail', isRun: true, isIndoor: false }],
    ['running', 'track', { isRun: true, isIndoor: false }],
    ['running', 'street', { isRun: true, isIndoor: false }],
    ['running', 'treadmill', { isRun: true, isIndoor: true }],
    ['running', 'indoorRunning', { subSport: 'indoor_running', isRun: true, isIndoor: true }],
    ['running', 'virtualActivity', { subSport: 'virtual_activity', isRun: true, isIndoor: true }],
    ['walking', 'generic', { isRun: false, isFootSport: true }],
    ['hiking', undefined, { isRun: false, isFootSport: true }],
    ['cycling', 'virtualActivity', { isRun: false, isIndoor: true, isFootSport: false }],
    ['swimming', 'openWater', { sport: 'swimming', subSport: 'open_water', isRun: false }],
    ['transition', undefined, { isRun: false }],
    [undefined, undefined, { sport: 'generic', subSport: null, isRun: false }],
  ])('maps sport %s / sub-sport %s', (sport, subSport, expected) => {
    expect(mapFitSport(sport, subSport)).toMatchObject(expected);
  });
});

const session = (s: Partial<SessionMesg>): SessionMesg => s as SessionMesg;

describe('sessionWindows', () => {
  it('orders sessions by start and bounds each window by the next start', () => {
    const w = sessionWindows(
      [session({ startTime: 200, totalElapsedTime: 100, timestamp: 301 }), session({ startTime: 100, totalElapsedTime: 150, timestamp: 250 })],
      null,
    );
    expect(w.map((x) => [x.start, x.end, x.nextStart])).toEqual([
      [100, 250, 200],
      [200, 301, Infinity],
    ]);
  });

  it('falls back to timestamp − elapsed, then to the first record, for a missing start time', () => {
    expect(sessionWindows([session({ timestamp: 500, totalElapsedTime: 100 })], 7)[0]!.start).toBe(400);
    expect(sessionWindows([session({})], 7)[0]!.start).toBe(7);
  });
});

function table(records: Partial<RecordMesg>[]) {
  const c = createRecordCollector(records.length);
  for (const r of records) c.add(r as RecordMesg);
  return c.finish();
}

const T = 1_100_000_000;

describe('sessionToRun', () => {
  const records = [0, 1, 2, 3].map((i) => ({
    timestamp: T + i,
    distance: i * 3,
    enhancedAltitude: i === 0 ? -500 : 100,
    cadence: 85,
    fractionalCadence: 0.5,
    positionLat: 2 ** 30,
    positionLong: -(2 ** 29),
  }));

  it('builds summary, samples and offset from a running session', () => {
    const s = session({
      startTime: T,
      totalElapsedTime: 3,
      totalTimerTime: 3,
      totalDistance: 9,
      sport: 'running',
      subSport: 'trail',
      avgCadence: 85,
      avgFractionalCadence: 0.5,
      totalAscent: 0,
      totalDescent: 0,
    });
    const w = sessionWindows([s], T)[0]!;
    const run = sessionToRun(w, { table: table(records), activity: { timestamp: T + 3, localTimestamp: T + 3 + 7200 }, notes: [], partial: false });
    expect(run).toMatchObject({ sport: 'running', subSport: 'trail', isRun: true, isIndoor: false, utcOffsetS: 7200, partial: false });
    expect(run.startTime.getTime()).toBe(FIT_EPOCH_MS + T * 1000);
    expect(run.summary).toMatchObject({ distanceM: 9, movingTimeS: 3, avgCadenceSpm: 171, avgCadenceSource: 'fit-session', elevationFromDevice: true });
    const samples = run.samples!;
    expect(Array.from(samples.timeS)).toEqual([0, 1, 2, 3]);
    expect(Array.from(samples.cadenceSpm!)).toEqual([171, 171, 171, 171]);
    expect(samples.altitudeM![0]).toBeNaN(); // the FIT "raw 0" altitude is −500 m: no reading yet
    expect(samples.latDeg![0]).toBeCloseTo(90, 9);
    expect(samples.lngDeg![0]).toBeCloseTo(-45, 9);
    expect(samples.cadenceSource).toBe('fit-record');
  });

  it('gives a record at the boundary to the later session only', () => {
    const ws = sessionWindows(
      [session({ startTime: T, totalElapsedTime: 2, sport: 'running' }), session({ startTime: T + 2, totalElapsedTime: 1, sport: 'running' })],
      T,
    );
    const t = table(records);
    const ctx = { table: t, activity: undefined, notes: [], partial: false };
    expect(Array.from(sessionToRun(ws[0]!, ctx).samples!.timeS)).toEqual([0, 1]);
    expect(Array.from(sessionToRun(ws[1]!, ctx).samples!.timeS)).toEqual([0, 1]);
  });

  it('keeps cycling cadence out of the steps-per-minute channel', () => {
    const w = sessionWindows([session({ startTime: T, totalElapsedTime: 3, sport: 'cycling', avgCadence: 85 })], T)[0]!;
    const run = sessionToRun(w, { table: table(records), activity: undefined, notes: [], partial: false });
    expect(run.samples!.cadenceSpm).toBeNull();
    expect(run.summary.avgCadenceSpm).toBeNull();
    expect(run.utcOffsetS).toBeNull();
  });

  it('rebuilds the start from the local clock when the device only had relative time', () => {
    const rel = 17_000_000; // < 0x10000000: seconds since power-on
    const w = sessionWindows([session({ startTime: rel, totalElapsedTime: 100, sport: 'running' })], null)[0]!;
    const local = 700_000_000;
    const run = sessionToRun(w, { table: table([]), activity: { timestamp: rel + 110, localTimestamp: local }, notes: [], partial: false });
    expect(run.startTime.getTime()).toBe(FIT_EPOCH_MS + (local - 110) * 1000);
    expect(run.utcOffsetS).toBeNull();
    expect(run.notes.join()).toMatch(/relative time/);
    expect(run.samples).toBeNull();
  });

  it('does not trust a one-sided device total', () => {
    const w = sessionWindows([session({ startTime: T, totalElapsedTime: 3, sport: 'running', totalAscent: 400, totalDescent: 0 })], T)[0]!;
    const run = sessionToRun(w, { table: table(records), activity: undefined, notes: [], partial: true });
    expect(run.summary.elevationFromDevice).toBe(false);
    expect(run.partial).toBe(true);
    expect(run.notes.join()).toMatch(/one-sided/);
  });
});
