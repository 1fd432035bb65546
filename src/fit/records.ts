/**
 * Collects FIT record messages into typed columns while the SDK decodes (via its mesgListener), so the
 * Run never holds an array of record objects of its own. Values are kept in file units except where
 * noted; the session mapping (session-run.ts) slices and converts them per session.
 */
import type { RecordMesg } from '@garmin/fitsdk';

/** Degrees per FIT semicircle (180 / 2^31). */
export const DEGREES_PER_SEMICIRCLE = 180 / 2 ** 31;
/**
 * FIT altitude is stored as (m + 500) × 5, so a raw 0 decodes to exactly −500 m: devices write it before
 * the altimeter has a value (TomTom fixture). Anything at or below this is treated as missing.
 */
export const MISSING_ALTITUDE_M = -499.9;

export interface RecordTable {
  count: number;
  /** FIT timestamp, s since the FIT epoch (or device-relative when < 0x10000000); made non-decreasing */
  timeFit: Float64Array;
  distanceM: Float64Array;
  altitudeM: Float64Array;
  speedMps: Float64Array;
  /** strides per minute incl. the fractional part (×2 later for foot sports) */
  cadenceStrides: Float64Array;
  heartRateBpm: Float64Array;
  latDeg: Float64Array;
  lngDeg: Float64Array;
  /** which channels had at least one value */
  has: Record<'distance' | 'altitude' | 'speed' | 'cadence' | 'heartRate' | 'position', boolean>;
  /** records whose timestamp went backwards and were clamped to the previous one */
  clampedTimestamps: number;
  /** records without a timestamp, skipped */
  skippedRecords: number;
}

const COLUMNS = ['timeFit', 'distanceM', 'altitudeM', 'speedMps', 'cadenceStrides', 'heartRateBpm', 'latDeg', 'lngDeg'] as const;

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

export interface RecordCollector {
  add(mesg: RecordMesg): void;
  finish(): RecordTable;
}

/** A growable column store, presized to `capacity` records (the container walk counts them). */
export function createRecordCollector(capacity: number): RecordCollector {
  let cap = Math.max(16, capacity);
  const t: RecordTable = {
    count: 0,
    timeFit: new Float64Array(cap),
    distanceM: new Float64Array(cap),
    altitudeM: new Float64Array(cap),
    speedMps: new Float64Array(cap),
    cadenceStrides: new Float64Array(cap),
    heartRateBpm: new Float64Array(cap),
    latDeg: new Float64Array(cap),
    lngDeg: new Float64Array(cap),
    has: { distance: false, altitude: false, speed: false, cadence: false, heartRate: false, position: false },
    clampedTimestamps: 0,
    skippedRecords: 0,
  };
  let lastTime = -Infinity;

  function grow(): void {
    cap *= 2;
    for (const key of COLUMNS) {
      const next = new Float64Array(cap);
      next.set(t[key]);
      t[key] = next;
    }
  }

  return {
    add(m: RecordMesg): void {
      let time = num(m.timestamp);
      if (Number.isNaN(time)) {
        t.skippedRecords++;
        return;
      }
      if (time < lastTime) {
        time = lastTime;
        t.clampedTimestamps++;
      }
      lastTime = time;
      if (t.count === cap) grow();
      const i = t.count++;
      t.timeFit[i] = time;
      const d = num(m.distance);
      const a = num(m.enhancedAltitude ?? m.altitude);
      const v = num(m.enhancedSpeed ?? m.speed);
      const c = num(m.cadence);
      const hr = num(m.heartRate);
      const lat = num(m.positionLat);
      const lng = num(m.positionLong);
      t.distanceM[i] = d;
      t.altitudeM[i] = a > MISSING_ALTITUDE_M ? a : NaN;
      t.speedMps[i] = v;
      t.cadenceStrides[i] = c + (num(m.fractionalCadence) || 0);
      t.heartRateBpm[i] = hr;
      t.latDeg[i] = lat * DEGREES_PER_SEMICIRCLE;
      t.lngDeg[i] = lng * DEGREES_PER_SEMICIRCLE;
      if (d === d) t.has.distance = true;
      if (a > MISSING_ALTITUDE_M) t.has.altitude = true;
      if (v === v) t.has.speed = true;
      if (c === c) t.has.cadence = true;
      if (hr === hr) t.has.heartRate = true;
      if (lat === lat && lng === lng) t.has.position = true;
    },
    finish(): RecordTable {
      return t;
    },
  };
}
