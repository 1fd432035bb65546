/**
 * R2 load progression (docs/rules.md "LOAD_JUMP — weekly increase (seed)", "Minimum data"): warn LOAD_JUMP when the week's distance or
 * moving time rises more than 10 % over its reference week. Works on a complete week (the binding check)
 * and on a week-to-date (the early warning: raised by the first run that takes the week over the limit).
 */
import type { WeekRun, WeekVariables } from '../week.js';
import { fractionChange } from '../week.js';
import { increasedByMoreThan, increasedByMoreThanAmount } from './compare.js';
import type { RuleThresholds } from './thresholds.js';

/** Which week the current one is compared with. */
export type LoadBasis = 'previous_week' | 'four_week_mean';
/** `percent`: the +10 % rule; `absolute_cap`: docs/rules.md "Minimum data" "> 2 km or > 1 run" for a thin reference. */
export type LoadRule = 'percent' | 'absolute_cap';
/** Warning severity: amber = hold or reduce, red = reduce now (docs/pain.md "Warnings and advice" wording). */
export type Severity = 'amber' | 'red';

/** The week the current one is measured against, and which rule applies to it. */
export interface LoadReference {
  basis: LoadBasis;
  rule: LoadRule;
  /** the reference week's variables (the mean week when basis = four_week_mean) */
  variables: WeekVariables;
  /** allowed fractional increase under the percent rule (0.10, or 0 for the first week after a break) */
  allowedIncrease: number;
}

/**
 * Chooses the reference (docs/rules.md "Minimum data"): the previous week, unless it was below 50 % of the mean of the last
 * `meanWeeks` weeks of data (a break) — then that mean, capped at the mean itself. The percent rule needs
 * the reference to have ≥ 2 runs and ≥ 5 km; otherwise the absolute cap applies.
 * `mean` must average only weeks of data (weeks on or after the start of the runner's history).
 */
export function chooseLoadReference(previous: WeekVariables, mean: WeekVariables, priorWeeksOfData: number, t: RuleThresholds): LoadReference {
  const isBreak = priorWeeksOfData >= 2 && mean.distanceM > 0 && previous.distanceM < t.load.breakShareOfMean * mean.distanceM;
  const variables = isBreak ? mean : previous;
  const sufficient = variables.runs >= t.load.minReferenceRuns && variables.distanceM >= t.load.minReferenceDistanceM;
  return {
    basis: isBreak ? 'four_week_mean' : 'previous_week',
    rule: sufficient ? 'percent' : 'absolute_cap',
    variables,
    allowedIncrease: isBreak ? t.load.returnAfterBreakMaxIncrease : t.load.maxIncrease,
  };
}

/** Totals the load rule can find over the limit. */
export type LoadMetric = 'distanceM' | 'movingTimeS' | 'runs';

/** A LOAD_JUMP: the numbers behind it (m, s, fractions 0.10 = 10 %) and the run that tipped the week. */
export interface LoadJumpFinding {
  basis: LoadBasis;
  rule: LoadRule;
  severity: Severity;
  /** which totals went over the limit */
  exceeded: LoadMetric[];
  distanceM: number;
  referenceDistanceM: number;
  /** fractional change of distance vs the reference; null when the reference is 0 */
  distanceIncrease: number | null;
  movingTimeS: number;
  referenceMovingTimeS: number;
  movingTimeIncrease: number | null;
  runs: number;
  referenceRuns: number;
  allowedIncrease: number;
  /** first run (chronologically) after which the week's totals were over the limit */
  triggeredByRunId: string | null;
  triggeredOnDate: string | null;
}

/** Result of R2 for one week: the reference used, the distance budget left, and the jump if any. */
export interface LoadAssessment {
  reference: LoadReference;
  /** distance still allowed this week before the limit is passed, m (≥ 0) */
  remainingDistanceM: number;
  jump: LoadJumpFinding | null;
}

interface Totals {
  distanceM: number;
  movingTimeS: number;
  runs: number;
}

function exceededMetrics(cur: Totals, ref: LoadReference, t: RuleThresholds): LoadMetric[] {
  const r = ref.variables;
  if (ref.rule === 'absolute_cap') {
    const out: LoadMetric[] = [];
    if (increasedByMoreThanAmount(r.distanceM, cur.distanceM, t.load.absoluteCapDistanceM)) out.push('distanceM');
    if (increasedByMoreThanAmount(r.runs, cur.runs, t.load.absoluteCapRuns)) out.push('runs');
    return out;
  }
  const out: LoadMetric[] = [];
  if (increasedByMoreThan(r.distanceM, cur.distanceM, ref.allowedIncrease)) out.push('distanceM');
  if (r.movingTimeS > 0 && increasedByMoreThan(r.movingTimeS, cur.movingTimeS, ref.allowedIncrease)) {
    out.push('movingTimeS');
  }
  return out;
}

/**
 * R2: compares the week (or week-to-date) totals with the reference chosen by `chooseLoadReference`.
 * Percent rule: warn when distance or moving time rises by strictly more than the allowed fraction;
 * red when the larger exceeded rise is > 30 % [evidence], else amber. Absolute cap: amber when distance
 * exceeds the reference by > 2 km or runs by > 1 [heuristic].
 * `weekRuns` are the week's counted runs (any order); they locate the run that tipped the week over.
 */
export function assessLoadProgression(weekRuns: readonly WeekRun[], current: WeekVariables, reference: LoadReference, t: RuleThresholds): LoadAssessment {
  const ref = reference.variables;
  const limitM = reference.rule === 'percent' ? ref.distanceM * (1 + reference.allowedIncrease) : ref.distanceM + t.load.absoluteCapDistanceM;
  const remainingDistanceM = Math.max(0, limitM - current.distanceM);
  const exceeded = exceededMetrics(current, reference, t);
  if (exceeded.length === 0) return { reference, remainingDistanceM, jump: null };

  const ordered = [...weekRuns].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const sofar: Totals = { distanceM: 0, movingTimeS: 0, runs: 0 };
  let trigger: WeekRun | null = null;
  for (const run of ordered) {
    sofar.distanceM += run.distanceM;
    sofar.movingTimeS += run.movingTimeS;
    sofar.runs += 1;
    if (exceededMetrics(sofar, reference, t).length > 0) {
      trigger = run;
      break;
    }
  }

  const distanceIncrease = fractionChange(ref.distanceM, current.distanceM);
  const movingTimeIncrease = fractionChange(ref.movingTimeS, current.movingTimeS);
  const isRed =
    reference.rule === 'percent' &&
    ((exceeded.includes('distanceM') && increasedByMoreThan(ref.distanceM, current.distanceM, t.load.redAbove)) ||
      (exceeded.includes('movingTimeS') && increasedByMoreThan(ref.movingTimeS, current.movingTimeS, t.load.redAbove)));
  const severity: Severity = isRed ? 'red' : 'amber';

  return {
    reference,
    remainingDistanceM,
    jump: {
      basis: reference.basis,
      rule: reference.rule,
      severity,
      exceeded,
      distanceM: current.distanceM,
      referenceDistanceM: ref.distanceM,
      distanceIncrease,
      movingTimeS: current.movingTimeS,
      referenceMovingTimeS: ref.movingTimeS,
      movingTimeIncrease,
      runs: current.runs,
      referenceRuns: ref.runs,
      allowedIncrease: reference.allowedIncrease,
      triggeredByRunId: trigger?.id ?? null,
      triggeredOnDate: trigger?.localDate ?? null,
    },
  };
}
