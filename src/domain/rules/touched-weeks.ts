import { isoWeekOf, shiftIsoWeek } from '../iso-week.js';
import { DEFAULT_THRESHOLDS, historyDaysNeeded } from './thresholds.js';

/** Weeks after a run's own week whose evaluation can see it (35-day lookback → 5 weeks). */
const WEEKS_AFFECTED_AFTER = Math.ceil(historyDaysNeeded(DEFAULT_THRESHOLDS) / 7);

/**
 * The weeks a change on `localDate` can alter: its own week and every later week whose rules look
 * back over it (week-on-week change, the 4-week mean, the 30-day longest run, the cadence reference).
 * The inverse of `evaluationWindow`. Sorted, each week once; missing dates are skipped.
 */
export function weeksTouchedBy(localDates: ReadonlyArray<string | null | undefined>): string[] {
  const weeks = new Set<string>();
  for (const d of localDates) {
    if (!d) continue;
    const w = isoWeekOf(d);
    for (let k = 0; k <= WEEKS_AFFECTED_AFTER; k++) weeks.add(shiftIsoWeek(w, k).week);
  }
  return [...weeks].sort();
}
