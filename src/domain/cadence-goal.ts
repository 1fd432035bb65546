/**
 * Cadence (step-rate) goal tracking for gait retraining: baseline, cadence–speed slope, speed-matched
 * cadence, progress, time in band, trend, status and the next step. Pure: runs and dates in, numbers out.
 * The rules in plain words are in docs/cadence.md. All cadence values are steps per minute (both feet).
 */
import { addDays, daysBetween } from './iso-week.js';
import { histogramSecondsAtOrAbove, histogramTotalS, MIN_CADENCE_TRACKING_S, type CadenceHistogram } from './cadence.js';
import { median } from './week.js';

/** Every number the cadence goal uses, tagged like the weekly rules' thresholds. */
export const CADENCE_GOAL = Object.freeze({
  /** [evidence] +5 % default, +5–10 % allowed */
  defaultTargetPct: 5,
  minTargetPct: 5,
  maxTargetPct: 10,
  /** [heuristic] staged plan: +5 % → +7.5 % → +10 % */
  stepsPct: [5, 7.5, 10] as readonly number[],
  /** [heuristic] baseline candidates: qualifying runs in this many days before the start */
  baselineWindowDays: 21,
  /** [heuristic] at least this many runs… */
  baselineMinRuns: 3,
  /** [heuristic] …spread over at least this many calendar days (first to last run, both counted) */
  baselineMinSpreadDays: 7,
  /** [evidence-informed heuristic] cadence rises ~6 spm per 1 m/s (Burns 2019; an outdoor study) */
  defaultSlopeSpmPerMps: 6,
  /** [heuristic] an own slope needs this many baseline runs… */
  slopeMinRuns: 5,
  /** [heuristic] …spanning at least this share of the baseline speed */
  slopeMinSpeedRange: 0.1,
  /** [heuristic] an own slope outside this range is implausible (noise) and the default is used */
  slopeMaxSpmPerMps: 15,
  /** current cadence = median of the last this many qualifying runs */
  currentRuns: 3,
  progressClip: [-50, 150] as const,
  /** [evidence] 1 spm ≈ watch error: on target when current ≥ target − this */
  onTargetToleranceSpm: 1,
  /** time in band: running time at or above target × (1 − this) */
  bandBelowTarget: 0.02,
  trendDays: 28,
  trendMinRuns: 4,
  /** status thresholds on progress % */
  progressingFromPct: 25,
  slippingBelowPct: 75,
  slippingTrendSpmPerWeek: -1,
  /** [heuristic] R6: calf pain at or above this pauses further steps */
  calfPausePain: 3,
  /** [heuristic] a pause lasts until this many days pass without a new calf/knee flag */
  pauseDays: 7,
  /** [heuristic] step up only when on target and every run of the last this many days was green */
  stepUpGreenDays: 14,
  /** the 7-run rolling median line of the chart */
  rollingRuns: 7,
});

/** Strava workout_type of a run: 1 race, 3 workout (2 long run, 0/null default). */
export const RACE_OR_WORKOUT_TYPES: readonly number[] = [1, 3];

/** One run as the cadence goal sees it (built by the caller from the activity and its metrics). */
export interface CadenceRun {
  activityId: string;
  localDate: string;
  /** orders runs within a day */
  startTime: Date;
  /** time-weighted mean cadence over running samples, spm */
  runCadenceSpm: number | null;
  /** speed over the running samples (else the run's average speed), m/s */
  speedMps: number | null;
  /** seconds of running samples */
  runningTimeS: number;
  cadenceQuality: 'ok' | 'suspect' | 'none';
  cadenceSource: string;
  /** Strava workout_type; null for other sources */
  workoutType: number | null;
  isIndoor: boolean;
  histogram: CadenceHistogram | null;
}

export type ExclusionReason = 'no_cadence' | 'summary_only' | 'too_short' | 'suspect_values' | 'race_or_workout' | 'treadmill_without_cadence';

/**
 * Why a run does not count for cadence tracking, or null when it qualifies: ≥ 10 min of running samples,
 * cadence quality ok, not a race or workout.
 */
export function exclusionReason(run: CadenceRun): ExclusionReason | null {
  if (run.cadenceQuality === 'none' || run.runCadenceSpm === null) {
    if (run.cadenceSource === 'strava-summary' || run.cadenceSource === 'garmin-summary' || run.cadenceSource === 'fit-session') return 'summary_only';
    return run.isIndoor ? 'treadmill_without_cadence' : 'no_cadence';
  }
  if (run.cadenceQuality === 'suspect') return 'suspect_values';
  if (run.runningTimeS < MIN_CADENCE_TRACKING_S) return 'too_short';
  if (run.workoutType !== null && RACE_OR_WORKOUT_TYPES.includes(run.workoutType)) return 'race_or_workout';
  return null;
}

export const qualifies = (run: CadenceRun): boolean => exclusionReason(run) === null;

const byTime = (a: CadenceRun, b: CadenceRun) =>
  a.localDate < b.localDate ? -1 : a.localDate > b.localDate ? 1 : a.startTime.getTime() - b.startTime.getTime();

// ---------------------------------------------------------------------------------------------- baseline

export type SlopeSource = 'own' | 'default';

export interface CadenceSlope {
  spmPerMps: number;
  source: SlopeSource;
  /** why the default was used */
  reason: string | null;
}

/** Ordinary least-squares slope of y on x; null when x does not vary. */
export function olsSlope(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}

/**
 * Per-runner regression of cadence on speed over the baseline runs when ≥ 5 runs span ≥ 10 % of the
 * baseline speed (max − min ≥ 0.10 × median); else the default 6 spm per m/s. An own slope below 0 or
 * above 15 spm per m/s is treated as noise and the default is used.
 */
export function cadenceSpeedSlope(runs: readonly { runCadenceSpm: number; speedMps: number }[]): CadenceSlope {
  const g = CADENCE_GOAL;
  const fallback = (reason: string): CadenceSlope => ({ spmPerMps: g.defaultSlopeSpmPerMps, source: 'default', reason });
  if (runs.length < g.slopeMinRuns) return fallback(`fewer than ${g.slopeMinRuns} baseline runs with speed`);
  const speeds = runs.map((r) => r.speedMps);
  const mid = median(speeds)!;
  if (Math.max(...speeds) - Math.min(...speeds) < g.slopeMinSpeedRange * mid) return fallback('baseline runs span less than 10 % in speed');
  const s = olsSlope(
    speeds,
    runs.map((r) => r.runCadenceSpm),
  );
  if (s === null || s < 0 || s > g.slopeMaxSpmPerMps) return fallback('own slope outside 0–15 spm per m/s');
  return { spmPerMps: s, source: 'own', reason: null };
}

export interface Baseline {
  spm: number;
  speedMps: number | null;
  slope: CadenceSlope;
  /** the window searched, both ends included */
  from: string;
  to: string;
  /** first and last run used */
  firstRunDate: string | null;
  lastRunDate: string | null;
  runs: number;
  runIds: string[];
  source: 'runs' | 'given';
}

export type BaselineResult =
  { ok: true; baseline: Baseline } | { ok: false; have: number; need: number; spreadDays: number; from: string; to: string; message: string };

/** Baseline window for a goal starting on `startDate`: the 21 days before it. */
export function baselineWindow(startDate: string): { from: string; to: string } {
  return { from: addDays(startDate, -CADENCE_GOAL.baselineWindowDays), to: addDays(startDate, -1) };
}

/**
 * Baseline from the runner's own qualifying runs in the 21 days before the start (races and workouts
 * excluded): needs ≥ 3 runs spread over ≥ 7 days; baseline = median running cadence, baseline speed =
 * median running speed, slope per `cadenceSpeedSlope`. Otherwise "collecting baseline (k/3)".
 */
export function computeBaseline(runs: readonly CadenceRun[], startDate: string): BaselineResult {
  const g = CADENCE_GOAL;
  const { from, to } = baselineWindow(startDate);
  const candidates = runs.filter((r) => r.localDate >= from && r.localDate <= to && qualifies(r)).sort(byTime);
  const spreadDays = candidates.length > 0 ? daysBetween(candidates[0]!.localDate, candidates[candidates.length - 1]!.localDate) + 1 : 0;
  if (candidates.length < g.baselineMinRuns || spreadDays < g.baselineMinSpreadDays) {
    const have = Math.min(candidates.length, g.baselineMinRuns);
    const message =
      candidates.length < g.baselineMinRuns
        ? `collecting baseline (${have}/${g.baselineMinRuns})`
        : `collecting baseline (${have}/${g.baselineMinRuns}, runs must spread over ${g.baselineMinSpreadDays} days)`;
    return { ok: false, have, need: g.baselineMinRuns, spreadDays, from, to, message };
  }
  const withSpeed = candidates.filter((r) => r.speedMps !== null && r.speedMps > 0) as (CadenceRun & { speedMps: number; runCadenceSpm: number })[];
  return {
    ok: true,
    baseline: {
      spm: median(candidates.map((r) => r.runCadenceSpm as number))!,
      speedMps: median(withSpeed.map((r) => r.speedMps)),
      slope: cadenceSpeedSlope(withSpeed),
      from,
      to,
      firstRunDate: candidates[0]!.localDate,
      lastRunDate: candidates[candidates.length - 1]!.localDate,
      runs: candidates.length,
      runIds: candidates.map((r) => r.activityId),
      source: 'runs',
    },
  };
}

/** target = round(baseline × (1 + pct/100)). */
export function targetSpmFor(baselineSpm: number, targetPct: number): number {
  return Math.round(baselineSpm * (1 + targetPct / 100));
}

// ------------------------------------------------------------------------------------ progress and trend

/** Speed-matched cadence: run cadence − slope × (run speed − baseline speed); unadjusted without speeds. */
export function adjustedCadence(runCadenceSpm: number, speedMps: number | null, baseline: Pick<Baseline, 'speedMps' | 'slope'>): number {
  if (speedMps === null || baseline.speedMps === null) return runCadenceSpm;
  return runCadenceSpm - baseline.slope.spmPerMps * (speedMps - baseline.speedMps);
}

/** 100 × (current − baseline) / (target − baseline), clipped to [−50, 150]; null without a current value. */
export function progressPct(currentSpm: number | null, baselineSpm: number, targetSpm: number): number | null {
  if (currentSpm === null || targetSpm === baselineSpm) return null;
  const p = (100 * (currentSpm - baselineSpm)) / (targetSpm - baselineSpm);
  const [lo, hi] = CADENCE_GOAL.progressClip;
  return Math.min(hi, Math.max(lo, p));
}

/** Current ≥ target − 1 spm (the watch's error). */
export function isOnTarget(currentSpm: number | null, targetSpm: number): boolean {
  return currentSpm !== null && currentSpm >= targetSpm - CADENCE_GOAL.onTargetToleranceSpm - 1e-9;
}

/** Lower edge of the time-in-band band: target − 2 %. */
export const bandFloorSpm = (targetSpm: number): number => targetSpm * (1 - CADENCE_GOAL.bandBelowTarget);

/** Share (%) of the runs' running time at or above target − 2 %, pooled over the runs' histograms; null without any. */
export function timeInBandPct(histograms: readonly (CadenceHistogram | null)[], targetSpm: number): number | null {
  let inBand = 0,
    total = 0;
  const floor = bandFloorSpm(targetSpm);
  for (const h of histograms) {
    if (!h) continue;
    inBand += histogramSecondsAtOrAbove(h, floor);
    total += histogramTotalS(h);
  }
  return total > 0 ? (100 * inBand) / total : null;
}

/**
 * Theil–Sen slope: the median of the pairwise slopes (y_j − y_i)/(x_j − x_i) over pairs with x_i ≠ x_j.
 * Null when no pair has distinct x.
 */
export function theilSen(x: readonly number[], y: readonly number[]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j]! - x[i]!;
      if (dx !== 0) slopes.push((y[j]! - y[i]!) / dx);
    }
  }
  return median(slopes);
}

/** Trend of speed-matched cadence over the last 28 days up to `asOf`, spm per week; null with < 4 runs. */
export function cadenceTrend(points: readonly { localDate: string; adjustedSpm: number }[], asOf: string): number | null {
  const g = CADENCE_GOAL;
  const from = addDays(asOf, -(g.trendDays - 1));
  const recent = points.filter((p) => p.localDate >= from && p.localDate <= asOf);
  if (recent.length < g.trendMinRuns) return null;
  const s = theilSen(
    recent.map((p) => daysBetween(from, p.localDate)),
    recent.map((p) => p.adjustedSpm),
  );
  return s === null ? null : s * 7;
}

/** Median of the last `window` values up to and including each index (the chart's rolling line). */
export function rollingMedian(values: readonly number[], window: number = CADENCE_GOAL.rollingRuns): number[] {
  return values.map((_, i) => median(values.slice(Math.max(0, i - window + 1), i + 1))!);
}

// ------------------------------------------------------------------------------------------ status

export type CadenceStatus = 'collecting_baseline' | 'not_started' | 'progressing' | 'on_target' | 'slipping' | 'paused';

export const STATUS_LABELS: Readonly<Record<CadenceStatus, string>> = {
  collecting_baseline: 'collecting baseline',
  not_started: 'not started',
  progressing: 'progressing',
  on_target: 'on target',
  slipping: 'slipping',
  paused: 'paused — calf/knee',
};

export interface StatusInput {
  baselineReady: boolean;
  paused: boolean;
  progressPct: number | null;
  onTarget: boolean;
  /** was on target at an earlier run since the start */
  wasOnTarget: boolean;
  trendSpmPerWeek: number | null;
}

/**
 * collecting_baseline without a baseline; paused while calf or knee pauses the goal; on_target when
 * current ≥ target − 1; slipping when it was on target and now progress < 75 % or the trend is
 * ≤ −1 spm/week; progressing from 25 % progress; not_started below (or without runs since the start).
 */
export function cadenceStatus(s: StatusInput): CadenceStatus {
  const g = CADENCE_GOAL;
  if (!s.baselineReady) return 'collecting_baseline';
  if (s.paused) return 'paused';
  if (s.onTarget) return 'on_target';
  if (
    s.wasOnTarget &&
    ((s.progressPct !== null && s.progressPct < g.slippingBelowPct) || (s.trendSpmPerWeek !== null && s.trendSpmPerWeek <= g.slippingTrendSpmPerWeek))
  ) {
    return 'slipping';
  }
  if (s.progressPct !== null && s.progressPct >= g.progressingFromPct) return 'progressing';
  return 'not_started';
}

// ------------------------------------------------------------------------------------ pause (R6)

export type PauseReason = 'calf' | 'morning_worse' | 'knee_red';

/** A run after which the runner reported calf pain ≥ 3, a worse morning or a red knee light. */
export interface PainFlag {
  activityId: string | null;
  localDate: string;
  reason: PauseReason;
}

/** Pain read back for one run (from the pain answers), all optional. */
export interface RunPain {
  light: 'green' | 'amber' | 'red' | 'grey' | null;
  painDuring: number | null;
  calfPain: number | null;
  morningWorse: boolean | null;
}

/** The flag a run's pain raises for the cadence goal (calf first, then knee red, then a worse morning), or null. */
export function painFlagOf(activityId: string, localDate: string, pain: RunPain | undefined): PainFlag | null {
  if (!pain) return null;
  if (pain.calfPain !== null && pain.calfPain >= CADENCE_GOAL.calfPausePain) return { activityId, localDate, reason: 'calf' };
  if (pain.light === 'red') return { activityId, localDate, reason: 'knee_red' };
  if (pain.morningWorse) return { activityId, localDate, reason: 'morning_worse' };
  return null;
}

/**
 * R6: the goal is paused while the latest calf/knee flag since the start is less than 7 days old
 * [heuristic]; it resumes by itself after 7 days without a new flag. Returns the flag that pauses it.
 */
export function activePause(flags: readonly PainFlag[], startDate: string, asOf: string): PainFlag | null {
  const since = addDays(asOf, -(CADENCE_GOAL.pauseDays - 1));
  const relevant = flags.filter((f) => f.localDate >= startDate && f.localDate >= since && f.localDate <= asOf);
  return relevant.sort((a, b) => b.localDate.localeCompare(a.localDate))[0] ?? null;
}

// ------------------------------------------------------------------------------------------ next step

export type NextAction = 'collect_baseline' | 'hold' | 'step_up' | 'pause';

export interface NextStep {
  action: NextAction;
  /** for step_up */
  nextTargetPct: number | null;
  nextTargetSpm: number | null;
  message: string;
}

export interface NextStepInput {
  status: CadenceStatus;
  baselineSpm: number | null;
  targetPct: number;
  pause: PainFlag | null;
  /** lights of the runs in the last 14 days (oldest first) */
  recentLights: readonly ('green' | 'amber' | 'red' | 'grey' | null)[];
  /** days since the goal started (0 on the start day) */
  daysActive: number;
}

const PAUSE_WORDS: Record<PauseReason, string> = {
  calf: 'calf pain of 3/10 or more after a run',
  morning_worse: 'the knee was worse the next morning',
  knee_red: 'a red knee light after a run',
};

/**
 * "pause — calf/knee" while paused; "step up" to the next stage (+7.5 %, then +10 %) when on target and
 * every run of the last 14 days was green (at least one run, goal running ≥ 14 days); otherwise "hold".
 */
export function nextStep(i: NextStepInput): NextStep {
  const g = CADENCE_GOAL;
  const none = { nextTargetPct: null, nextTargetSpm: null };
  if (i.status === 'collecting_baseline' || i.baselineSpm === null) {
    return {
      action: 'collect_baseline',
      ...none,
      message: 'Keep running as usual: the baseline needs 3 qualifying runs (10 min or more with cadence) over at least 7 days before the start.',
    };
  }
  if (i.status === 'paused' && i.pause) {
    return {
      action: 'pause',
      ...none,
      message: `Pause — calf/knee: ${PAUSE_WORDS[i.pause.reason]} (${i.pause.localDate}). Hold your current step rate, do not push it higher, and keep up calf strengthening; the goal resumes after ${g.pauseDays} days without a new flag.`,
    };
  }
  const stage = g.stepsPct.find((p) => p > i.targetPct + 1e-9) ?? null;
  const allGreen = i.recentLights.length > 0 && i.recentLights.every((l) => l === 'green');
  if (i.status === 'on_target' && allGreen && i.daysActive >= g.stepUpGreenDays && stage !== null) {
    return {
      action: 'step_up',
      nextTargetPct: stage,
      nextTargetSpm: targetSpmFor(i.baselineSpm, stage),
      message: `Step up to +${stage} %: you are on target and every run of the last 2 weeks was green. Set a new goal of ${targetSpmFor(i.baselineSpm, stage)} spm at the same easy pace.`,
    };
  }
  const why =
    i.status === 'on_target'
      ? stage === null
        ? 'you are on target at the highest step (+10 %); keep it.'
        : 'you are on target; step up only after 2 weeks of green runs.'
      : i.status === 'slipping'
        ? 'your step rate is drifting back; hold the target and use a metronome or the watch alert on easy runs.'
        : 'keep the target on easy runs at your usual pace.';
  return { action: 'hold', ...none, message: `Hold: ${why}` };
}
