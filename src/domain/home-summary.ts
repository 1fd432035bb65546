import { addDays, isoWeekOf } from './iso-week.js';

/**
 * The home page's "this week vs last week" figures (pure): totals of the counted runs of two
 * Monday–Sunday weeks in the runner's own calendar, and the worst pain light of each week.
 */

export type Light = 'green' | 'amber' | 'red' | 'grey';

export interface SummaryRun {
  localDate: string;
  distanceM: number | null;
  movingTimeS: number | null;
  elevationLossM: number | null;
  /** the run's pain light; grey when unanswered */
  light?: Light | null;
}

export interface WeekTotals {
  week: string;
  start: string;
  end: string;
  distanceM: number;
  movingTimeS: number;
  elevationLossM: number;
  runs: number;
  /** worst light of the week's answered runs (red > amber > green); grey when none answered */
  light: Light;
}

const SEVERITY: Record<Light, number> = { grey: 0, green: 1, amber: 2, red: 3 };

export function worstLight(lights: ReadonlyArray<Light | null | undefined>): Light {
  let worst: Light = 'grey';
  for (const l of lights) if (l && SEVERITY[l] > SEVERITY[worst]) worst = l;
  return worst;
}

export function weekTotals(runs: readonly SummaryRun[], anyDateInWeek: string): WeekTotals {
  const w = isoWeekOf(anyDateInWeek);
  const mine = runs.filter((r) => r.localDate >= w.start && r.localDate <= w.end);
  return {
    week: w.week,
    start: w.start,
    end: w.end,
    distanceM: mine.reduce((s, r) => s + (r.distanceM ?? 0), 0),
    movingTimeS: mine.reduce((s, r) => s + (r.movingTimeS ?? 0), 0),
    elevationLossM: mine.reduce((s, r) => s + (r.elevationLossM ?? 0), 0),
    runs: mine.length,
    light: worstLight(mine.map((r) => r.light)),
  };
}

/** This week (containing `today`) and the week before, from runs covering both. */
export function thisWeekVsLast(runs: readonly SummaryRun[], today: string): { thisWeek: WeekTotals; lastWeek: WeekTotals } {
  return { thisWeek: weekTotals(runs, today), lastWeek: weekTotals(runs, addDays(isoWeekOf(today).start, -7)) };
}

/** Monday of last week: the first date the home page needs runs from. */
export function summaryFrom(today: string): string {
  return addDays(isoWeekOf(today).start, -7);
}
