/**
 * Cadence (step rate) normalisation and per-run cadence (docs/metrics.md "Cadence normalisation", "Cadence per run"). Everything here is steps
 * per minute, both feet (spm).
 */
import type { CadenceSource, Samples } from './run.js';
import { sampleTiming, type SampleTiming } from './moving.js';

/** ~walk–run transition in adults; samples at or above it are running (docs/metrics.md "Cadence per run"). */
export const MIN_RUNNING_SPM = 140;
/** Sanity band for running cadence after normalisation [heuristic] (docs/metrics.md "Cadence normalisation"). */
export const CADENCE_SANITY_MIN_SPM = 130;
export const CADENCE_SANITY_MAX_SPM = 230;
/** Unknown channel: a median raw value below this is per-foot and gets doubled (docs/metrics.md "Cadence normalisation"). */
export const PER_FOOT_MEDIAN_LIMIT = 115;
/** A run qualifies for cadence tracking with at least this much running-sample time [heuristic] (docs/metrics.md "Cadence per run"). */
export const MIN_CADENCE_TRACKING_S = 600;
/** FIT stores strides/min plus a fractional part in 1/128 (docs/metrics.md "What each source delivers"). */
export const FIT_CADENCE_FACTOR = 2;
export const FIT_FRACTIONAL_CADENCE_SCALE = 128;

export type CadenceChannel = 'fit' | 'strava' | 'garmin-summary' | 'unknown';
export type CadenceQuality = 'ok' | 'suspect' | 'none';

export interface NormaliseCadenceInput {
  /** the value as delivered by the channel */
  raw: number;
  /** FIT fractional cadence in raw units of 1/128 (0 when absent) */
  frac?: number;
  channel: CadenceChannel;
  isRun: boolean;
  /** unknown channel only: median raw value over the run's running samples (defaults to `raw`) */
  medianRaw?: number;
}

export interface NormalisedCadence {
  spm: number;
  /** factor applied to the raw channel (2 for per-foot channels, 1 otherwise) */
  factor: number;
}

/**
 * Cadence to spm by channel (docs/metrics.md "Cadence normalisation", mandatory):
 * fit → 2 × (raw + frac/128); strava → 2 × raw for run types, raw otherwise; garmin-summary → raw;
 * unknown → 2 × raw when median(raw) < 115, else raw.
 */
export function normaliseCadence(input: NormaliseCadenceInput): NormalisedCadence {
  const { raw, channel } = input;
  let factor = 1;
  if (channel === 'fit') {
    return { spm: FIT_CADENCE_FACTOR * (raw + (input.frac ?? 0) / FIT_FRACTIONAL_CADENCE_SCALE), factor: FIT_CADENCE_FACTOR };
  }
  if (channel === 'strava') factor = input.isRun ? 2 : 1;
  if (channel === 'unknown') factor = (input.medianRaw ?? raw) < PER_FOOT_MEDIAN_LIMIT ? 2 : 1;
  return { spm: raw * factor, factor };
}

/** Factor raw → spm implied by a cadence source (docs/metrics.md "Cadence normalisation"): 2 for FIT, 2 for Strava runs, else 1. */
export function cadenceFactorFor(source: CadenceSource, isRun: boolean): number {
  if (source === 'fit-record' || source === 'fit-session') return FIT_CADENCE_FACTOR;
  if (source === 'strava-stream' || source === 'strava-summary') return isRun ? 2 : 1;
  return 1;
}

/** Sanity band check (docs/metrics.md "Cadence normalisation"): 'suspect' outside 130–230 spm, 'none' when there is no value. */
export function cadenceQuality(typicalSpm: number | null): CadenceQuality {
  if (typicalSpm === null || !Number.isFinite(typicalSpm)) return 'none';
  return typicalSpm >= CADENCE_SANITY_MIN_SPM && typicalSpm <= CADENCE_SANITY_MAX_SPM ? 'ok' : 'suspect';
}

/** Weighted median (docs/metrics.md "Cadence per run", cadence_p50) of values[i] with weights[i] > 0 among `include`d samples; null when nothing counts. */
export function weightedMedian(values: ArrayLike<number>, weights: ArrayLike<number>, include: (i: number) => boolean): number | null {
  const idx: number[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (weights[i]! > 0 && Number.isFinite(values[i]!) && include(i)) {
      idx.push(i);
      total += weights[i]!;
    }
  }
  if (idx.length === 0) return null;
  idx.sort((a, b) => values[a]! - values[b]!);
  let acc = 0;
  for (const i of idx) {
    acc += weights[i]!;
    if (acc >= total / 2) return values[i]!;
  }
  return values[idx[idx.length - 1]!]!;
}

export interface RunCadence {
  /** Σ spm·Δt / Σ Δt over all recorded (timer) samples, zeros included: the watch's "avg cadence" */
  avgCadenceSpm: number | null;
  /** time-weighted mean over running samples R (moving, spm ≥ 140), docs/metrics.md "Cadence per run" */
  runCadenceSpm: number | null;
  /** weighted median over R */
  cadenceP50Spm: number | null;
  /** Σ v·Δt / Σ Δt over R, m/s */
  runSpeedMps: number | null;
  /** Σ Δt over R, s */
  runningTimeS: number;
  /** moving time with spm < 140 / moving time with a cadence value */
  walkShare: number | null;
  /** steps = Σ spm·Δt/60 over moving samples (docs/metrics.md "Volume") */
  steps: number | null;
  /** sanity band applied to the weighted median of moving, non-zero samples */
  quality: CadenceQuality;
  /** ≥ 10 min of running samples and quality ok (docs/metrics.md "Cadence per run") */
  qualifies: boolean;
  /** running time per 1-spm bin, so any cadence band can be evaluated later without the samples */
  histogram: CadenceHistogram | null;
}

/**
 * Running time (samples in R) per 1-spm cadence bin: `counts[k]` is the seconds spent at
 * `min + k ≤ spm < min + k + 1`, rounded to 0.1 s. Stored with each run at derive time, for FIT records
 * and Strava cadence streams alike, so time in a target band needs no re-decoding.
 */
export interface CadenceHistogram {
  min: number;
  counts: number[];
}

/** Seconds kept per bin: 0.1 s keeps the stored JSON small and the band share exact to well below 1 %. */
const HISTOGRAM_RESOLUTION_S = 0.1;

/** Builds the histogram from (spm, seconds) pairs; null when there is no running time. */
export function buildCadenceHistogram(spm: ArrayLike<number>, seconds: ArrayLike<number>): CadenceHistogram | null {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < spm.length; i++) {
    if (!(seconds[i]! > 0) || !Number.isFinite(spm[i]!)) continue;
    const b = Math.floor(spm[i]!);
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (lo === Infinity) return null;
  const raw = new Float64Array(hi - lo + 1);
  for (let i = 0; i < spm.length; i++) {
    if (!(seconds[i]! > 0) || !Number.isFinite(spm[i]!)) continue;
    raw[Math.floor(spm[i]!) - lo]! += seconds[i]!;
  }
  const perSecond = 1 / HISTOGRAM_RESOLUTION_S;
  return { min: lo, counts: Array.from(raw, (t) => Math.round(t * perSecond) / perSecond) };
}

/** Total seconds in a histogram. */
export function histogramTotalS(h: CadenceHistogram): number {
  let t = 0;
  for (const c of h.counts) t += c;
  return t;
}

/**
 * Seconds at or above `thresholdSpm`. Time inside a bin is taken as evenly spread over it, so the bin
 * holding the threshold counts in proportion to the part of it at or above the threshold.
 */
export function histogramSecondsAtOrAbove(h: CadenceHistogram, thresholdSpm: number): number {
  let t = 0;
  for (let k = 0; k < h.counts.length; k++) {
    const lo = h.min + k;
    if (lo >= thresholdSpm) t += h.counts[k]!;
    else if (lo + 1 > thresholdSpm) t += h.counts[k]! * (lo + 1 - thresholdSpm);
  }
  return t;
}

/** Share (0–1) of the histogram's running time at or above `thresholdSpm`; null without running time. */
export function histogramShareAtOrAbove(h: CadenceHistogram | null, thresholdSpm: number): number | null {
  if (!h) return null;
  const total = histogramTotalS(h);
  return total > 0 ? histogramSecondsAtOrAbove(h, thresholdSpm) / total : null;
}

/**
 * Per-run cadence from samples (docs/metrics.md "Cadence per run"). R = { i : moving_i and spm_i ≥ MIN_RUNNING_SPM }.
 * Quality uses the weighted median of moving samples with spm > 0, so a halved (per-foot) or doubled
 * channel shows up as 'suspect' even when no sample reaches 140 spm.
 */
export function runCadence(samples: Samples, timing: SampleTiming = sampleTiming(samples)): RunCadence {
  const spm = samples.cadenceSpm;
  const empty: RunCadence = {
    avgCadenceSpm: null,
    runCadenceSpm: null,
    cadenceP50Spm: null,
    runSpeedMps: null,
    runningTimeS: 0,
    walkShare: null,
    steps: null,
    quality: 'none',
    qualifies: false,
    histogram: null,
  };
  if (!spm) return empty;
  const { dtS, moving, timer } = timing;
  const speed = samples.speedMps;
  let timerSum = 0,
    timerT = 0,
    runSum = 0,
    runT = 0,
    runV = 0,
    runVT = 0,
    movingT = 0,
    walkT = 0,
    steps = 0;
  const runDt = new Float64Array(spm.length);
  for (let i = 1; i < spm.length; i++) {
    const c = spm[i]!;
    const dt = dtS[i]!;
    if (!Number.isFinite(c) || dt <= 0) continue;
    if (timer[i]) {
      timerSum += c * dt;
      timerT += dt;
    }
    if (!moving[i]) continue;
    movingT += dt;
    steps += (c * dt) / 60;
    if (c < MIN_RUNNING_SPM) {
      walkT += dt;
      continue;
    }
    runSum += c * dt;
    runT += dt;
    runDt[i] = dt;
    const v = speed ? speed[i]! : NaN;
    if (Number.isFinite(v)) {
      runV += v * dt;
      runVT += dt;
    }
  }
  if (timerT === 0 && movingT === 0) return empty;
  const typical = weightedMedian(spm, dtS, (i) => moving[i] === 1 && spm[i]! > 0);
  const quality = cadenceQuality(typical);
  return {
    avgCadenceSpm: timerT > 0 ? timerSum / timerT : null,
    runCadenceSpm: runT > 0 ? runSum / runT : null,
    cadenceP50Spm: weightedMedian(spm, dtS, (i) => moving[i] === 1 && spm[i]! >= MIN_RUNNING_SPM),
    runSpeedMps: runVT > 0 ? runV / runVT : null,
    runningTimeS: runT,
    walkShare: movingT > 0 ? walkT / movingT : null,
    steps: movingT > 0 ? steps : null,
    quality,
    qualifies: runT >= MIN_CADENCE_TRACKING_S && quality === 'ok',
    histogram: runT > 0 ? buildCadenceHistogram(spm, runDt) : null,
  };
}
