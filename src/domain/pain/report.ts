/**
 * What preceded each flare-up: the link between a runner's pain lights and their run variables.
 * Pure: the caller hands over every counted run it has (with the run's light, derived variables and
 * its week's changes); runs outside [from, to] only serve as history. The method, thresholds and
 * wording are written up in docs/pain-report.md.
 *
 * - A flare-up is a run whose light is amber or red; it is compared with the green runs. Grey runs
 *   (unanswered) are in neither group.
 * - Per variable: group sizes, medians, the difference of the medians (flare-ups − green) and a
 *   two-sided Mann–Whitney test; `associated` when p < 0.05, `not enough data` below 4 runs in either
 *   group, `no clear link` otherwise. Sorted by strength (verdict, then p, then effect size).
 * - Per flare-up: the variables that stood out against the runner's own previous 28 days, and the
 *   weekly changes (one-change-at-a-time rule) of the run's week.
 * The words say that things "went together"; a comparison like this cannot say what caused what.
 */
/** Days since 1970-01-01 of a local date 'YYYY-MM-DD'; throws RangeError for anything else. */
function dayNumber(localDate: string): number {
  const y = Number(localDate.slice(0, 4));
  const m = Number(localDate.slice(5, 7));
  const d = Number(localDate.slice(8, 10));
  const ms = Date.UTC(y, m - 1, d);
  if (localDate.length !== 10 || localDate[4] !== '-' || localDate[7] !== '-' || new Date(ms).getUTCDate() !== d || new Date(ms).getUTCMonth() !== m - 1) {
    throw new RangeError(`not a calendar date: ${localDate}`);
  }
  return ms / 86_400_000;
}
import { mannWhitneyU, median, type MannWhitneyOptions } from './stats.js';

export type ReportLight = 'green' | 'amber' | 'red';

/** One counted run as the report needs it; SI units as stored. */
export interface PainReportRun {
  activityId: string;
  /** where the run came from (strava, garmin, upload), when known */
  source?: string;
  /** local date of the run's start, YYYY-MM-DD */
  localDate: string;
  /** start instant; orders runs within a day (null sorts first) */
  startTime?: Date | null;
  /** the run's traffic light; null = grey (not answered) */
  light: ReportLight | null;
  distanceM: number | null;
  movingTimeS: number | null;
  paceSPerKm: number | null;
  elevationLossM: number | null;
  descentPerKm: number | null;
  runCadenceSpm: number | null;
  /** pace variability, coefficient of variation in % */
  paceCvPct: number | null;
  /** the run's ISO week: its distance change % against the week before and the changed variables */
  week?: { distanceChangePct: number | null; changed: readonly string[] } | null;
}

export interface PainReportOptions {
  /** first local date reported (inclusive); earlier runs are history only */
  from?: string;
  /** last local date reported (inclusive) */
  to?: string;
  mannWhitney?: MannWhitneyOptions;
}

export type Verdict = 'associated' | 'no clear link' | 'not enough data';

export interface VariableComparison {
  name: VariableName;
  flareUps: { n: number; median: number | null };
  green: { n: number; median: number | null };
  /** median of flare-ups − median of green runs, in the variable's unit; null when a group is empty */
  difference: number | null;
  /** two-sided Mann–Whitney p; null with fewer than 4 runs in either group */
  pValue: number | null;
  verdict: Verdict;
}

export interface Standout {
  name: VariableName;
  value: number;
  /** median of the previous 28 days */
  usual: number;
  unit: string;
  text: string;
}

export interface FlareUp {
  activityId: string;
  /** where the run came from, when known */
  source?: string;
  localDate: string;
  light: 'amber' | 'red';
  standouts: Standout[];
  /** the changed variables of the run's week (weekly one-change-at-a-time rule) */
  weekChanges: string[];
}

export interface PainReport {
  runs: number;
  answered: number;
  lights: { green: number; amber: number; red: number; grey: number };
  variables: VariableComparison[];
  flareUps: FlareUp[];
}

/** Significance level of `associated`. */
export const ALPHA = 0.05;
/** Fewer runs than this in either group: `not enough data`. */
export const MIN_GROUP = 4;
/** Standouts compare with the runs of this many days before the run's date… */
export const STANDOUT_WINDOW_DAYS = 28;
/** …and need at least this many of them with a value. */
export const STANDOUT_MIN_HISTORY = 3;
/** The longest-run ratio looks back this many days (the single-run spike rule's window). */
export const LONGEST_RUN_WINDOW_DAYS = 30;

/**
 * When a run's value stands out against its previous 28 days (the "usual" is their median):
 * - `up`: above every earlier value in the window, at least `minRatio` × the usual and at least
 *   `minAbs` more than it;
 * - `down` (faster pace): below every earlier value, at most (2 − `minRatio`) × the usual and at least
 *   `minAbs` less;
 * - `either` (cadence): outside the window's range and more than (`minRatio` − 1) away from the usual.
 */
export interface StandoutRule {
  direction: 'up' | 'down' | 'either';
  minRatio: number;
  minAbs: number;
}

interface VariableDef {
  name: VariableName;
  label: string;
  unit: string;
  decimals: number;
  /** when a flare-up run's value counts as standing out; null = not judged per run */
  standout: StandoutRule | null;
}

export type VariableName =
  | 'distance'
  | 'movingTime'
  | 'pace'
  | 'elevationLoss'
  | 'descentPerKm'
  | 'cadence'
  | 'paceVariability'
  | 'daysSincePreviousRun'
  | 'weekDistanceChange'
  | 'longestRunRatio';

/** The variables of the report, in their display units (km, min, s/km, m, m/km, spm, %, days, %, ×). */
export const PAIN_REPORT_VARIABLES: readonly VariableDef[] = [
  { name: 'distance', label: 'distance', unit: 'km', decimals: 1, standout: { direction: 'up', minRatio: 1.25, minAbs: 1 } },
  { name: 'movingTime', label: 'moving time', unit: 'min', decimals: 0, standout: { direction: 'up', minRatio: 1.25, minAbs: 5 } },
  { name: 'pace', label: 'pace', unit: 's/km', decimals: 0, standout: { direction: 'down', minRatio: 1.05, minAbs: 5 } },
  { name: 'elevationLoss', label: 'descent', unit: 'm', decimals: 0, standout: { direction: 'up', minRatio: 1.5, minAbs: 20 } },
  { name: 'descentPerKm', label: 'descent per km', unit: 'm/km', decimals: 1, standout: { direction: 'up', minRatio: 1.5, minAbs: 2 } },
  { name: 'cadence', label: 'cadence', unit: 'spm', decimals: 0, standout: { direction: 'either', minRatio: 1.03, minAbs: 0 } },
  { name: 'paceVariability', label: 'pace variability', unit: '%', decimals: 1, standout: { direction: 'up', minRatio: 1.5, minAbs: 3 } },
  { name: 'daysSincePreviousRun', label: 'days since the previous run', unit: 'days', decimals: 1, standout: null },
  { name: 'weekDistanceChange', label: "the week's distance change", unit: '%', decimals: 0, standout: null },
  { name: 'longestRunRatio', label: 'longest-run ratio (30 days)', unit: '×', decimals: 2, standout: null },
];

const DEF_BY_NAME = new Map(PAIN_REPORT_VARIABLES.map((d) => [d.name, d]));

export function variableDef(name: VariableName): VariableDef {
  return DEF_BY_NAME.get(name)!;
}

type Values = Record<VariableName, number | null>;

interface Prepared {
  run: PainReportRun;
  /** days since 1970-01-01 of the local date */
  day: number;
  values: Values;
}

const finite = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

function roundOrNull(v: number | null, decimals: number): number | null {
  return v === null ? null : round(v, decimals);
}

/** Order runs by local date, then start instant, then id (stable for equal starts). */
function byTime(a: PainReportRun, b: PainReportRun): number {
  if (a.localDate !== b.localDate) return a.localDate < b.localDate ? -1 : 1;
  const ta = a.startTime?.getTime() ?? -Infinity;
  const tb = b.startTime?.getTime() ?? -Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.activityId < b.activityId ? -1 : a.activityId > b.activityId ? 1 : 0;
}

/**
 * Every run's variables in display units, including the two the report derives from the sorted list:
 * days since the previous run (same day = 0; none for the first run) and the distance over the longest
 * run that started earlier within the previous 30 days (none without such a run).
 */
function prepare(runs: readonly PainReportRun[]): Prepared[] {
  const sorted = [...runs].sort(byTime);
  const out: Prepared[] = [];
  const first = sorted[0]?.localDate;
  // day numbers relative to the first run: one calendar check per run, integer windows after that
  const days = sorted.map((r) => (first === undefined ? 0 : dayNumber(r.localDate) - dayNumber(first)));
  let windowStart = 0;
  for (let i = 0; i < sorted.length; i++) {
    const run = sorted[i]!;
    const from = days[i]! - LONGEST_RUN_WINDOW_DAYS;
    while (windowStart < i && days[windowStart]! < from) windowStart++;
    let longest = 0;
    for (let j = windowStart; j < i; j++) longest = Math.max(longest, finite(sorted[j]!.distanceM) ?? 0);
    const distanceM = finite(run.distanceM);
    const movingTimeS = finite(run.movingTimeS);
    out.push({
      run,
      day: days[i]!,
      values: {
        distance: distanceM === null ? null : distanceM / 1000,
        movingTime: movingTimeS === null ? null : movingTimeS / 60,
        pace: finite(run.paceSPerKm),
        elevationLoss: finite(run.elevationLossM),
        descentPerKm: finite(run.descentPerKm),
        cadence: finite(run.runCadenceSpm),
        paceVariability: finite(run.paceCvPct),
        daysSincePreviousRun: i === 0 ? null : days[i]! - days[i - 1]!,
        weekDistanceChange: finite(run.week?.distanceChangePct),
        longestRunRatio: distanceM !== null && longest > 0 ? distanceM / longest : null,
      },
    });
  }
  return out;
}

const inRange = (d: string, o: PainReportOptions) => (!o.from || d >= o.from) && (!o.to || d <= o.to);

const VERDICT_ORDER: Record<Verdict, number> = { associated: 0, 'no clear link': 1, 'not enough data': 2 };

function compare(def: VariableDef, flare: number[], green: number[], opts: PainReportOptions): VariableComparison & { effect: number } {
  const mf = median(flare);
  const mg = median(green);
  const base = {
    name: def.name,
    flareUps: { n: flare.length, median: roundOrNull(mf, def.decimals) },
    green: { n: green.length, median: roundOrNull(mg, def.decimals) },
    difference: mf === null || mg === null ? null : round(mf - mg, def.decimals),
  };
  if (flare.length < MIN_GROUP || green.length < MIN_GROUP) return { ...base, pValue: null, verdict: 'not enough data', effect: 0 };
  const test = mannWhitneyU(flare, green, opts.mannWhitney);
  const p = Number(test.pValue.toPrecision(3));
  // absolute rank-biserial correlation: 0 when the groups interleave, 1 when they do not overlap
  const effect = Math.abs(1 - (2 * test.u1) / (test.n1 * test.n2));
  return { ...base, pValue: p, verdict: test.pValue < ALPHA ? 'associated' : 'no clear link', effect };
}

function formatValue(def: VariableDef, v: number): string {
  if (def.name === 'pace') {
    const s = Math.round(v);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} /km`;
  }
  const num = v.toFixed(def.decimals);
  if (def.unit === 'days') {
    const n = String(round(v, def.decimals));
    return `${n} ${n === '1' ? 'day' : 'days'}`;
  }
  return def.unit === '%' || def.unit === '×' ? `${num}${def.unit === '%' ? ' %' : '×'}` : `${num} ${def.unit}`;
}

/** Whether `value` stood out against `history` (earlier values in the window) under `rule`. */
export function standsOut(rule: StandoutRule, value: number, history: readonly number[]): { usual: number } | null {
  if (history.length < STANDOUT_MIN_HISTORY) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of history) {
    if (h < lo) lo = h;
    if (h > hi) hi = h;
  }
  const above = value > hi;
  const below = value < lo;
  // inside the window's range never stands out: skip the median
  if (rule.direction === 'up' ? !above : rule.direction === 'down' ? !below : !above && !below) return null;
  const usual = median(history)!;
  const hit =
    rule.direction === 'up'
      ? value >= usual * rule.minRatio && value - usual >= rule.minAbs
      : rule.direction === 'down'
        ? value <= usual * (2 - rule.minRatio) && usual - value >= rule.minAbs
        : Math.abs(value - usual) > usual * (rule.minRatio - 1) && Math.abs(value - usual) >= rule.minAbs;
  return hit ? { usual } : null;
}

function standoutsOf(prepared: Prepared[], index: number): Standout[] {
  const { day, values } = prepared[index]!;
  const windowFrom = day - STANDOUT_WINDOW_DAYS;
  const earlier: Prepared[] = [];
  for (let j = index - 1; j >= 0; j--) {
    const p = prepared[j]!;
    if (p.day < windowFrom) break;
    if (p.day < day) earlier.push(p);
  }
  const out: Standout[] = [];
  for (const def of PAIN_REPORT_VARIABLES) {
    const value = values[def.name];
    if (!def.standout || value === null) continue;
    const history = earlier.map((p) => p.values[def.name]).filter((v): v is number => v !== null);
    const hit = standsOut(def.standout, value, history);
    if (!hit) continue;
    const v = round(value, def.decimals);
    const usual = round(hit.usual, def.decimals);
    out.push({
      name: def.name,
      value: v,
      usual,
      unit: def.unit,
      text: `${def.label} ${formatValue(def, value)}, your usual is ${formatValue(def, hit.usual)}`,
    });
  }
  return out;
}

/** The pain report over the runs in [from, to]; earlier runs in `runs` are history for the derived variables. */
export function buildPainReport(runs: readonly PainReportRun[], options: PainReportOptions = {}): PainReport {
  const prepared = prepare(runs);
  const lights = { green: 0, amber: 0, red: 0, grey: 0 };
  const reported: number[] = [];
  prepared.forEach((p, i) => {
    if (!inRange(p.run.localDate, options)) return;
    reported.push(i);
    lights[p.run.light ?? 'grey']++;
  });

  const variables = PAIN_REPORT_VARIABLES.map((def) => {
    const flare: number[] = [];
    const green: number[] = [];
    for (const i of reported) {
      const p = prepared[i]!;
      const v = p.values[def.name];
      if (v === null || p.run.light === null) continue;
      (p.run.light === 'green' ? green : flare).push(v);
    }
    return compare(def, flare, green, options);
  })
    .sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || (a.pValue ?? 2) - (b.pValue ?? 2) || b.effect - a.effect)
    .map(({ effect: _effect, ...v }) => v);

  const flareUps: FlareUp[] = [];
  for (const i of reported) {
    const { run } = prepared[i]!;
    if (run.light !== 'amber' && run.light !== 'red') continue;
    flareUps.push({
      activityId: run.activityId,
      ...(run.source ? { source: run.source } : {}),
      localDate: run.localDate,
      light: run.light,
      standouts: standoutsOf(prepared, i),
      weekChanges: [...(run.week?.changed ?? [])],
    });
  }

  return { runs: reported.length, answered: reported.length - lights.grey, lights, variables, flareUps };
}

/**
 * One sentence per variable for people: "went together with", never "caused" — a comparison of
 * a runner's own runs shows what happened together, not why.
 */
export function describeVariable(v: VariableComparison): string {
  const def = variableDef(v.name);
  if (v.verdict === 'not enough data') {
    return `Not enough data on ${def.label}: ${v.flareUps.n} flare-up and ${v.green.n} green runs (at least ${MIN_GROUP} of each are needed).`;
  }
  const medians = `median ${formatValue(def, v.flareUps.median!)} on flare-up runs vs ${formatValue(def, v.green.median!)} on green runs, p = ${v.pValue}`;
  if (v.verdict === 'associated') {
    const more =
      (v.difference ?? 0) === 0
        ? 'a different'
        : def.name === 'pace'
          ? (v.difference ?? 0) < 0
            ? 'a faster'
            : 'a slower'
          : (v.difference ?? 0) > 0
            ? 'a higher'
            : 'a lower';
    return `Flare-ups went together with ${more} ${def.label} (${medians}).`;
  }
  return `No clear link between ${def.label} and flare-ups (${medians}).`;
}

/** Plain words for the weekly changed-variable names. */
const WEEK_CHANGE_WORDS: Record<string, string> = {
  distanceM: 'more distance',
  movingTimeS: 'more running time',
  runs: 'more runs',
  longestRunM: 'a longer long run',
  avgPaceSPerKm: 'a faster pace',
  surges: 'more pace changes',
  elevationLossM: 'more descent',
  descentPerKmM: 'more descent per km',
  avgCadenceSpm: 'a cadence change',
  trailShare: 'more trail',
};

export function weekChangeWords(name: string): string {
  return WEEK_CHANGE_WORDS[name] ?? name;
}

/** One sentence per flare-up run for people. */
export function describeFlareUp(f: FlareUp): string {
  const parts: string[] = [];
  if (f.standouts.length) parts.push(`stood out against the previous ${STANDOUT_WINDOW_DAYS} days: ${f.standouts.map((s) => s.text).join(', ')}`);
  if (f.weekChanges.length) parts.push(`that week, compared with the week before: ${f.weekChanges.map(weekChangeWords).join(', ')}`);
  return `${f.localDate} (${f.light}): ${parts.length ? parts.join('; ') : `nothing stood out against the previous ${STANDOUT_WINDOW_DAYS} days`}.`;
}
