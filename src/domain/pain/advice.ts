/**
 * What the app suggests after an amber or red run (reductions, in a fixed order), the
 * progression gate (only an all-green last 7 days allows adding load) and the clinician hint.
 * Pure; messages are plain words a runner understands. See docs/pain.md.
 */
import { addDays } from '../iso-week.js';
import { formatPace } from '../messages.js';
import type { Light } from './light.js';

export interface RunnerContext {
  /** the runner's usual pace (median of recent runs), s/km */
  usualPaceSPerKm?: number | null;
  /** the runner's own median descent per km over recent runs: routes below it are "flatter" */
  medianDescentPerKm?: number | null;
  /** this run's descent per km */
  runDescentPerKm?: number | null;
}

/** The three reductions, always in this order: slow down, avoid downhills, shorter runs. */
export function reductions(ctx: RunnerContext): string[] {
  const pace = ctx.usualPaceSPerKm;
  const slow =
    pace && pace > 0
      ? `Slow down: run about 10–20 % slower than your usual ${formatPace(pace)} (around ${formatPace(pace * 1.1)}–${formatPace(pace * 1.2)}), or run-walk, for example 4 minutes running and 1 minute walking.`
      : 'Slow down: run about 10–20 % slower than usual, or run-walk, for example 4 minutes running and 1 minute walking.';
  const flat = ctx.medianDescentPerKm;
  const hills =
    flat !== null && flat !== undefined
      ? `Avoid downhills and stairs: pick flatter routes, with less than ${flat.toFixed(1)} m of descent per km (your usual routes have about ${flat.toFixed(1)} m per km${
          ctx.runDescentPerKm != null ? `; this run had ${ctx.runDescentPerKm.toFixed(1)}` : ''
        }), or flat loops, until your runs are green again.`
      : 'Avoid downhills and stairs: pick flat routes or flat loops until your runs are green again.';
  const shorter = 'Make runs shorter, so they end before you tire; to keep your weekly amount, add an extra short run if your knee tolerates it.';
  return [slow, hills, shorter];
}

/** PAIN_RED: reduce now, all three reductions in order. */
export function painRedMessage(ctx: RunnerContext, reasons: readonly string[]): string {
  return `Your knee did not tolerate this run well (${describeReasons(reasons)}). Reduce your running now and do not add anything this week:\n${reductions(ctx)
    .map((r, i) => `${i + 1}. ${r}`)
    .join('\n')}`;
}

/** PAIN_AMBER: hold or reduce, with one reduction (downhills first when this run was hillier than usual). */
export function painAmberMessage(ctx: RunnerContext, reasons: readonly string[]): string {
  const [slow, hills] = reductions(ctx);
  const hillier = ctx.runDescentPerKm != null && ctx.medianDescentPerKm != null && ctx.runDescentPerKm > ctx.medianDescentPerKm;
  return `Your knee was a little bothered by this run (${describeReasons(reasons)}). Hold your running at this level or reduce it, and do not add anything this week. One thing to try: ${hillier ? hills : slow}`;
}

const REASON_WORDS: Record<string, string> = {
  pain_during: 'pain during the run',
  stopped_for_knee: 'you stopped or walked because of the knee',
  not_settled: 'the knee did not settle within 2 hours',
  morning_clearly_worse: 'the next morning was clearly worse',
  slow_to_settle: 'the knee took more than an hour to settle',
  morning_worse: 'the next morning was a bit worse',
};

function describeReasons(reasons: readonly string[]): string {
  const words = reasons.map((r) => REASON_WORDS[r] ?? r);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export interface GateRun {
  localDate: string;
  light: Light;
}

export interface ProgressionGate {
  /** every run of the 7 days is green (and there is at least one) */
  allGreen: boolean;
  /** runs of the 7 days with a light (not grey) */
  answered: number;
  reds: number;
  /** all green with at least 3 answered runs: one variable may be increased */
  readyToProgress: boolean;
  /** red twice or more in the 7 days */
  seeClinician: boolean;
}

export const GATE = { days: 7, minAnsweredRuns: 3, redsForClinician: 2 } as const;

/** The progression gate over the 7 days ending on `endDate` (inclusive). */
export function progressionGate(runs: readonly GateRun[], endDate: string): ProgressionGate {
  const from = addDays(endDate, -(GATE.days - 1));
  const inWindow = runs.filter((r) => r.localDate >= from && r.localDate <= endDate);
  const allGreen = inWindow.length > 0 && inWindow.every((r) => r.light === 'green');
  const answered = inWindow.filter((r) => r.light !== 'grey').length;
  const reds = inWindow.filter((r) => r.light === 'red').length;
  return { allGreen, answered, reds, readyToProgress: allGreen && answered >= GATE.minAnsweredRuns, seeClinician: reds >= GATE.redsForClinician };
}

export function readyToProgressMessage(answered: number): string {
  return (
    `All ${answered} runs of the last 7 days were green: no pain above 2/10, settled within an hour, and no worse the next morning. ` +
    'You may add one thing, and only one: first a little more distance (up to about 10 % more a week). ' +
    'Once that stays green, speed comes next, and hills last.'
  );
}

export function seeClinicianMessage(reds: number): string {
  return `Your knee has been red after ${reds} runs in the last 7 days. Please consider seeing a physiotherapist or doctor; also if you have pain at rest, at night, or swelling.`;
}

/** Appended to a load warning in a week that is not all green: no progression advice then. */
export const NOT_ALL_GREEN_NOTE = 'Your knee was not all green this week, so hold your running rather than adding anything.';
