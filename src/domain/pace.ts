/**
 * Pace, per-km splits and within-run pace changes (docs/metrics.md "Pace and pace changes"). Pace is seconds per km from moving
 * time; "moving" comes from moving.ts (source flag, else interval speed ≥ 0.5 m/s, gaps are pauses).
 */
import type { PaceChanges, Split } from './run.js';
import type { GainLoss } from './elevation.js';
import type { SampleTiming } from './moving.js';

export const SPLIT_DISTANCE_M = 1000;
/** Beyond this many km the distance is treated as corrupt and no splits are produced. */
export const MAX_SPLITS = 1000;
/** Beyond this span (a week) the time axis is treated as corrupt and no surges are counted. */
export const MAX_SURGE_SPAN_S = 7 * 86_400;
/** A final partial split shorter than this is not reported (its pace is noise) [heuristic]. */
export const MIN_PARTIAL_SPLIT_M = 100;
/** Surge: 30-s rolling speed ≥ 1.2 × the run's median speed for ≥ 20 s [heuristic] (docs/metrics.md "Pace and pace changes"). */
export const SURGE_WINDOW_S = 30;
export const SURGE_SPEED_RATIO = 1.2;
export const SURGE_MIN_DURATION_S = 20;
/** Pace CV above this suggests an uneven or interval run [heuristic] (docs/metrics.md "Pace and pace changes"). */
export const UNEVEN_PACE_CV = 0.1;

/** Pace, s/km = time_s / (distance_m / 1000) (docs/metrics.md "Conventions", "Pace and pace changes"); null when either is not positive. */
export function paceSPerKm(distanceM: number, timeS: number): number | null {
  return distanceM > 0 && timeS > 0 ? timeS / (distanceM / 1000) : null;
}

export interface SplitInput {
  /** cumulative distance per sample, m (moving.ts cumulativeDistance) */
  distanceM: Float64Array;
  cadenceSpm: Float64Array | null;
  timing: SampleTiming;
}

/**
 * Per-km splits (docs/api.md "Activity", metrics.splits; pace per docs/metrics.md "Pace and pace changes"): each interval's moving time is shared among the splits its distance covers, in
 * proportion to distance. timeS = moving time in the split; pace = timeS / km; cadence = time-weighted
 * mean over moving samples in the split. Elevation per split is filled in by the caller. The last
 * partial split is kept when ≥ MIN_PARTIAL_SPLIT_M; more than MAX_SPLITS km gives no splits.
 */
export function kmSplits({ distanceM, cadenceSpm, timing }: SplitInput): Split[] {
  const n = distanceM.length;
  const total = n > 0 ? distanceM[n - 1]! - distanceM[0]! : 0;
  const count = Math.ceil(total / SPLIT_DISTANCE_M);
  if (!(count > 0) || count > MAX_SPLITS) return [];
  const time = new Float64Array(count);
  const cadSum = new Float64Array(count);
  const cadT = new Float64Array(count);
  const d0 = distanceM[0]!;
  for (let i = 1; i < n; i++) {
    if (!timing.moving[i]) continue;
    const a = distanceM[i - 1]! - d0;
    const b = distanceM[i]! - d0;
    const dt = timing.dtS[i]!;
    const c = cadenceSpm ? cadenceSpm[i]! : NaN;
    if (!(b > a)) {
      // Counted time without progress (standing with the timer running): it belongs to the split
      // the runner is in, so split times add up to the run's time; it carries no cadence.
      if (b === a && dt > 0) {
        const k = Math.min(Math.floor(a / SPLIT_DISTANCE_M), count - 1);
        time[k] = time[k]! + dt;
      }
      continue;
    }
    for (let k = Math.floor(a / SPLIT_DISTANCE_M); k < count && k * SPLIT_DISTANCE_M < b; k++) {
      const lo = Math.max(a, k * SPLIT_DISTANCE_M);
      const hi = Math.min(b, (k + 1) * SPLIT_DISTANCE_M);
      const share = (dt * (hi - lo)) / (b - a);
      time[k] = time[k]! + share;
      if (Number.isFinite(c)) {
        cadSum[k] = cadSum[k]! + c * share;
        cadT[k] = cadT[k]! + share;
      }
    }
  }
  const splits: Split[] = [];
  for (let k = 0; k < count; k++) {
    const dist = Math.min(SPLIT_DISTANCE_M, total - k * SPLIT_DISTANCE_M);
    if (dist < SPLIT_DISTANCE_M && dist < MIN_PARTIAL_SPLIT_M) break;
    splits.push({
      index: k + 1,
      distanceM: dist,
      timeS: time[k]!,
      paceSPerKm: paceSPerKm(dist, time[k]!) ?? 0,
      avgCadenceSpm: cadT[k]! > 0 ? cadSum[k]! / cadT[k]! : null,
      elevationGainM: null,
      elevationLossM: null,
    });
  }
  return splits;
}

/** Writes per-split gain/loss, m (elevation.ts hysteresis attributed per km, docs/metrics.md "Elevation gain and loss") into the splits. */
export function withSplitElevation(splits: Split[], perSplit: GainLoss[] | null): Split[] {
  return splits.map((s, k) => ({
    ...s,
    elevationGainM: perSplit?.[k]?.gainM ?? null,
    elevationLossM: perSplit?.[k]?.lossM ?? null,
  }));
}

function movingTimeUpTo(distanceM: Float64Array, timing: SampleTiming, limitM: number): number {
  let t = 0;
  for (let i = 1; i < distanceM.length; i++) {
    if (!timing.moving[i]) continue;
    const a = distanceM[i - 1]!;
    const b = distanceM[i]!;
    if (a >= limitM) break;
    t += b > limitM && b > a ? (timing.dtS[i]! * (limitM - a)) / (b - a) : timing.dtS[i]!;
  }
  return t;
}

/**
 * Surge count (docs/metrics.md "Pace and pace changes"): on a 1-s grid, rolling speed = distance covered in the last 30 s / 30;
 * the reference is the median rolling speed over moving seconds (≥ 0.5 m/s); a surge is a run of
 * ≥ 20 consecutive seconds at ≥ 1.2 × that median. 0 when the run spans more than MAX_SURGE_SPAN_S.
 */
export function countSurges(timeS: Float64Array, distanceM: Float64Array): number {
  const n = timeS.length;
  if (n < 2) return 0;
  const t0 = timeS[0]!;
  const seconds = Math.floor(timeS[n - 1]! - t0);
  if (seconds <= SURGE_WINDOW_S || seconds > MAX_SURGE_SPAN_S) return 0;
  const grid = new Float64Array(seconds + 1);
  let j = 0;
  for (let s = 0; s <= seconds; s++) {
    const t = t0 + s;
    while (j < n - 2 && timeS[j + 1]! < t) j++;
    const span = timeS[j + 1]! - timeS[j]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (t - timeS[j]!) / span)) : 1;
    grid[s] = distanceM[j]! + f * (distanceM[j + 1]! - distanceM[j]!);
  }
  const rolling = new Float64Array(seconds + 1 - SURGE_WINDOW_S);
  for (let s = SURGE_WINDOW_S; s <= seconds; s++) rolling[s - SURGE_WINDOW_S] = (grid[s]! - grid[s - SURGE_WINDOW_S]!) / SURGE_WINDOW_S;
  const movingSpeeds = rolling.filter((v) => v >= 0.5).sort();
  if (movingSpeeds.length === 0) return 0;
  const median = movingSpeeds[Math.floor(movingSpeeds.length / 2)]!;
  const limit = SURGE_SPEED_RATIO * median;
  let surges = 0;
  let run = 0;
  for (const v of rolling) {
    run = v >= limit ? run + 1 : 0;
    if (run === SURGE_MIN_DURATION_S) surges++;
  }
  return surges;
}

/**
 * Within-run pace changes: first/second half pace split at half the distance (moving time), drift % =
 * (second − first) / first × 100, CV % = population SD / mean of full-km split paces × 100 (needs ≥ 2
 * full km), surges from countSurges.
 */
export function paceChanges(timeS: Float64Array, distanceM: Float64Array, timing: SampleTiming, splits: Split[]): PaceChanges {
  const n = distanceM.length;
  const total = n > 0 ? distanceM[n - 1]! - distanceM[0]! : 0;
  let firstHalfSPerKm: number | null = null;
  let secondHalfSPerKm: number | null = null;
  if (total > 0) {
    const half = distanceM[0]! + total / 2;
    const t1 = movingTimeUpTo(distanceM, timing, half);
    firstHalfSPerKm = paceSPerKm(total / 2, t1);
    secondHalfSPerKm = paceSPerKm(total / 2, timing.movingTimeS - t1);
  }
  const driftPct = firstHalfSPerKm && secondHalfSPerKm ? ((secondHalfSPerKm - firstHalfSPerKm) / firstHalfSPerKm) * 100 : null;
  const full = splits.filter((s) => s.distanceM === SPLIT_DISTANCE_M && s.paceSPerKm > 0).map((s) => s.paceSPerKm);
  let cvPct: number | null = null;
  if (full.length >= 2) {
    const mean = full.reduce((a, b) => a + b, 0) / full.length;
    const sd = Math.sqrt(full.reduce((a, b) => a + (b - mean) ** 2, 0) / full.length);
    cvPct = (sd / mean) * 100;
  }
  return { firstHalfSPerKm, secondHalfSPerKm, driftPct, cvPct, surges: countSurges(timeS, distanceM) };
}
