/**
 * The canonical Run: what every source (FIT file, Strava activity + streams, Garmin summary) is mapped
 * into before any metric is derived. Units live in the names (docs/metrics.md "Conventions"): metres, seconds, m/s,
 * steps per minute (both feet).
 *
 * Samples are stored column-wise in typed arrays: a 24-hour run at 1 Hz is 86,400 samples, and one
 * Float64Array per channel costs ~0.7 MB where an array of objects costs tens of MB. A missing value
 * is NaN; a channel the source never had is `null`.
 */

import type { CadenceHistogram } from './cadence.js';

export const RUN_SOURCES = ['garmin', 'strava', 'upload'] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

/** Where a run's average cadence came from (docs/api.md "Activity" `cadenceSource`). */
export const CADENCE_SOURCES = ['fit-record', 'fit-session', 'strava-stream', 'strava-summary', 'garmin-summary', 'none'] as const;
export type CadenceSource = (typeof CADENCE_SOURCES)[number];

/** Where elevation gain/loss came from (docs/api.md "Activity" `elevationSource`). */
export const ELEVATION_SOURCES = ['device', 'summary', 'stream-smoothed', 'none'] as const;
export type ElevationSource = (typeof ELEVATION_SOURCES)[number];

/** Column-wise samples; every present channel has the same length as `timeS`. */
export interface Samples {
  /** seconds since the run's start time, non-decreasing */
  timeS: Float64Array;
  /** cumulative distance, m */
  distanceM: Float64Array | null;
  /** altitude, m */
  altitudeM: Float64Array | null;
  /** speed, m/s */
  speedMps: Float64Array | null;
  /** cadence already normalised to steps per minute, both feet */
  cadenceSpm: Float64Array | null;
  heartRateBpm: Float64Array | null;
  latDeg: Float64Array | null;
  lngDeg: Float64Array | null;
  /** 1 = moving, 0 = stopped; null when the source does not say (derive from speed/timer) */
  moving: Uint8Array | null;
  /** channel behind `cadenceSpm` ('fit-record' | 'strava-stream'); absent = inferred from summary.avgCadenceSource */
  cadenceSource?: CadenceSource;
  /** how `altitudeM` was measured; picks the hysteresis threshold (docs/metrics.md "Elevation gain and loss"). Absent = 'gps' (conservative) */
  altitudeKind?: AltitudeKind;
}

export type AltitudeKind = 'barometric' | 'gps' | 'database';

/** Totals as reported by the source's own summary (FIT session, Strava activity, Garmin summary). */
export interface RunSummary {
  distanceM: number | null;
  elapsedTimeS: number | null;
  /** timer / moving time, s (FIT total_timer_time, Strava moving_time) */
  movingTimeS: number | null;
  /** average cadence already normalised to spm */
  avgCadenceSpm: number | null;
  /** where avgCadenceSpm came from (the channel decides the factor, docs/metrics.md "Cadence normalisation") */
  avgCadenceSource: CadenceSource;
  totalAscentM: number | null;
  totalDescentM: number | null;
  /** true when the source's ascent/descent come from a barometric device and can be trusted */
  elevationFromDevice: boolean;
  /**
   * true when `totalAscentM` is the source's own processed gain and the source has no loss (Strava):
   * the loss is then gain − net rise of the altitude stream (docs/ingestion.md "Elevation")
   */
  elevationGainFromSummary?: boolean;
  avgSpeedMps: number | null;
}

export interface Run {
  /** lower-case sport name, e.g. "running", "cycling", "walking", "trail_running" */
  sport: string;
  subSport: string | null;
  /** counts toward running load (docs/metrics.md "Which activities count") */
  isRun: boolean;
  /** treadmill / virtual: no real elevation */
  isIndoor: boolean;
  /** entered by hand (Strava `manual`) rather than recorded; a manual entry without distance is not counted */
  manual?: boolean;
  startTime: Date;
  /**
   * true when the source only knew the device's local wall clock (old watches with relative time):
   * `startTime` then holds that wall clock as if it were UTC, and the caller resolves it in the
   * runner's time zone (`resolveWallClock`).
   */
  startTimeIsLocalClock?: boolean;
  /** the activity's own offset from UTC in seconds (local − UTC), null when unknown */
  utcOffsetS: number | null;
  summary: RunSummary;
  samples: Samples | null;
  /** free-form provenance notes, e.g. "fit: compressed timestamps expanded" */
  notes: string[];
  /** true when only part of the file could be decoded */
  partial: boolean;
}

/** One 1-km (or final partial) split. */
export interface Split {
  index: number;
  distanceM: number;
  timeS: number;
  paceSPerKm: number;
  avgCadenceSpm: number | null;
  elevationGainM: number | null;
  elevationLossM: number | null;
}

export interface PaceChanges {
  firstHalfSPerKm: number | null;
  secondHalfSPerKm: number | null;
  /** (second − first) / first × 100; positive = slowed down */
  driftPct: number | null;
  /** coefficient of variation of per-km moving pace × 100 */
  cvPct: number | null;
  surges: number;
}

/** Everything derived from one Run (docs/metrics.md; docs/api.md "Activity", metrics). */
export interface RunMetrics {
  distanceM: number;
  elapsedTimeS: number;
  movingTimeS: number;
  avgSpeedMps: number | null;
  avgPaceSPerKm: number | null;
  avgCadenceSpm: number | null;
  cadenceSource: CadenceSource;
  /** factor applied to the raw channel to reach spm (2 for per-foot channels, 1 otherwise) */
  cadenceFactor: number;
  cadenceQuality: 'ok' | 'suspect' | 'none';
  /** time-weighted mean over running samples (spm ≥ 140), docs/metrics.md "Cadence per run" */
  runCadenceSpm: number | null;
  /** seconds of running samples behind runCadenceSpm */
  runningSampleTimeS: number;
  /** time-weighted speed over the running samples, m/s (docs/metrics.md "Cadence per run", run_speed_mps) */
  runSpeedMps: number | null;
  /** running seconds per 1-spm bin (see cadence.ts), null without cadence samples */
  cadenceHistogram: CadenceHistogram | null;
  walkShare: number | null;
  steps: number | null;
  stepsPerKm: number | null;
  elevationGainM: number | null;
  elevationLossM: number | null;
  elevationSource: ElevationSource;
  /** e.g. "device-total", "summary-gain-minus-net-rise", "hysteresis-1m", "hysteresis-5m", "indoor" */
  elevationMethod: string | null;
  descentPerKm: number | null;
  splits: Split[];
  pace: PaceChanges;
  partial: boolean;
}
