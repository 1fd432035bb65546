import { normaliseCadence } from '../../domain/cadence.js';
import type { CadenceSource, Run, Samples } from '../../domain/run.js';
import { isRunSportType, sportTypeOf, type StravaActivity, type StravaStreams } from './types.js';

/**
 * Pure mapping of a Strava activity (+ streams) into the canonical Run (src/domain/run.ts; docs/metrics.md). Units are
 * converted here and only here: run cadence ×2 (strides → steps per minute, docs/metrics.md "Cadence normalisation"); the
 * local offset from `start_date_local − start_date` (the `utc_offset` field ignores DST,
 * docs/platforms.md). Elevation loss is not in Strava's summary: downstream it is Strava's own
 * `total_elevation_gain` minus the net rise of the smoothed `altitude` stream (docs/ingestion.md), and
 * the stream alone (smoothed, 5 m hysteresis) when the summary has no gain.
 */

/** Raw Strava cadence → spm: ×2 for run types (per-leg channel), ×1 otherwise (docs/metrics.md "Cadence normalisation"). */
function cadenceFactor(isRun: boolean): number {
  return normaliseCadence({ raw: 1, channel: 'strava', isRun }).factor;
}

/** Offsets beyond ±14 h are not real zones: the start time was hidden or garbled. */
const MAX_UTC_OFFSET_S = 14 * 3600;

const SPORT_NAMES: Record<string, { sport: string; subSport: string | null }> = {
  Run: { sport: 'running', subSport: null },
  TrailRun: { sport: 'running', subSport: 'trail' },
  VirtualRun: { sport: 'running', subSport: 'virtual' },
  Walk: { sport: 'walking', subSport: null },
  Hike: { sport: 'hiking', subSport: null },
  Ride: { sport: 'cycling', subSport: null },
  VirtualRide: { sport: 'cycling', subSport: 'virtual' },
  Swim: { sport: 'swimming', subSport: null },
};

/** "MountainBikeRide" → "mountain_bike_ride" for sport types without an explicit name. */
function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The activity's own offset from UTC in seconds: start_date_local (fake "Z") − start_date. */
export function utcOffsetOf(a: Pick<StravaActivity, 'start_date' | 'start_date_local'>): number | null {
  if (!a.start_date_local) return null;
  const local = Date.parse(a.start_date_local.endsWith('Z') ? a.start_date_local : `${a.start_date_local}Z`);
  const utc = Date.parse(a.start_date);
  if (!Number.isFinite(local) || !Number.isFinite(utc)) return null;
  const offset = Math.round((local - utc) / 1000);
  return Math.abs(offset) <= MAX_UTC_OFFSET_S ? offset : null;
}

function numbers(stream: { data: unknown[] } | undefined, n: number, factor = 1): Float64Array | null {
  if (!stream || stream.data.length !== n) return null;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = stream.data[i];
    out[i] = typeof v === 'number' && Number.isFinite(v) ? v * factor : Number.NaN;
  }
  return out;
}

function samplesOf(streams: StravaStreams | null, isRun: boolean): Samples | null {
  const n = streams?.time?.data.length ?? 0;
  if (!streams || n === 0) return null;
  const timeS = numbers(streams.time, n)!;
  let latDeg: Float64Array | null = null;
  let lngDeg: Float64Array | null = null;
  if (streams.latlng?.data.length === n) {
    latDeg = new Float64Array(n);
    lngDeg = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = streams.latlng.data[i];
      const ok = Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number';
      latDeg[i] = ok ? (p[0] as number) : Number.NaN;
      lngDeg[i] = ok ? (p[1] as number) : Number.NaN;
    }
  }
  let moving: Uint8Array | null = null;
  if (streams.moving?.data.length === n) {
    moving = new Uint8Array(n);
    for (let i = 0; i < n; i++) moving[i] = streams.moving.data[i] === true ? 1 : 0;
  }
  return {
    timeS,
    distanceM: numbers(streams.distance, n),
    altitudeM: numbers(streams.altitude, n),
    speedMps: numbers(streams.velocity_smooth, n),
    // A ride's cadence is pedal rpm, not steps: only run cadence becomes spm.
    cadenceSpm: isRun ? numbers(streams.cadence, n, cadenceFactor(true)) : null,
    heartRateBpm: numbers(streams.heartrate, n),
    latDeg,
    lngDeg,
    moving,
    cadenceSource: 'strava-stream',
    // Strava replaces non-barometric altitude with its elevation database: the 5 m threshold applies.
    altitudeKind: 'database',
  };
}

/**
 * Strava activity + streams → Run. `streams` is null (or empty) for manual activities, non-runs
 * whose streams were not fetched, and runs whose streams never appeared: the Run then carries the
 * summary values only, and the cadence source says `strava-summary`.
 */
export function toRun(activity: StravaActivity, streams: StravaStreams | null): Run {
  const sportType = sportTypeOf(activity);
  const isRun = isRunSportType(sportType);
  const named = SPORT_NAMES[sportType] ?? { sport: snakeCase(sportType), subSport: null };
  const isIndoor = sportType === 'VirtualRun' || activity.trainer === true;
  const subSport = isIndoor && named.subSport === null && isRun ? 'treadmill' : named.subSport;
  const samples = samplesOf(streams, isRun);
  const notes: string[] = [];

  const summaryCadence =
    isRun && typeof activity.average_cadence === 'number' && activity.average_cadence > 0 ? activity.average_cadence * cadenceFactor(true) : null;
  // The source of summary.avgCadenceSpm itself; the stream's channel is samples.cadenceSource.
  let avgCadenceSource: CadenceSource = 'none';
  if (summaryCadence !== null) avgCadenceSource = 'strava-summary';
  else if (samples?.cadenceSpm) avgCadenceSource = 'strava-stream';
  if (!samples && isRun && !activity.manual) notes.push('strava: no streams, summary values used');

  return {
    sport: named.sport,
    subSport,
    isRun,
    isIndoor,
    manual: activity.manual === true,
    startTime: new Date(activity.start_date),
    utcOffsetS: utcOffsetOf(activity),
    summary: {
      distanceM: activity.distance ?? null,
      elapsedTimeS: activity.elapsed_time ?? null,
      movingTimeS: activity.moving_time ?? null,
      avgCadenceSpm: summaryCadence,
      avgCadenceSource,
      // Strava's gain may be basemap-corrected; it has no loss field at all.
      totalAscentM: activity.total_elevation_gain ?? null,
      totalDescentM: null,
      elevationFromDevice: false,
      elevationGainFromSummary:
        typeof activity.total_elevation_gain === 'number' && Number.isFinite(activity.total_elevation_gain) && activity.total_elevation_gain >= 0,
      avgSpeedMps: activity.average_speed ?? null,
    },
    samples,
    notes,
    partial: false,
  };
}
