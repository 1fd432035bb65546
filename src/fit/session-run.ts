/**
 * FIT session (+ the records inside its time window) → canonical Run. Pure mapping; the decode step
 * (decode.ts) supplies the decoded session/activity messages and the record columns.
 */
import type { ActivityMesg, SessionMesg } from '@garmin/fitsdk';
import type { AltitudeKind, Run, RunSummary, Samples } from '../domain/run.js';
import { FIT_CADENCE_FACTOR, FIT_FRACTIONAL_CADENCE_SCALE, normaliseCadence } from '../domain/cadence.js';
import { assessDeviceElevation, hysteresisGainLoss, HYSTERESIS_BAROMETRIC_M, HYSTERESIS_GPS_M, smoothAltitude } from '../domain/elevation.js';
import { sampleTiming } from '../domain/moving.js';
import type { RecordTable } from './records.js';

/** FIT epoch (1989-12-31T00:00:00Z) in Unix ms. */
export const FIT_EPOCH_MS = 631065600000;
/** FIT date_time values below this are seconds since device power-on, not since the FIT epoch. */
export const FIT_MIN_ABSOLUTE_TIME = 0x10000000;
const MAX_UTC_OFFSET_S = 14 * 3600;

/** Sub-sports without real terrain (docs/metrics.md "Which activities count": treadmill and virtual runs have no elevation). */
const INDOOR_SUB_SPORTS = new Set([
  'treadmill',
  'indoorRunning',
  'virtualActivity',
  'indoorCycling',
  'spin',
  'indoorWalking',
  'indoorRowing',
  'elliptical',
  'stairClimbing',
  'indoorWheelchairRun',
  'indoorWheelchairWalk',
  'indoorHandCycling',
]);
/** Sports whose FIT cadence is strides (one foot) per minute, so spm = 2 × cadence. Cycling cadence is rpm. */
const FOOT_SPORTS = new Set(['running', 'walking', 'hiking', 'mountaineering', 'snowshoeing']);

export interface FitSport {
  /** lower snake_case, e.g. "running", "cycling", "open_water" */
  sport: string;
  subSport: string | null;
  isRun: boolean;
  isIndoor: boolean;
  isFootSport: boolean;
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Sport mapping (docs/metrics.md "Which activities count"): sport "running" with any sub-sport (generic, trail, track, street,
 * treadmill, indoor, virtual) is a run; walking, hiking, cycling, swimming … are not. Treadmill, indoor
 * and virtual sub-sports are indoor.
 */
export function mapFitSport(sport: unknown, subSport: unknown): FitSport {
  const sportName = sport === undefined || sport === null ? 'generic' : String(sport);
  const subName = subSport === undefined || subSport === null ? null : String(subSport);
  return {
    sport: snake(sportName),
    subSport: subName === null ? null : snake(subName),
    isRun: sportName === 'running',
    isIndoor: subName !== null && INDOOR_SUB_SPORTS.has(subName),
    isFootSport: FOOT_SPORTS.has(sportName),
  };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface SessionWindow {
  session: SessionMesg;
  /** FIT seconds, inclusive */
  start: number;
  /** FIT seconds, inclusive */
  end: number;
  /** start of the next session (exclusive bound), Infinity for the last */
  nextStart: number;
}

/**
 * Time windows of the sessions: [start_time, max(start_time + total_elapsed_time, session timestamp)],
 * cut before the next session's start so a record belongs to one session only. A session without
 * start_time falls back to timestamp − elapsed, then to the first record.
 */
export function sessionWindows(sessions: SessionMesg[], firstRecordTime: number | null): SessionWindow[] {
  const windows = sessions.map((session) => {
    const elapsed = num(session.totalElapsedTime) ?? 0;
    const ts = num(session.timestamp);
    const start = num(session.startTime) ?? (ts !== null ? ts - elapsed : (firstRecordTime ?? 0));
    return { session, start, end: Math.max(start + elapsed, ts ?? -Infinity), nextStart: Infinity };
  });
  windows.sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < windows.length; i++) windows[i]!.nextStart = windows[i + 1]!.start;
  return windows;
}

/** First index with time ≥ t (or > t when `strict`) in a non-decreasing column. */
function bound(times: Float64Array, count: number, t: number, strict = false): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t || (strict && times[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function startOf(start: number, activity: ActivityMesg | undefined, notes: string[]): { startTime: Date; utcOffsetS: number | null; localClock?: boolean } {
  const actTs = num(activity?.timestamp);
  const actLocal = num(activity?.localTimestamp);
  if (start >= FIT_MIN_ABSOLUTE_TIME) {
    let utcOffsetS: number | null = null;
    if (actTs !== null && actLocal !== null && actTs >= FIT_MIN_ABSOLUTE_TIME) {
      // Real offsets are whole quarter hours; rounding absorbs a second of skew between the two fields.
      const offset = Math.round((actLocal - actTs) / 900) * 900;
      utcOffsetS = Math.abs(offset) <= MAX_UTC_OFFSET_S ? offset : null;
    }
    return { startTime: new Date(FIT_EPOCH_MS + start * 1000), utcOffsetS };
  }
  if (actTs !== null && actLocal !== null) {
    notes.push('fit: device recorded relative time only; start time is the device local clock (UTC offset unknown)');
    return { startTime: new Date(FIT_EPOCH_MS + (actLocal - (actTs - start)) * 1000), utcOffsetS: null, localClock: true };
  }
  notes.push('fit: device clock was not set; start time is unknown');
  return { startTime: new Date(FIT_EPOCH_MS + start * 1000), utcOffsetS: null };
}

function windowSamples(table: RecordTable, from: number, to: number, start: number, foot: boolean, kind: AltitudeKind): Samples | null {
  if (to <= from) return null;
  const whole = from === 0 && to === table.count;
  const pick = (col: Float64Array, present: boolean): Float64Array | null => (present ? (whole ? col.subarray(from, to) : col.slice(from, to)) : null);
  const timeS = new Float64Array(to - from);
  for (let i = from; i < to; i++) timeS[i - from] = table.timeFit[i]! - start;
  let cadenceSpm: Float64Array | null = null;
  if (foot && table.has.cadence) {
    cadenceSpm = new Float64Array(to - from);
    for (let i = from; i < to; i++) cadenceSpm[i - from] = FIT_CADENCE_FACTOR * table.cadenceStrides[i]!;
  }
  return {
    timeS,
    distanceM: pick(table.distanceM, table.has.distance),
    altitudeM: pick(table.altitudeM, table.has.altitude),
    speedMps: pick(table.speedMps, table.has.speed),
    cadenceSpm,
    heartRateBpm: pick(table.heartRateBpm, table.has.heartRate),
    latDeg: pick(table.latDeg, table.has.position),
    lngDeg: pick(table.lngDeg, table.has.position),
    moving: null,
    ...(cadenceSpm ? { cadenceSource: 'fit-record' as const } : {}),
    ...(table.has.altitude ? { altitudeKind: kind } : {}),
  };
}

export interface SessionRunContext {
  table: RecordTable;
  activity: ActivityMesg | undefined;
  notes: string[];
  partial: boolean;
}

/** Builds the Run for one session window (docs/metrics.md "What each source delivers", FIT column). */
export function sessionToRun(w: SessionWindow, ctx: SessionRunContext): Run {
  const s = w.session;
  const sport = mapFitSport(s.sport, s.subSport);
  const notes = [...ctx.notes];
  const { startTime, utcOffsetS, localClock } = startOf(w.start, ctx.activity, notes);
  const totalAscentM = num(s.totalAscent);
  const totalDescentM = num(s.totalDescent);
  // A device that computes ascent/descent totals has an altimeter (or corrects GPS with one) [heuristic].
  const kind: AltitudeKind = totalAscentM !== null || totalDescentM !== null ? 'barometric' : 'gps';
  const from = bound(ctx.table.timeFit, ctx.table.count, w.start);
  const to = Math.min(bound(ctx.table.timeFit, ctx.table.count, w.end, true), bound(ctx.table.timeFit, ctx.table.count, w.nextStart));
  const samples = windowSamples(ctx.table, from, to, w.start, sport.isFootSport, kind);

  const rawCadence = num(s.avgCadence) ?? num(s.avgRunningCadence);
  const avgCadenceSpm =
    sport.isFootSport && rawCadence !== null && rawCadence > 0
      ? normaliseCadence({ raw: rawCadence, frac: (num(s.avgFractionalCadence) ?? 0) * FIT_FRACTIONAL_CADENCE_SCALE, channel: 'fit', isRun: sport.isRun }).spm
      : null;

  let recordsGainLoss = null;
  if (samples?.altitudeM) {
    const smoothed = smoothAltitude(samples, sampleTiming(samples).moving);
    if (smoothed) recordsGainLoss = hysteresisGainLoss(smoothed.altitudeM, kind === 'barometric' ? HYSTERESIS_BAROMETRIC_M : HYSTERESIS_GPS_M);
  }
  const verdict = assessDeviceElevation({ totalAscentM, totalDescentM, records: recordsGainLoss });
  if (!verdict.trustworthy && totalDescentM !== null) notes.push(`fit: device ascent/descent totals not used (${verdict.reason})`);

  const summary: RunSummary = {
    distanceM: num(s.totalDistance),
    elapsedTimeS: num(s.totalElapsedTime),
    movingTimeS: num(s.totalTimerTime),
    avgCadenceSpm,
    avgCadenceSource: avgCadenceSpm !== null ? 'fit-session' : 'none',
    totalAscentM,
    totalDescentM,
    elevationFromDevice: verdict.trustworthy,
    avgSpeedMps: num(s.enhancedAvgSpeed) ?? num(s.avgSpeed),
  };
  return {
    sport: sport.sport,
    subSport: sport.subSport,
    isRun: sport.isRun,
    isIndoor: sport.isIndoor,
    startTime,
    ...(localClock ? { startTimeIsLocalClock: true } : {}),
    utcOffsetS,
    summary,
    samples,
    notes,
    partial: ctx.partial,
  };
}
