/**
 * Weekly aggregation of runs into the training variables of docs/rules.md "The training week" (docs/api.md "Week", variables).
 *
 * Noise filter (docs/metrics.md "Which activities count"): the functions here filter for themselves — a run under 1 km or under 5 min moving
 * time is never counted, whatever the caller passes — so a caller cannot forget it and can still hand
 * over every run row (including noise) to show in the diary. `isCountedRun` is exported for that display.
 */
import { type IsoWeek, isInWeek } from './iso-week.js';
import { DEFAULT_THRESHOLDS, type RuleThresholds } from './rules/thresholds.js';

/** One run as the weekly rules need it; the caller builds it from a `runs` row and its derived metrics. */
export interface WeekRun {
  id: string;
  /** local date of the start in the run's own offset, from `localDateOf` (docs/metrics.md "Conventions") */
  localDate: string;
  /** UTC start instant; orders runs within a day */
  startTime: Date;
  distanceM: number;
  movingTimeS: number;
  /** null = unknown (treadmill/virtual runs carry 0, docs/metrics.md "Which activities count") */
  elevationLossM: number | null;
  steps: number | null;
  /** time-weighted running cadence, spm (docs/metrics.md "Cadence per run") */
  runCadenceSpm: number | null;
  /** ≥ 10 min of running samples and cadence quality ok (docs/metrics.md "Cadence per run") */
  cadenceQualifies: boolean;
  /** surge_count (docs/metrics.md "Pace and pace changes") */
  surges: number;
  /** sport type TrailRun / trail_running (docs/metrics.md "Other per-run fields" surface) */
  isTrail: boolean;
  /** where the run came from (strava, garmin, upload); the rules do not read it */
  source?: string;
}

/** Weekly variables, SI units in the names. Ratios are null when their denominator is 0. */
export interface WeekVariables {
  /** Σ distance, m */
  distanceM: number;
  /** Σ moving time, s */
  movingTimeS: number;
  /** number of counted runs */
  runs: number;
  /** max run distance, m (0 without runs) */
  longestRunM: number;
  /** Σ known elevation loss, m */
  elevationLossM: number;
  /** Σ moving time / Σ distance, s/km (distance-weighted mean pace) */
  avgPaceSPerKm: number | null;
  /** median run cadence of qualifying runs, spm */
  avgCadenceSpm: number | null;
  /** Σ known steps; null when no run has steps */
  steps: number | null;
  /** distance / runs, m */
  meanRunM: number | null;
  /** elevation loss / distance of the runs whose loss is known, m/km */
  descentPerKmM: number | null;
  /** Σ surges */
  surges: number;
  /** trail distance / distance, 0–1 */
  trailShare: number | null;
}

/** Names of the weekly variables (docs/api.md "Week", variables keys). */
export type WeekVariableName = keyof WeekVariables;

/** Percent change per variable, `(new − old) / old × 100`; null when old is 0 or either side is null. */
export type WeekChangePct = Record<WeekVariableName, number | null>;

/** docs/metrics.md "Which activities count" noise filter [heuristic]: counted iff distance ≥ 1 km and moving time ≥ 5 min (limits configurable). */
export function isCountedRun(run: WeekRun, noise: RuleThresholds['noise'] = DEFAULT_THRESHOLDS.noise): boolean {
  return run.distanceM >= noise.minDistanceM && run.movingTimeS >= noise.minMovingTimeS;
}

/** Median of a list (mean of the middle two for an even count); null for an empty list. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** docs/rules.md "The training week" formulas over runs that are already selected and counted (no filtering here). */
export function aggregateRuns(runs: readonly WeekRun[]): WeekVariables {
  let distanceM = 0,
    movingTimeS = 0,
    longestRunM = 0,
    elevationLossM = 0,
    lossDistanceM = 0;
  let steps: number | null = null,
    surges = 0,
    trailM = 0;
  const cadences: number[] = [];
  for (const r of runs) {
    distanceM += r.distanceM;
    movingTimeS += r.movingTimeS;
    longestRunM = Math.max(longestRunM, r.distanceM);
    if (r.elevationLossM !== null) {
      elevationLossM += r.elevationLossM;
      lossDistanceM += r.distanceM;
    }
    if (r.steps !== null) steps = (steps ?? 0) + r.steps;
    surges += r.surges;
    if (r.isTrail) trailM += r.distanceM;
    if (r.cadenceQualifies && r.runCadenceSpm !== null) cadences.push(r.runCadenceSpm);
  }
  return {
    distanceM,
    movingTimeS,
    runs: runs.length,
    longestRunM,
    elevationLossM,
    avgPaceSPerKm: distanceM > 0 ? movingTimeS / (distanceM / 1000) : null,
    avgCadenceSpm: median(cadences),
    steps,
    meanRunM: runs.length > 0 ? distanceM / runs.length : null,
    descentPerKmM: lossDistanceM > 0 ? elevationLossM / (lossDistanceM / 1000) : null,
    surges,
    trailShare: distanceM > 0 ? trailM / distanceM : null,
  };
}

/** Weekly variables (docs/rules.md "The training week") of the counted runs whose local date is in `week`; other runs are ignored. */
export function weekVariables(runs: readonly WeekRun[], week: IsoWeek, noise: RuleThresholds['noise'] = DEFAULT_THRESHOLDS.noise): WeekVariables {
  return aggregateRuns(runs.filter((r) => isInWeek(r.localDate, week) && isCountedRun(r, noise)));
}

/**
 * The "average week" over `weeks` (docs/rules.md "Minimum data" 4-week mean): sums (distance, time, runs, loss, steps, surges)
 * divided by the number of weeks; ratios (pace, density, trail share, cadence median, mean run) pooled
 * over all their runs; longest run = the longest of them. Empty `weeks` gives an all-zero week.
 */
export function averageWeekVariables(
  runs: readonly WeekRun[],
  weeks: readonly IsoWeek[],
  noise: RuleThresholds['noise'] = DEFAULT_THRESHOLDS.noise,
): WeekVariables {
  const pooled = aggregateRuns(runs.filter((r) => isCountedRun(r, noise) && weeks.some((w) => isInWeek(r.localDate, w))));
  const n = Math.max(1, weeks.length);
  return {
    ...pooled,
    distanceM: pooled.distanceM / n,
    movingTimeS: pooled.movingTimeS / n,
    runs: pooled.runs / n,
    elevationLossM: pooled.elevationLossM / n,
    steps: pooled.steps === null ? null : pooled.steps / n,
    surges: pooled.surges / n,
  };
}

/** Raw fractional change `(new − old) / old`; null when old is 0 or either value is missing (docs/metrics.md "Conventions"). */
export function fractionChange(oldValue: number | null, newValue: number | null): number | null {
  if (oldValue === null || newValue === null || oldValue === 0) return null;
  return (newValue - oldValue) / oldValue;
}

/** Percent change of every weekly variable from `previous` to `current`, rounded to 0.1 % for reporting. */
export function changePct(previous: WeekVariables, current: WeekVariables): WeekChangePct {
  const out = {} as WeekChangePct;
  for (const key of Object.keys(current) as WeekVariableName[]) {
    const f = fractionChange(previous[key], current[key]);
    out[key] = f === null ? null : Math.round(f * 1000) / 10;
  }
  return out;
}
