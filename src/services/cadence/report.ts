import type { Db } from '../../db/client.js';
import { findActiveGoal, loadCadenceRunsWithPain } from '../../db/queries/cadence.js';
import { baselineWindow, CADENCE_GOAL } from '../../domain/cadence-goal.js';
import { addDays, localDateOf } from '../../domain/iso-week.js';
import { buildCadenceReport, type CadenceReport } from '../../domain/reports/cadence.js';
import { ValidationError } from '../../lib/errors.js';
import { requireRunner } from '../runners.js';
import { freezeBaselineIfDue, goalState, recordPause } from './goal.js';

export interface CadenceReportRange {
  from?: string | undefined;
  to?: string | undefined;
}

/** Without a goal the report lists this many days up to today. */
const DEFAULT_DAYS_WITHOUT_GOAL = 90;

/**
 * The cadence report of a runner: loads the active goal (freezing its baseline once due), the counted
 * runs the numbers need (baseline window, last 28 days, the asked range) with their pain, and hands
 * them to the pure `buildCadenceReport`. Default range: from the baseline window's start (or 90 days
 * back without a goal) to today.
 */
export async function getCadenceReport(deps: { db: Db; now: () => Date }, runnerId: string, range: CadenceReportRange = {}): Promise<CadenceReport> {
  const runner = await requireRunner(deps, runnerId);
  const asOf = localDateOf(deps.now(), null, runner.timezone);
  let row = await findActiveGoal(deps.db, runner.id);
  if (row) row = await freezeBaselineIfDue(deps, row, asOf);
  const to = range.to ?? asOf;
  const from = range.from ?? (row ? baselineWindow(row.startDate).from : addDays(to, -(DEFAULT_DAYS_WITHOUT_GOAL - 1)));
  if (from > to) throw new ValidationError(`query.from: must not be after to (${to})`, { issues: [{ path: 'query.from', message: 'after to' }] });

  const needed = [from, addDays(asOf, -(CADENCE_GOAL.trendDays - 1)), ...(row ? [baselineWindow(row.startDate).from] : [])];
  const loadFrom = needed.reduce((a, b) => (a < b ? a : b));
  const loadTo = to > asOf ? to : asOf;
  // the runs and their pain answers in one read (the report's main cost on a long history)
  const { runs, pain } = await loadCadenceRunsWithPain(deps.db, runner.id, loadFrom, loadTo);
  const report = buildCadenceReport({ runnerId: runner.id, asOf, range: { from, to }, goal: row ? goalState(row) : null, runs, pain });
  if (row && report.goal) await recordPause(deps, row, report.goal.paused);
  return report;
}
