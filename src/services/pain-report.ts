import type { Db } from '../db/client.js';
import { loadReportRuns, loadReportWeeks } from '../db/queries/pain-report.js';
import { loadWeekLacking } from '../db/queries/weeks.js';
import { addDays } from '../domain/iso-week.js';
import { buildPainReport, LONGEST_RUN_WINDOW_DAYS, STANDOUT_WINDOW_DAYS, type PainReport, type PainReportRun } from '../domain/pain/report.js';
import { isCombinable, NOT_COMBINED_SOURCES, notCombinedNote, type LackingRun } from '../domain/retention.js';
import { ValidationError } from '../lib/errors.js';
import { listRunsWithLight } from './pain/lights.js';
import { requireRunner } from './runners.js';

export interface ReportRange {
  from?: string;
  to?: string;
}

/** Where the lights come from: counted runs of the runner in the range with their light (null = grey). */
export type LightSource = (
  deps: { db: Db },
  runnerId: string,
  range: ReportRange,
) => Promise<ReadonlyArray<{ activityId: string; light: 'green' | 'amber' | 'red' | null }>>;

/** The lights as the pain diary keeps them (the default light source). */
export const storedLights: LightSource = listRunsWithLight;

/** Runs this many days before `from` are read as history (days since the previous run, 30-day longest run, 28-day usual). */
const HISTORY_DAYS = Math.max(LONGEST_RUN_WINDOW_DAYS, STANDOUT_WINDOW_DAYS);

/**
 * The pain report of a runner over [from, to] (either end open): reads runs + metrics + weeks and the
 * runs' lights (from the pain diary), and hands them to the pure `buildPainReport`. Runs from sources
 * in NOT_COMBINED_SOURCES (Strava) are left out and counted in `excludedRuns`.
 * Unknown runner → 404; from after to → 422.
 */
/**
 * The report with what it left out: runs of sources whose data may not be combined with pain answers
 * (`excludedSources`, docs/platforms.md "Strava's API Policy"), how many of the range's runs that was,
 * and a plain note saying so (null when none was left out); `lacking`: the range's runs whose data
 * expired with their source's cache window and that nothing replaces.
 */
export type PainReportWithSources = PainReport & { excludedSources: string[]; excludedRuns: number; note: string | null; lacking: LackingRun[] };

export async function getPainReport(deps: { db: Db; lights?: LightSource }, runnerId: string, range: ReportRange = {}): Promise<PainReportWithSources> {
  const runner = await requireRunner(deps, runnerId);
  if (range.from && range.to && range.from > range.to) {
    throw new ValidationError(`query.from: ${range.from} is after to (${range.to})`, { issues: [{ path: 'query.from', message: 'after to' }] });
  }
  const historyFrom = range.from ? addDays(range.from, -HISTORY_DAYS) : undefined;
  const [rows, weekRows, lights, lacking] = await Promise.all([
    loadReportRuns(deps.db, runner.id, { from: historyFrom, to: range.to }),
    loadReportWeeks(deps.db, runner.id, range),
    (deps.lights ?? storedLights)({ db: deps.db }, runner.id, range),
    loadWeekLacking(deps.db, runner.id, range.from ?? '0001-01-01', range.to ?? '9999-12-31'),
  ]);
  const lightOf = new Map(lights.map((l) => [l.activityId, l.light]));
  // Runs and weeks both sorted by date: walk them together (date strings compare in calendar order).
  const weekList = [...weekRows].sort((a, b) => (a.startDate < b.startDate ? -1 : 1));
  let w = 0;
  const weekOf = (localDate: string) => {
    while (w < weekList.length && weekList[w]!.endDate < localDate) w++;
    const row = weekList[w];
    return row && row.startDate <= localDate ? { distanceChangePct: row.changePct.distanceM ?? null, changed: row.changed } : null;
  };
  const inRange = (d: string) => (!range.from || d >= range.from) && (!range.to || d <= range.to);
  const excludedRuns = rows.filter((r) => !isCombinable(r.source) && inRange(r.localDate!)).length;
  const runs: PainReportRun[] = rows
    .filter((r) => isCombinable(r.source))
    .map((r) => ({
      activityId: r.id,
      source: r.source,
      localDate: r.localDate!,
      startTime: r.startTime,
      light: lightOf.get(r.id) ?? null,
      distanceM: r.distanceM,
      movingTimeS: r.movingTimeS,
      paceSPerKm: r.avgPaceSPerKm,
      elevationLossM: r.elevationLossM,
      descentPerKm: r.descentPerKm,
      runCadenceSpm: r.runCadenceSpm,
      paceCvPct: r.paceCvPct,
      week: weekOf(r.localDate!),
    }));
  return {
    ...buildPainReport(runs, range),
    excludedSources: [...NOT_COMBINED_SOURCES],
    excludedRuns,
    note: notCombinedNote(excludedRuns, NOT_COMBINED_SOURCES),
    lacking,
  };
}
