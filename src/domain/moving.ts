/**
 * Per-sample timing: interval lengths, moving flags and timer (recording) flags, shared by the cadence,
 * pace and elevation calculations so each derives them the same way.
 *
 * Convention: sample i describes the interval (t[i-1], t[i]] that ends at it; sample 0 has Δt = 0.
 */
import type { Samples } from './run.js';

/** Below this interval speed a sample counts as stopped (docs/metrics.md "Conventions": moving time excludes pauses) [heuristic]. */
export const STOPPED_SPEED_MPS = 0.5;
/**
 * An interval longer than this without movement is a pause (timer stopped / auto-pause), not standing
 * time. Smart recording writes up to ~10 s apart and drop-outs while moving reach 30 s on the fixtures;
 * those still count as recording when distance advanced [heuristic].
 */
export const PAUSE_GAP_S = 30;

export interface SampleTiming {
  /** Δt of the interval ending at sample i, s (0 for sample 0) */
  dtS: Float64Array;
  /** 1 when the interval ending at sample i was spent moving */
  moving: Uint8Array;
  /** 1 when the interval ending at sample i was recorded time (moving, or a short stop with the timer on) */
  timer: Uint8Array;
  movingTimeS: number;
  timerTimeS: number;
}

/**
 * Moving/timer flags per sample.
 * moving_i = source flag when present; else interval speed ≥ STOPPED_SPEED_MPS, where interval speed is
 * Δdistance/Δt when distance is known, else the sample's speed; with neither, moving_i = (Δt ≤ PAUSE_GAP_S).
 * timer_i = moving_i or Δt ≤ PAUSE_GAP_S. Source: docs/metrics.md "Moving time and distance" (moving time) [heuristic thresholds].
 */
export function sampleTiming(samples: Samples): SampleTiming {
  const { timeS, distanceM, speedMps } = samples;
  const n = timeS.length;
  const dtS = new Float64Array(n);
  const moving = new Uint8Array(n);
  const timer = new Uint8Array(n);
  let movingTimeS = 0;
  let timerTimeS = 0;
  const flag = samples.moving;
  for (let i = 1; i < n; i++) {
    const dt = timeS[i]! - timeS[i - 1]!;
    if (!(dt > 0)) continue;
    dtS[i] = dt;
    let isMoving: boolean;
    if (flag) {
      isMoving = flag[i] === 1;
    } else {
      let v = NaN;
      if (distanceM) v = (distanceM[i]! - distanceM[i - 1]!) / dt;
      if (Number.isNaN(v) && speedMps) v = speedMps[i]!;
      isMoving = Number.isNaN(v) ? dt <= PAUSE_GAP_S : v >= STOPPED_SPEED_MPS;
    }
    if (isMoving) {
      moving[i] = 1;
      movingTimeS += dt;
    }
    if (isMoving || dt <= PAUSE_GAP_S) {
      timer[i] = 1;
      timerTimeS += dt;
    }
  }
  return { dtS, moving, timer, movingTimeS, timerTimeS };
}

/**
 * Cumulative distance per sample, m (docs/metrics.md "Moving time and distance"): the source distance when present (NaN gaps filled forward),
 * else ∫ speed·dt over moving intervals; null when the run has neither channel.
 */
export function cumulativeDistance(samples: Samples, timing: SampleTiming): Float64Array | null {
  const n = samples.timeS.length;
  const out = new Float64Array(n);
  if (samples.distanceM && samples.distanceM.some((d) => Number.isFinite(d))) {
    let last = NaN;
    for (let i = 0; i < n; i++) {
      const d = samples.distanceM[i]!;
      if (Number.isFinite(d) && !(d < last)) last = d;
      out[i] = Number.isNaN(last) ? 0 : last;
    }
    return out;
  }
  const speed = samples.speedMps;
  if (!speed) return null;
  for (let i = 1; i < n; i++) {
    const v = speed[i]!;
    out[i] = out[i - 1]! + (timing.moving[i] && Number.isFinite(v) ? v * timing.dtS[i]! : 0);
  }
  return out;
}
