/**
 * The pain traffic light (see docs/pain.md): per run, per day (worst run), per week (worst day),
 * and the green streak. Pure.
 *
 * Per run, first matching row wins, red first:
 * - red: pain during ≥ 6, stopped or walked because of the knee, not settled within 120 min, or the
 *   next morning clearly worse (2 points or more);
 * - grey: the post-run answers or the next-morning answers are missing (no light, no progression);
 * - amber: pain during 3–5, settled in 61–120 min, or the next morning worse (by 1 point);
 * - green: pain during ≤ 2, settled within 60 min and the next morning not worse.
 * A red finding is shown even when the rest is missing; missing answers are never read as zero.
 */
import { derivePain, type DerivedPain, type RunPainFacts } from './derived.js';

export type Light = 'green' | 'amber' | 'red' | 'grey';

export const PAIN_LIMITS = {
  /** pain during ≤ this is green */
  greenMaxDuring: 2,
  /** pain during ≥ this is red */
  redMinDuring: 6,
  greenMaxSettleMin: 60,
  amberMaxSettleMin: 120,
  /** a next-morning change of this many points is clearly worse (red) */
  clearlyWorsePoints: 2,
} as const;

/** Why a run got its light, in the order the rules checked them. */
export interface LightResult {
  light: Light;
  derived: DerivedPain;
  reasons: string[];
}

export function explainRunLight(f: RunPainFacts): LightResult {
  const d = derivePain(f);
  const red: string[] = [];
  if (d.painDuring !== null && d.painDuring >= PAIN_LIMITS.redMinDuring) red.push('pain_during');
  if (f.stoppedForKnee === true) red.push('stopped_for_knee');
  if (d.settleMinutes !== null && d.settleMinutes > PAIN_LIMITS.amberMaxSettleMin) red.push('not_settled');
  if (d.morningClearlyWorse === true) red.push('morning_clearly_worse');
  if (red.length) return { light: 'red', derived: d, reasons: red };

  const p1Missing = d.painDuring === null;
  const p2Missing = f.nextMorning == null && f.nextMorningVsYesterday == null;
  if (p1Missing || p2Missing) return { light: 'grey', derived: d, reasons: [p1Missing ? 'after_run_missing' : 'next_morning_missing'] };

  const amber: string[] = [];
  if (d.painDuring! > PAIN_LIMITS.greenMaxDuring) amber.push('pain_during');
  if (d.settleMinutes !== null && d.settleMinutes > PAIN_LIMITS.greenMaxSettleMin) amber.push('slow_to_settle');
  if (d.morningWorse === true) amber.push('morning_worse');
  if (amber.length) return { light: 'amber', derived: d, reasons: amber };
  // Green needs a known settle time: without it the seed rule cannot be checked.
  if (d.settleMinutes === null) return { light: 'grey', derived: d, reasons: ['settle_unknown'] };
  return { light: 'green', derived: d, reasons: [] };
}

export function runLight(f: RunPainFacts): Light {
  return explainRunLight(f).light;
}

const RANK: Record<Light, number> = { green: 0, grey: 1, amber: 2, red: 3 };

/** The worst of several lights (red > amber > grey > green); null for none. */
export function worstLight(lights: readonly Light[]): Light | null {
  let worst: Light | null = null;
  for (const l of lights) if (worst === null || RANK[l] > RANK[worst]) worst = l;
  return worst;
}

/** A day's light: its worst run. A day with an unanswered run is grey, never green. */
export const dayLight = worstLight;
/** A week's light: its worst day. */
export const weekLight = worstLight;

/** Consecutive green runs counting back from the latest (runs in time order, oldest first). */
export function greenStreak(lightsOldestFirst: readonly Light[]): number {
  let n = 0;
  for (let i = lightsOldestFirst.length - 1; i >= 0 && lightsOldestFirst[i] === 'green'; i--) n++;
  return n;
}

/** The lights of each local date, worst run per day. */
export function dayLights(runs: ReadonlyArray<{ localDate: string; light: Light }>): Map<string, Light> {
  const byDay = new Map<string, Light[]>();
  for (const r of runs) byDay.set(r.localDate, [...(byDay.get(r.localDate) ?? []), r.light]);
  return new Map([...byDay].map(([d, ls]) => [d, worstLight(ls)!]));
}
