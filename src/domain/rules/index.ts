/**
 * Weekly rule evaluation (docs/rules.md "Rule numbers used in the code": R2 LOAD_JUMP, R3 MULTI_CHANGE, R4 RUN_SPIKE) for one ISO week.
 *
 * Incremental by design: the evaluator only looks at runs whose local date lies in
 * `evaluationWindow(week)` = [week start − 35 days, week end] (with default thresholds), so its cost does
 * not grow with the runner's total history. Runs outside that window are ignored if passed.
 * Pure: "now" enters as the runner's local date today (`localDateOf(now, null, profileTimeZone)`).
 */
import { addDays, daysBetween, type IsoWeek, isWeekComplete, parseIsoWeek, shiftIsoWeek } from '../iso-week.js';
import { insufficientHistoryMessage, type MessageContext } from '../messages.js';
import {
  aggregateRuns,
  averageWeekVariables,
  changePct,
  isCountedRun,
  median,
  type WeekChangePct,
  type WeekRun,
  type WeekVariables,
  weekVariables,
} from '../week.js';
import { assessLoadProgression, chooseLoadReference, type LoadBasis, type LoadRule } from './load-progression.js';
import { assessChanges, type ChangedVariable } from './one-change.js';
import { findRunSpikes } from './spike.js';
import { historyDaysNeeded, resolveThresholds, type RuleThresholds, type ThresholdOverrides } from './thresholds.js';
import { loadJumpWarning, multiChangeWarning, runSpikeWarning, type WeekWarning } from './warnings.js';

export type { WarningCode, WeekWarning } from './warnings.js';

/** `insufficient_history`: no earlier run or declared history, so no rule could run (docs/rules.md "Minimum data"). */
export type WeekStatus = 'ok' | 'insufficient_history';

/** What the caller loads for one week: the windowed runs and the runner's "today". */
export interface EvaluateWeekInput {
  /** '2026-W47' or an IsoWeek */
  week: IsoWeek | string;
  /** the runner's runs with local date in `evaluationWindow(week)`; noise runs may be included (ignored) */
  runs: readonly WeekRun[];
  /** the runner's date today in the profile time zone; the week is complete once this is after its Sunday */
  todayLocalDate: string;
  /** first local date the runner's history covers (earliest run or back-fill start); default: earliest run passed */
  historyStartDate?: string | null;
  /** start date of an active cadence goal (it counts as the gait change for its first 14 days, docs/rules.md "MULTI_CHANGE — one change at a time (seed)") */
  cadenceGoalStartDate?: string | null;
  thresholds?: ThresholdOverrides;
}

/** The reference R2 used this week (shown even without a warning, e.g. for the "km left" nudge). */
export interface LoadSummary {
  basis: LoadBasis;
  rule: LoadRule;
  referenceDistanceM: number;
  referenceMovingTimeS: number;
  referenceRuns: number;
  /** distance left this week before the limit is passed (docs/rules.md "LOAD_JUMP — weekly increase (seed)" week-to-date budget), m */
  remainingDistanceM: number;
}

/** docs/api.md "Week", plus the reasoning the caller may store or show. */
export interface WeekEvaluation {
  week: string;
  start: string;
  end: string;
  complete: boolean;
  status: WeekStatus;
  statusMessage: string | null;
  /** weeks before this one covered by history, counted up to the window length (5) */
  priorWeeksOfData: number;
  variables: WeekVariables;
  /** percent change vs the previous ISO week (0.1 % rounding; null when the previous value is 0) */
  changePct: WeekChangePct;
  changed: ChangedVariable[];
  frequencyRedistributed: boolean;
  load: LoadSummary | null;
  warnings: WeekWarning[];
}

/** Local-date range [from, to] of the runs `evaluateWeek` needs for `week` — the caller's DB query bounds. */
export function evaluationWindow(week: IsoWeek | string, thresholds: ThresholdOverrides = {}): { from: string; to: string } {
  const w = typeof week === 'string' ? parseIsoWeek(week) : week;
  return { from: addDays(w.start, -historyDaysNeeded(resolveThresholds(thresholds))), to: w.end };
}

function countPriorWeeks(week: IsoWeek, historyStart: string | null, windowWeeks: number): number {
  if (historyStart === null) return 0;
  let n = 0;
  for (let k = 1; k <= windowWeeks; k++) if (shiftIsoWeek(week, -k).end >= historyStart) n++;
  return n;
}

function priorWeeks(week: IsoWeek, count: number): IsoWeek[] {
  return Array.from({ length: count }, (_, i) => shiftIsoWeek(week, -(i + 1)));
}

/**
 * Evaluates one week: weekly variables (docs/rules.md "The training week"), change vs the previous week, the changed variables (docs/rules.md "MULTI_CHANGE — one change at a time (seed)"),
 * and the LOAD_JUMP / MULTI_CHANGE / RUN_SPIKE warnings with runner-facing messages. Re-run it after any
 * insert, update or delete in the window; a warning absent from the new result is resolved.
 * With no run and no declared history before the week: status 'insufficient_history' and no warnings.
 */
export function evaluateWeek(input: EvaluateWeekInput): WeekEvaluation {
  const t: RuleThresholds = resolveThresholds(input.thresholds);
  const week = typeof input.week === 'string' ? parseIsoWeek(input.week) : input.week;
  const from = addDays(week.start, -historyDaysNeeded(t));
  const windowWeeks = daysBetween(from, week.start) / 7;
  const complete = isWeekComplete(week, input.todayLocalDate);

  const counted = input.runs.filter((r) => r.localDate >= from && r.localDate <= week.end && isCountedRun(r, t.noise));
  const weekRuns = counted.filter((r) => r.localDate >= week.start);
  const earlier = counted.filter((r) => r.localDate < week.start);
  const variables = aggregateRuns(weekRuns);
  const previous = weekVariables(earlier, shiftIsoWeek(week, -1), t.noise);

  const earliestRun = earlier.reduce<string | null>((min, r) => (min === null || r.localDate < min ? r.localDate : min), null);
  const declared = input.historyStartDate ?? null;
  const historyStart = declared !== null && (earliestRun === null || declared < earliestRun) ? declared : earliestRun;
  const priorWeeksOfData = countPriorWeeks(week, historyStart, windowWeeks);

  const base = {
    week: week.week,
    start: week.start,
    end: week.end,
    complete,
    priorWeeksOfData,
    variables,
    changePct: changePct(previous, variables),
  };
  if (priorWeeksOfData === 0) {
    return {
      ...base,
      status: 'insufficient_history',
      statusMessage: insufficientHistoryMessage(),
      changed: [],
      frequencyRedistributed: false,
      load: null,
      warnings: [],
    };
  }

  const mean = averageWeekVariables(earlier, priorWeeks(week, Math.min(t.load.meanWeeks, priorWeeksOfData)), t.noise);
  const reference = chooseLoadReference(previous, mean, priorWeeksOfData, t);
  const load = assessLoadProgression(weekRuns, variables, reference, t);

  const cadenceWeeks = priorWeeks(week, t.change.cadenceReferenceWeeks);
  const cadenceReferenceSpm = median(
    earlier
      .filter((r) => r.cadenceQualifies && r.runCadenceSpm !== null && cadenceWeeks.some((w) => r.localDate >= w.start && r.localDate <= w.end))
      .map((r) => r.runCadenceSpm as number),
  );
  const lookbackFrom = addDays(week.start, -t.change.longRunLookbackDays);
  const lookbackRuns = earlier.filter((r) => r.localDate >= lookbackFrom);
  const lookbackLongestRunM = lookbackRuns.length > 0 ? Math.max(...lookbackRuns.map((r) => r.distanceM)) : null;
  const goal = input.cadenceGoalStartDate ?? null;
  const cadenceGoalActive = goal !== null && goal <= week.end && addDays(goal, t.change.cadenceGoalDays - 1) >= week.start;
  const changes = assessChanges({ current: variables, reference, cadenceReferenceSpm, lookbackLongestRunM, cadenceGoalActive }, t);
  const spikes = findRunSpikes(weekRuns, earlier, t);

  const provisional = priorWeeksOfData < t.load.minPriorWeeks;
  const ctx: MessageContext = { weekStart: week.start, weekToDate: !complete, provisional, priorWeeksOfData };
  // one builder per warning code (./warnings.ts), in the order LOAD_JUMP, MULTI_CHANGE, RUN_SPIKE
  const multiChange = multiChangeWarning(changes, ctx);
  const warnings: WeekWarning[] = [
    ...(load.jump ? [loadJumpWarning(load.jump, ctx)] : []),
    ...(multiChange ? [multiChange] : []),
    ...spikes.map((s) => runSpikeWarning(s, ctx)),
  ];

  return {
    ...base,
    status: 'ok',
    statusMessage: null,
    changed: changes.changed,
    frequencyRedistributed: changes.frequencyRedistributed,
    load: {
      basis: reference.basis,
      rule: reference.rule,
      referenceDistanceM: reference.variables.distanceM,
      referenceMovingTimeS: reference.variables.movingTimeS,
      referenceRuns: reference.variables.runs,
      remainingDistanceM: load.remainingDistanceM,
    },
    warnings,
  };
}

export { resolveThresholds, DEFAULT_THRESHOLDS, type RuleThresholds, type ThresholdOverrides } from './thresholds.js';
