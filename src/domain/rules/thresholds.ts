/**
 * Every number the weekly rules use, in one place (docs/rules.md "The weekly load rules").
 * Tags: [seed] founding physio article, [evidence] a study, [heuristic] our product default.
 * Fractions are ratios (0.10 = 10 %); distances in m, times in s, cadence in spm.
 * Override per runner or clinician with `resolveThresholds({ load: { maxIncrease: 0.075 } })`.
 */
export interface RuleThresholds {
  /** docs/metrics.md "Which activities count": runs below either limit are noise and are not counted. */
  noise: {
    /** [heuristic] */
    minDistanceM: number;
    /** [heuristic] */
    minMovingTimeS: number;
  };
  /** R2 load progression and minimum data (docs/rules.md "Minimum data"). */
  load: {
    /** [seed] "approximately 10 % a week"; warn when the increase is strictly greater. */
    maxIncrease: number;
    /** [evidence] Nielsen 2014 >30 % group, Damsted 2019 20–60 %: above this the warning is red. */
    redAbove: number;
    /** [heuristic] docs/rules.md "Minimum data": reference needs this many counted runs for the % rule… */
    minReferenceRuns: number;
    /** [heuristic] …and this much distance; otherwise the absolute cap applies. */
    minReferenceDistanceM: number;
    /** [heuristic] docs/rules.md "Minimum data" absolute cap: warn if distance exceeds the reference by more than this… */
    absoluteCapDistanceM: number;
    /** [heuristic] …or runs exceed it by more than this. */
    absoluteCapRuns: number;
    /** [heuristic] docs/rules.md "Minimum data": previous week below this share of the multi-week mean = return after a break. */
    breakShareOfMean: number;
    /** [heuristic] docs/rules.md "Minimum data": weeks in the "4-week mean" (w−1 … w−4). */
    meanWeeks: number;
    /** [heuristic] docs/rules.md "Minimum data" "cap the first week back at the 4-week mean": allowed increase over that mean. */
    returnAfterBreakMaxIncrease: number;
    /** [heuristic] docs/rules.md "Minimum data": with fewer prior weeks of data, warnings are provisional. */
    minPriorWeeks: number;
  };
  /** R3 / docs/rules.md "MULTI_CHANGE — one change at a time (seed)": when has a variable "changed" between two weeks. */
  change: {
    /** [seed] volume (distance or moving time) up by more than this. */
    volumeIncrease: number;
    /** [heuristic] frequency: at least this many more runs (and volume up). */
    frequencyMinExtraRuns: number;
    /** [evidence] Frandsen 2025: week's longest run > this × longest run of the lookback window. */
    longRunRatio: number;
    /** [evidence] Frandsen 2025: lookback for the long-run comparison, days before the week's Monday. */
    longRunLookbackDays: number;
    /** [heuristic] average pace faster (smaller s/km) by more than this. */
    paceFaster: number;
    /** [heuristic] surges up by at least this many… */
    surgesMinExtra: number;
    /** [heuristic] …and by at least this share. */
    surgesMinIncrease: number;
    /** [heuristic] elevation loss up by more than this share… (10 % mirrors the seed) */
    lossIncrease: number;
    /** [heuristic] …and by more than this many metres. */
    lossMinM: number;
    /** [heuristic] or descent density up by more than this share… */
    densityIncrease: number;
    /** [heuristic] …and by more than this many m/km. */
    densityMinMPerKm: number;
    /** [heuristic] cadence differs from the prior weeks' median by more than this, either direction. */
    cadenceChange: number;
    /** [heuristic] weeks before w pooled for the cadence reference median. */
    cadenceReferenceWeeks: number;
    /** [heuristic] docs/cadence.md "One change at a time (R3)": a cadence goal counts as the gait change for this many days after it starts. */
    cadenceGoalDays: number;
    /** [heuristic] trail share of distance up by more than this (0.25 = 25 percentage points). */
    trailShareIncrease: number;
    /** [seed] "only change one component at a time": warn when more change groups than this. */
    maxChanges: number;
  };
  /** R4 single-run spike over the longest run of the previous days. */
  spike: {
    /** [evidence] Frandsen 2025: lookback window in days. */
    lookbackDays: number;
    /** [evidence] Frandsen 2025: ratio above which a run is a spike (amber). */
    amberAbove: number;
    /** [evidence] Frandsen 2025 band boundary ">30–100 %"; reported, same amber severity. */
    band2Above: number;
    /** [evidence] Frandsen 2025 ">100 %" (HRR 2.28): red. */
    redAbove: number;
  };
}

export const DEFAULT_THRESHOLDS: Readonly<RuleThresholds> = Object.freeze({
  noise: { minDistanceM: 1000, minMovingTimeS: 300 },
  load: {
    maxIncrease: 0.1,
    redAbove: 0.3,
    minReferenceRuns: 2,
    minReferenceDistanceM: 5000,
    absoluteCapDistanceM: 2000,
    absoluteCapRuns: 1,
    breakShareOfMean: 0.5,
    meanWeeks: 4,
    returnAfterBreakMaxIncrease: 0,
    minPriorWeeks: 2,
  },
  change: {
    volumeIncrease: 0.1,
    frequencyMinExtraRuns: 1,
    longRunRatio: 1.1,
    longRunLookbackDays: 30,
    paceFaster: 0.05,
    surgesMinExtra: 4,
    surgesMinIncrease: 0.5,
    lossIncrease: 0.1,
    lossMinM: 50,
    densityIncrease: 0.2,
    densityMinMPerKm: 2,
    cadenceChange: 0.03,
    cadenceReferenceWeeks: 2,
    cadenceGoalDays: 14,
    trailShareIncrease: 0.25,
    maxChanges: 1,
  },
  spike: { lookbackDays: 30, amberAbove: 1.1, band2Above: 1.3, redAbove: 2.0 },
});

/** Per-group partial overrides of the defaults. */
export type ThresholdOverrides = { [K in keyof RuleThresholds]?: Partial<RuleThresholds[K]> };

/** Defaults with `overrides` applied group by group (pure; the defaults object is never mutated). */
export function resolveThresholds(overrides: ThresholdOverrides = {}): RuleThresholds {
  return {
    noise: { ...DEFAULT_THRESHOLDS.noise, ...overrides.noise },
    load: { ...DEFAULT_THRESHOLDS.load, ...overrides.load },
    change: { ...DEFAULT_THRESHOLDS.change, ...overrides.change },
    spike: { ...DEFAULT_THRESHOLDS.spike, ...overrides.spike },
  };
}

/**
 * Days before a week's Monday whose runs the evaluator needs: the longest lookback of any rule, rounded up
 * to whole weeks (35 with the defaults). The caller loads runs with local date in
 * [week.start − this, week.end] and nothing else.
 */
export function historyDaysNeeded(t: RuleThresholds): number {
  const days = Math.max(t.spike.lookbackDays, t.change.longRunLookbackDays, 7 * t.load.meanWeeks, 7 * t.change.cadenceReferenceWeeks);
  return Math.ceil(days / 7) * 7;
}
