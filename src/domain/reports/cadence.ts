/**
 * The cadence-trend report (docs/cadence.md): the goal's baseline, target, status, progress, trend and
 * next step, one row per run with its speed-matched cadence, time in band and pain light, weekly load
 * context and data-quality notes. Pure: the caller loads the goal, the runs and the pain answers.
 */
import { isCombinable } from '../retention.js';
import {
  activePause,
  adjustedCadence,
  bandFloorSpm,
  baselineWindow,
  cadenceStatus,
  cadenceTrend,
  CADENCE_GOAL,
  computeBaseline,
  exclusionReason,
  isOnTarget,
  nextStep,
  painFlagOf,
  progressPct,
  rollingMedian,
  STATUS_LABELS,
  targetSpmFor,
  timeInBandPct,
  type Baseline,
  type CadenceRun,
  type CadenceStatus,
  type ExclusionReason,
  type NextStep,
  type PainFlag,
  type RunPain,
} from '../cadence-goal.js';
import { histogramShareAtOrAbove } from '../cadence.js';
import { addDays, daysBetween, isoWeekOf } from '../iso-week.js';
import { median } from '../week.js';
import { csvCell } from '../csv.js';

/** A run with what the report shows besides cadence. */
export interface CadenceReportRun extends CadenceRun {
  source: string;
  cadenceFactor: number;
  distanceM: number;
  elevationLossM: number | null;
}

/** The stored goal; `baseline` is set once it is frozen (or was given with the goal). */
export interface CadenceGoalState {
  id: string;
  startDate: string;
  /** as asked; null = default 5 % or derived from targetSpm */
  targetPct: number | null;
  /** an explicit target, spm (a clinician's choice) */
  targetSpm: number | null;
  baseline: Baseline | null;
  /** a stored pause (from the pain answers), merged with the flags found in `pain` */
  pausedFlag?: PainFlag | null;
}

export interface CadenceReportInput {
  runnerId: string;
  /** the runner's local date today */
  asOf: string;
  /** runs listed (the goal's numbers use every run passed) */
  range: { from: string; to: string };
  goal: CadenceGoalState | null;
  /** counted runs from at least the baseline window's start (or range.from) to asOf, any order */
  runs: readonly CadenceReportRun[];
  pain?: ReadonlyMap<string, RunPain>;
  /** extra calf/knee flags not tied to a run in `runs` */
  flags?: readonly PainFlag[];
}

export interface CadenceReportRow {
  activityId: string;
  localDate: string;
  source: string;
  qualifies: boolean;
  excludedReason: ExclusionReason | null;
  runCadenceSpm: number | null;
  adjustedCadenceSpm: number | null;
  rollingMedianSpm: number | null;
  speedMps: number | null;
  paceSPerKm: number | null;
  runningTimeS: number;
  timeInBandPct: number | null;
  onTarget: boolean | null;
  sinceStart: boolean;
  cadenceSource: string;
  cadenceFactor: number;
  distanceM: number;
  elevationLossM: number | null;
  painLight: RunPain['light'];
  painDuring: number | null;
  calfPain: number | null;
}

export interface CadenceReportGoal {
  id: string;
  baselineSpm: number | null;
  targetSpm: number | null;
  targetPct: number | null;
  startDate: string;
  daysActive: number;
  status: CadenceStatus;
  statusLabel: string;
  progressPct: number | null;
  currentSpm: number | null;
  onTarget: boolean;
  trendSpmPerWeek: number | null;
  timeInBandPct: number | null;
  runsOnTarget: number;
  runsSinceStart: number;
  bandFloorSpm: number | null;
  baseline: {
    spm: number | null;
    speedMps: number | null;
    paceSPerKm: number | null;
    from: string;
    to: string;
    firstRunDate: string | null;
    lastRunDate: string | null;
    runs: number;
    slopeSpmPerMps: number | null;
    slopeSource: 'own' | 'default' | null;
    slopeReason: string | null;
    source: 'runs' | 'given' | null;
    frozen: boolean;
    collecting: { have: number; need: number; spreadDays: number; message: string } | null;
  };
  paused: PainFlag | null;
  nextStep: NextStep;
}

export interface CadenceReportWeek {
  week: string;
  start: string;
  distanceM: number;
  elevationLossM: number;
  runs: number;
}

export interface CadenceReport {
  runnerId: string;
  asOf: string;
  from: string;
  to: string;
  goal: CadenceReportGoal | null;
  runs: CadenceReportRow[];
  weeks: CadenceReportWeek[];
  dataQuality: {
    sources: { cadenceSource: string; cadenceFactor: number; runs: number }[];
    excluded: { reason: ExclusionReason; runs: number }[];
    notes: string[];
  };
}

const r1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);
const pace = (v: number | null): number | null => (v !== null && v > 0 ? Math.round((1000 / v) * 10) / 10 : null);

const EXCLUSION_WORDS: Record<ExclusionReason, string> = {
  no_cadence: 'no cadence recorded',
  summary_only: 'only a summary average (no cadence samples)',
  too_short: 'under 10 minutes of running with cadence',
  suspect_values: 'cadence outside 130–230 spm (suspect)',
  race_or_workout: 'race or workout',
  treadmill_without_cadence: 'treadmill without cadence',
};

const SOURCE_WORDS: Record<string, string> = {
  'fit-record': 'FIT records (strides/min ×2)',
  'fit-session': 'FIT session average (strides/min ×2)',
  'strava-stream': 'Strava cadence stream (×2)',
  'strava-summary': 'Strava average (×2)',
  'garmin-summary': 'Garmin summary (already steps/min)',
  none: 'no cadence',
};

/** Builds the report. Baseline: the goal's frozen one, else computed from `runs` (provisional). */
export function buildCadenceReport(input: CadenceReportInput): CadenceReport {
  const { asOf, range } = input;
  const runs = [...input.runs].sort((a, b) => (a.localDate < b.localDate ? -1 : a.localDate > b.localDate ? 1 : a.startTime.getTime() - b.startTime.getTime()));
  const pain = input.pain ?? new Map<string, RunPain>();
  const goal = input.goal;

  // Baseline and target.
  let baseline: Baseline | null = goal?.baseline ?? null;
  let collecting: CadenceReportGoal['baseline']['collecting'] = null;
  let window = goal ? baselineWindow(goal.startDate) : null;
  if (goal && !baseline) {
    const b = computeBaseline(runs, goal.startDate);
    if (b.ok) baseline = b.baseline;
    else collecting = { have: b.have, need: b.need, spreadDays: b.spreadDays, message: b.message };
  }
  if (baseline) window = { from: baseline.from, to: baseline.to };
  const targetSpm = goal ? (goal.targetSpm ?? (baseline ? targetSpmFor(baseline.spm, goal.targetPct ?? CADENCE_GOAL.defaultTargetPct) : null)) : null;
  const targetPct = goal
    ? goal.targetSpm !== null
      ? baseline
        ? r1(100 * (goal.targetSpm / baseline.spm - 1))
        : null
      : (goal.targetPct ?? CADENCE_GOAL.defaultTargetPct)
    : null;

  // Per-run values.
  const qualifying: { run: CadenceReportRun; adjusted: number }[] = [];
  const rows: CadenceReportRow[] = runs.map((run) => {
    const reason = exclusionReason(run);
    const adjusted = reason === null && baseline ? adjustedCadence(run.runCadenceSpm!, run.speedMps, baseline) : reason === null ? run.runCadenceSpm : null;
    if (adjusted !== null) qualifying.push({ run, adjusted });
    const p = pain.get(run.activityId);
    const combinable = isCombinable(run.source);
    const sinceStart = goal !== null && run.localDate >= goal.startDate;
    return {
      activityId: run.activityId,
      localDate: run.localDate,
      source: run.source,
      qualifies: reason === null,
      excludedReason: reason,
      runCadenceSpm: r1(run.runCadenceSpm),
      adjustedCadenceSpm: r1(adjusted),
      rollingMedianSpm: null,
      speedMps: r3(run.speedMps),
      paceSPerKm: pace(run.speedMps),
      runningTimeS: Math.round(run.runningTimeS),
      timeInBandPct:
        targetSpm !== null && reason === null && run.histogram ? r1(100 * (histogramShareAtOrAbove(run.histogram, bandFloorSpm(targetSpm)) ?? 0)) : null,
      onTarget: targetSpm !== null && adjusted !== null ? isOnTarget(adjusted, targetSpm) : null,
      sinceStart,
      cadenceSource: run.cadenceSource,
      cadenceFactor: run.cadenceFactor,
      distanceM: Math.round(run.distanceM * 10) / 10,
      elevationLossM: run.elevationLossM === null ? null : Math.round(run.elevationLossM * 10) / 10,
      // A Strava run's numbers are not set beside pain answers (docs/platforms.md, §5.4); its answers still pause the goal.
      painLight: combinable ? (p?.light ?? null) : null,
      painDuring: combinable ? (p?.painDuring ?? null) : null,
      calfPain: combinable ? (p?.calfPain ?? null) : null,
    };
  });
  const rolling = rollingMedian(qualifying.map((q) => q.adjusted));
  const rowById = new Map(rows.map((r) => [r.activityId, r]));
  qualifying.forEach((q, i) => (rowById.get(q.run.activityId)!.rollingMedianSpm = r1(rolling[i]!)));

  let reportGoal: CadenceReportGoal | null = null;
  if (goal) {
    const since = qualifying.filter((q) => q.run.localDate >= goal.startDate && q.run.localDate <= asOf);
    const currentAt = (n: number) => median(since.slice(Math.max(0, n - CADENCE_GOAL.currentRuns), n).map((q) => q.adjusted));
    const current = baseline && since.length > 0 ? currentAt(since.length) : null;
    const onTarget = baseline !== null && targetSpm !== null && isOnTarget(current, targetSpm);
    let wasOnTarget = false;
    if (baseline && targetSpm !== null) {
      for (let n = 1; n < since.length && !wasOnTarget; n++) wasOnTarget = isOnTarget(currentAt(n), targetSpm);
    }
    const progress = baseline && targetSpm !== null ? progressPct(current, baseline.spm, targetSpm) : null;
    const trend = baseline
      ? cadenceTrend(
          qualifying.map((q) => ({ localDate: q.run.localDate, adjustedSpm: q.adjusted })),
          asOf,
        )
      : null;
    const flags: PainFlag[] = [...(input.flags ?? [])];
    if (goal.pausedFlag) flags.push(goal.pausedFlag);
    for (const run of runs) {
      const f = painFlagOf(run.activityId, run.localDate, pain.get(run.activityId));
      if (f) flags.push(f);
    }
    const pause = activePause(flags, goal.startDate, asOf);
    const status = cadenceStatus({
      baselineReady: baseline !== null,
      paused: pause !== null,
      progressPct: progress,
      onTarget,
      wasOnTarget,
      trendSpmPerWeek: trend,
    });
    const weekAgo = addDays(asOf, -6);
    const lastWeek = since.filter((q) => q.run.localDate >= weekAgo);
    const greenFrom = addDays(asOf, -(CADENCE_GOAL.stepUpGreenDays - 1));
    const recentLights = runs.filter((r) => r.localDate >= greenFrom && r.localDate <= asOf).map((r) => pain.get(r.activityId)?.light ?? null);
    const daysActive = Math.max(0, daysBetween(goal.startDate, asOf));
    reportGoal = {
      id: goal.id,
      baselineSpm: baseline ? r1(baseline.spm) : null,
      targetSpm,
      targetPct,
      startDate: goal.startDate,
      daysActive,
      status,
      statusLabel: status === 'collecting_baseline' && collecting ? collecting.message : STATUS_LABELS[status],
      progressPct: r1(progress),
      currentSpm: r1(current),
      onTarget,
      trendSpmPerWeek: r1(trend),
      timeInBandPct:
        targetSpm !== null
          ? r1(
              timeInBandPct(
                lastWeek.map((q) => q.run.histogram),
                targetSpm,
              ),
            )
          : null,
      runsOnTarget: targetSpm !== null ? since.filter((q) => isOnTarget(q.adjusted, targetSpm)).length : 0,
      runsSinceStart: since.length,
      bandFloorSpm: targetSpm !== null ? r1(targetSpm * (1 - CADENCE_GOAL.bandBelowTarget)) : null,
      baseline: {
        spm: baseline ? r1(baseline.spm) : null,
        speedMps: baseline ? r3(baseline.speedMps) : null,
        paceSPerKm: baseline ? pace(baseline.speedMps) : null,
        from: window!.from,
        to: window!.to,
        firstRunDate: baseline?.firstRunDate ?? null,
        lastRunDate: baseline?.lastRunDate ?? null,
        runs: baseline?.runs ?? collecting?.have ?? 0,
        slopeSpmPerMps: baseline ? r3(baseline.slope.spmPerMps) : null,
        slopeSource: baseline?.slope.source ?? null,
        slopeReason: baseline?.slope.reason ?? null,
        source: baseline?.source ?? null,
        frozen: goal.baseline !== null,
        collecting,
      },
      paused: pause,
      nextStep: nextStep({
        status,
        baselineSpm: baseline?.spm ?? null,
        targetPct: targetPct ?? CADENCE_GOAL.defaultTargetPct,
        pause,
        recentLights,
        daysActive,
      }),
    };
  }

  const listed = rows.filter((r) => r.localDate >= range.from && r.localDate <= range.to);
  return {
    runnerId: input.runnerId,
    asOf,
    from: range.from,
    to: range.to,
    goal: reportGoal,
    runs: listed,
    weeks: weeklyLoad(runs, range),
    dataQuality: dataQuality(listed),
  };
}

function weeklyLoad(runs: readonly CadenceReportRun[], range: { from: string; to: string }): CadenceReportWeek[] {
  const weeks = new Map<string, CadenceReportWeek>();
  // runs are sorted by date: the ISO week is worked out once per week, not once per run
  let weekEnd = '';
  let current: CadenceReportWeek | null = null;
  for (const r of runs) {
    if (r.localDate < range.from || r.localDate > range.to) continue;
    if (current === null || r.localDate > weekEnd) {
      const w = isoWeekOf(r.localDate);
      weekEnd = w.end;
      current = weeks.get(w.week) ?? { week: w.week, start: w.start, distanceM: 0, elevationLossM: 0, runs: 0 };
    }
    const row = current;
    row.distanceM += r.distanceM;
    row.elevationLossM += r.elevationLossM ?? 0;
    row.runs += 1;
    weeks.set(row.week, row);
  }
  return [...weeks.values()]
    .sort((a, b) => a.start.localeCompare(b.start))
    .map((w) => ({ ...w, distanceM: Math.round(w.distanceM), elevationLossM: Math.round(w.elevationLossM) }));
}

function dataQuality(rows: readonly CadenceReportRow[]): CadenceReport['dataQuality'] {
  const sources = new Map<string, { cadenceSource: string; cadenceFactor: number; runs: number }>();
  const excluded = new Map<ExclusionReason, number>();
  for (const r of rows) {
    const key = `${r.cadenceSource}|${r.cadenceFactor}`;
    const s = sources.get(key) ?? { cadenceSource: r.cadenceSource, cadenceFactor: r.cadenceFactor, runs: 0 };
    s.runs += 1;
    sources.set(key, s);
    if (r.excludedReason) excluded.set(r.excludedReason, (excluded.get(r.excludedReason) ?? 0) + 1);
  }
  const notes = [
    ...[...sources.values()].map(
      (s) =>
        `${s.runs} run${s.runs === 1 ? '' : 's'}: ${SOURCE_WORDS[s.cadenceSource] ?? s.cadenceSource}${s.cadenceFactor === 2 ? ', normalised ×2 to steps/min' : s.cadenceSource === 'none' ? '' : ', no normalisation needed'}`,
    ),
    ...[...excluded.entries()].map(([reason, n]) => `${n} run${n === 1 ? '' : 's'} left out: ${EXCLUSION_WORDS[reason]}`),
  ];
  return {
    sources: [...sources.values()],
    excluded: [...excluded.entries()].map(([reason, runs]) => ({ reason, runs })),
    notes,
  };
}

/** Stable CSV columns, one row per run. */
export const CADENCE_CSV_COLUMNS = [
  'activityId',
  'localDate',
  'source',
  'qualifies',
  'excludedReason',
  'runCadenceSpm',
  'adjustedCadenceSpm',
  'rollingMedianSpm',
  'speedMps',
  'paceSPerKm',
  'runningTimeS',
  'timeInBandPct',
  'onTarget',
  'cadenceSource',
  'cadenceFactor',
  'distanceM',
  'elevationLossM',
  'painLight',
  'painDuring',
  'calfPain',
] as const satisfies readonly (keyof CadenceReportRow)[];

/** The report's runs as CSV (header + one line per run, CRLF-free). */
export function cadenceReportCsv(report: CadenceReport): string {
  const lines = [CADENCE_CSV_COLUMNS.join(',')];
  for (const r of report.runs) lines.push(CADENCE_CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}
