/**
 * Runner-facing wording for the weekly warnings: plain words, the runner's own numbers, and one or two
 * suggestions from docs/pain.md "Warnings and advice" (slow down / run-walk, flatter routes, shorter runs, one change at a
 * time). Education-style guidance, never a diagnosis. Rounding: km to 0.1, percent to whole numbers
 * (0.1 when rounding would hide that a limit was passed, e.g. 10.1 % over a 10 % guide).
 */
import { isoWeekday } from './iso-week.js';
import type { LoadJumpFinding } from './rules/load-progression.js';
import type { ChangeAssessment, ChangedVariable } from './rules/one-change.js';
import type { SpikeFinding } from './rules/spike.js';

export interface MessageContext {
  /** Monday of the evaluated week, 'YYYY-MM-DD' */
  weekStart: string;
  /** true while the week is still running (week-to-date comparison) */
  weekToDate: boolean;
  provisional: boolean;
  /** complete weeks of history before this one (for the provisional note) */
  priorWeeksOfData: number;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '23.4 km' from metres. */
export function formatKm(m: number): string {
  return `${(m / 1000).toFixed(1)} km`;
}

/** Whole percent of a fraction ('17 %'); one decimal when the whole number would not exceed `limit`. */
export function formatPct(fraction: number, limit?: number): string {
  const whole = Math.round(fraction * 100);
  if (limit !== undefined && fraction > limit && whole <= Math.round(limit * 100)) {
    // Never print a number at or below the limit for a value above it (10.04 % → '10.1 %').
    const tenths = Math.max(Math.round(fraction * 1000), Math.round(limit * 1000) + 1);
    return `${(tenths / 10).toFixed(1)} %`;
  }
  return `${whole} %`;
}

/** '1 h 05 min' / '45 min' from seconds. */
export function formatDuration(s: number): string {
  const total = Math.round(s / 60);
  const h = Math.floor(total / 60);
  const min = total % 60;
  return h > 0 ? `${h} h ${String(min).padStart(2, '0')} min` : `${min} min`;
}

/** '5:05 /km' from s/km. */
export function formatPace(sPerKm: number): string {
  const s = Math.round(sPerKm);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} /km`;
}

/** 'Saturday 21 Nov' from a local date. */
export function formatDay(localDate: string): string {
  const [, m, d] = localDate.split('-').map(Number);
  return `${WEEKDAYS[isoWeekday(localDate) - 1]} ${d} ${MONTHS[(m ?? 1) - 1]}`;
}

function provisionalNote(ctx: MessageContext): string {
  if (!ctx.provisional) return '';
  const n = ctx.priorWeeksOfData;
  const have = n <= 0 ? 'less than a week' : n === 1 ? 'one week' : `${n} weeks`;
  return ` (Provisional: we only have ${have} of your running history so far.)`;
}

const SLOWER = 'a slower pace (10–20 % slower, or run-walk such as 4 min run / 1 min walk)';

/** LOAD_JUMP (R2): what happened, the guide, and one way to hold or reduce load. */
export function loadJumpMessage(f: LoadJumpFinding, ctx: MessageContext): string {
  const soFar = ctx.weekToDate ? ' so far' : '';
  const subject = ctx.weekToDate ? "This week you've run" : `In the week of ${formatDay(ctx.weekStart)} you ran`;
  const prev = ctx.weekToDate ? "last week's" : "the previous week's";
  const limit = f.allowedIncrease;

  if (f.rule === 'absolute_cap') {
    const runs = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(1)} run${n === 1 ? '' : 's'}`;
    const refWord = f.basis === 'four_week_mean' ? 'your recent weekly average was' : ctx.weekToDate ? 'last week was' : 'the week before was';
    return (
      `${subject} ${formatKm(f.distanceM)} in ${runs(f.runs)}${soFar}; ${refWord} ${formatKm(f.referenceDistanceM)} ` +
      `in ${runs(f.referenceRuns)}. While your weekly running is still low, add at most about 2 km or one extra run ` +
      `a week — consider keeping your next runs short and easy.${provisionalNote(ctx)}`
    );
  }

  const distUp = f.exceeded.includes('distanceM') && f.distanceIncrease !== null;
  const timeUp = f.exceeded.includes('movingTimeS') && f.movingTimeIncrease !== null;
  let what: string;
  if (f.basis === 'four_week_mean') {
    what = distUp
      ? `${subject} ${formatKm(f.distanceM)}${soFar}, ${formatPct(f.distanceIncrease ?? 0, limit)} more than your recent average of ${formatKm(f.referenceDistanceM)} a week`
      : `${subject} for ${formatDuration(f.movingTimeS)}${soFar}, ${formatPct(f.movingTimeIncrease ?? 0, limit)} more than your recent average of ${formatDuration(f.referenceMovingTimeS)} a week`;
  } else if (distUp) {
    what = `${subject} ${formatKm(f.distanceM)}${soFar}, ${formatPct(f.distanceIncrease ?? 0, limit)} more than ${prev} ${formatKm(f.referenceDistanceM)}`;
    // Time only adds information when it rose clearly more than distance (slower running, run-walk).
    if (timeUp && (f.movingTimeIncrease ?? 0) - (f.distanceIncrease ?? 0) >= 0.05) {
      what += ` (and ${formatPct(f.movingTimeIncrease ?? 0, limit)} more running time)`;
    }
  } else {
    what = `${subject} for ${formatDuration(f.movingTimeS)}${soFar}, ${formatPct(f.movingTimeIncrease ?? 0, limit)} more time than ${prev} ${formatDuration(f.referenceMovingTimeS)}`;
  }

  const guide =
    f.basis === 'four_week_mean'
      ? limit > 0
        ? `After a lighter week, the guide is to come back no more than about ${formatPct(limit)} above your usual week`
        : 'After a lighter week, the guide is to come back at about your usual weekly amount, not more'
      : `Your physio's guide is about ${formatPct(limit)} a week`;
  const advice = ctx.weekToDate
    ? f.triggeredOnDate
      ? `your run on ${formatDay(f.triggeredOnDate)} took you over it, so consider making the rest of this week's runs shorter and easy, or resting`
      : "consider making the rest of this week's runs shorter and easy, or resting"
    : f.severity === 'red'
      ? 'next week, consider stepping back towards your usual amount rather than building on this one'
      : 'next week, consider holding at or below this amount rather than adding more';
  const red = f.severity === 'red' ? ` That is a big jump: if your knee is sore, cut back with shorter runs, ${SLOWER}, and flatter routes.` : '';
  return `${what}. ${guide} — ${advice}.${red}${provisionalNote(ctx)}`;
}

function phrase(v: ChangedVariable, a: ChangeAssessment): string | null {
  const d = a.details[v];
  const b = d?.before ?? null;
  const n = d?.after ?? null;
  switch (v) {
    case 'distanceM':
      return b !== null && n !== null ? `more distance (${formatKm(b)} → ${formatKm(n)}${overRuns(a)})` : 'more distance';
    case 'movingTimeS':
      return b !== null && n !== null ? `more running time (${formatDuration(b)} → ${formatDuration(n)}${overRuns(a)})` : 'more running time';
    case 'runs':
      // Frequency is part of the volume change; it is said inside the distance/time phrase when there is one.
      return a.changed.includes('distanceM') || a.changed.includes('movingTimeS') ? null : 'more runs';
    case 'longestRunM':
      return null;
    case 'avgPaceSPerKm':
      return b !== null && n !== null ? `a faster pace (${formatPace(b)} → ${formatPace(n)})` : 'a faster pace';
    case 'surges':
      return 'more surges and speed changes';
    case 'elevationLossM':
      return b !== null && n !== null ? `more downhill running (${Math.round(b)} m → ${Math.round(n)} m of descent)` : 'more downhill running';
    case 'descentPerKmM':
      return 'hillier routes';
    case 'avgCadenceSpm':
      if (a.gaitGoal) return 'your new step-rate goal (it counts as a change for its first 2 weeks)';
      return b !== null && n !== null ? `a different step rate (${Math.round(b)} → ${Math.round(n)} steps/min)` : 'a different step rate';
    case 'trailShare':
      return 'more trail running';
  }
}

function overRuns(a: ChangeAssessment): string {
  const r = a.details.runs;
  if (!r || r.before === null || r.after === null) return '';
  const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return `, in ${fmt(r.after)} runs instead of ${fmt(r.before)}`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** MULTI_CHANGE (R3): which things changed together, and the one-change-at-a-time advice. */
export function multiChangeMessage(a: ChangeAssessment, ctx: MessageContext): string {
  const items = a.changed.map((v) => phrase(v, a)).filter((p): p is string => p !== null);
  const subject = ctx.weekToDate ? "This week you've changed" : `In the week of ${formatDay(ctx.weekStart)} you changed`;
  return (
    `${subject} ${a.groups.length} things at once: ${joinList(items)}. While your knee settles, change one thing ` +
    'at a time so you can see how it reacts — keep the others as they were. A good order is distance first, ' +
    `then speed, then hills.${provisionalNote(ctx)}`
  );
}

/** RUN_SPIKE (R4): the run, how much longer it was than the 30-day longest, and what to do. */
export function runSpikeMessage(f: SpikeFinding, ctx: MessageContext): string {
  const how =
    f.band === '100+'
      ? `more than double your longest run in the previous 30 days (${formatKm(f.lookbackLongestRunM)})`
      : `${formatPct(f.ratio - 1, 0.1)} longer than your longest run in the previous 30 days (${formatKm(f.lookbackLongestRunM)})`;
  const advice =
    f.severity === 'red'
      ? ` If your knee is sore afterwards, cut back for a few days: shorter runs, ${SLOWER}, and flatter routes.`
      : ' Keep your longest run within about 10 % of your recent longest; if you want more distance, add it as an extra short run instead.';
  return `Your run on ${formatDay(f.localDate)} (${formatKm(f.distanceM)}) was ${how}. Single runs that jump past your recent longest are the clearest load risk we know of.${advice}${provisionalNote(ctx)}`;
}

/** Status text when there is no earlier week to compare with. */
export function insufficientHistoryMessage(): string {
  return (
    "We don't have enough of your running history yet to compare weeks, so this week has no load checks. " +
    'They start once we can see at least one earlier week of runs.'
  );
}
