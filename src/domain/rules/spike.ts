/**
 * R4 single-run spike (docs/rules.md "RUN_SPIKE — one run far longer than usual (evidence)"; Frandsen et al. 2025): a run longer than the longest run of the
 * previous 30 days. The best-supported load rule for runners, reported separately from R3.
 */
import { addDays } from '../iso-week.js';
import type { WeekRun } from '../week.js';
import { exceedsRatio } from './compare.js';
import type { Severity } from './load-progression.js';
import type { RuleThresholds } from './thresholds.js';

/** Frandsen 2025 bands of the spike over the 30-day longest run: >10–30 %, >30–100 %, >100 %. */
export type SpikeBand = '10-30' | '30-100' | '100+';

/** One run over the spike threshold (R4). */
export interface SpikeFinding {
  runId: string;
  localDate: string;
  distanceM: number;
  /** longest counted run in the lookback window before this run, m */
  lookbackLongestRunM: number;
  /** distanceM / lookbackLongestRunM (docs/rules.md "RUN_SPIKE — one run far longer than usual (evidence)", ratio) */
  ratio: number;
  band: SpikeBand;
  severity: Severity;
}

/**
 * For each run of `weekRuns` (counted runs of the week), `ratio = distance / max(distance of counted runs
 * that started earlier and whose local date is within the previous `lookbackDays` days)` — earlier runs of
 * the same day and of the same week count. No run in the window → no finding (docs/rules.md "RUN_SPIKE — one run far longer than usual (evidence)" needs history).
 * ratio > 1.10 → amber, band 10-30; > 1.30 → amber, band 30-100; > 2.00 → red, band 100+.
 * `earlierRuns` are counted runs before the week; they may include runs outside the window (ignored).
 */
export function findRunSpikes(weekRuns: readonly WeekRun[], earlierRuns: readonly WeekRun[], t: RuleThresholds): SpikeFinding[] {
  const s = t.spike;
  const all = [...earlierRuns, ...weekRuns].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const findings: SpikeFinding[] = [];
  const ordered = [...weekRuns].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  for (const run of ordered) {
    const from = addDays(run.localDate, -s.lookbackDays);
    const startMs = run.startTime.getTime();
    let longest = 0;
    for (const other of all) {
      if (other.startTime.getTime() >= startMs) break;
      if (other.id !== run.id && other.localDate >= from) longest = Math.max(longest, other.distanceM);
    }
    if (longest <= 0 || !exceedsRatio(run.distanceM, longest, s.amberAbove)) continue;
    const band: SpikeBand = exceedsRatio(run.distanceM, longest, s.redAbove) ? '100+' : exceedsRatio(run.distanceM, longest, s.band2Above) ? '30-100' : '10-30';
    findings.push({
      runId: run.id,
      localDate: run.localDate,
      distanceM: run.distanceM,
      lookbackLongestRunM: longest,
      ratio: run.distanceM / longest,
      band,
      severity: band === '100+' ? 'red' : 'amber',
    });
  }
  return findings;
}
