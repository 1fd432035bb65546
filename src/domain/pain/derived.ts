/**
 * Derived pain variables of one run (see docs/pain.md): how long the knee took to settle, how the
 * next morning compared with the morning before, and whether that morning was (clearly) worse.
 * Pure: everything arrives as plain facts. Missing answers stay null; nothing is imputed as zero.
 */

export type VsYesterday = 'better' | 'same' | 'worse';

/** What is known about one run's pain, from the prompts and/or the diary. */
export interface RunPainFacts {
  /** worst knee pain during the run, 0–10 (post-run question a) */
  duringRun: number | null;
  /** knee pain when answering the post-run prompt, 0–10 (question b) */
  painNow?: number | null;
  /** knee pain before the run started, 0–10 (question c, optional: the pre-run level) */
  painBefore?: number | null;
  /** minutes after the run's end at which the post-run prompt was answered */
  answeredAfterMin?: number | null;
  /** stopped or walked because of the knee */
  stoppedForKnee?: boolean | null;
  /** settle check at +60 min: true = back to the pre-run level, false = not yet */
  settledAt60?: boolean | null;
  /** settle check asked again at +120 min */
  settledAt120?: boolean | null;
  /** minutes until settled, as entered in the diary (wins over the prompt-derived value) */
  settledAfterMin?: number | null;
  /** knee pain/stiffness on getting up the morning after, 0–10 */
  nextMorning: number | null;
  /** the morning before's value (rest-day check or the previous next-morning answer), 0–10 */
  previousMorning?: number | null;
  nextMorningVsYesterday?: VsYesterday | null;
}

export interface DerivedPain {
  painDuring: number | null;
  /** minutes until back to the pre-run level; a lower bound (61, 121) when only "not yet" is known */
  settleMinutes: number | null;
  nextMorningChange: number | null;
  morningWorse: boolean | null;
  morningClearlyWorse: boolean | null;
}

const known = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/**
 * Minutes until the knee was back at its pre-run level:
 * - a diary value wins;
 * - ≤ 60 when "now" ≤ "before" at the post-run prompt (the answer time, capped at 60), or when the
 *   runner said "yes" at the 60-minute check; with no "before", a "now" of 0 counts as settled;
 * - 120 when "yes" came at the 120-minute check, 121 (more than 120) when it was still "not yet";
 * - 61 (at least) when the 60-minute check said "not yet" and nothing later is known;
 * - null when nothing is known.
 */
export function settleMinutes(f: RunPainFacts): number | null {
  if (known(f.settledAfterMin)) return f.settledAfterMin;
  if (f.settledAt120 === true) return 120;
  if (f.settledAt120 === false) return 121;
  if (f.settledAt60 === true) return 60;
  if (f.settledAt60 === false) return 61;
  if (known(f.painNow)) {
    const settled = known(f.painBefore) ? f.painNow <= f.painBefore : f.painNow === 0;
    if (settled) return Math.max(0, Math.min(60, Math.round(f.answeredAfterMin ?? 60)));
  }
  return null;
}

/** Next morning minus the morning before; without a number, the better/same/worse answer as −1/0/+1. */
export function nextMorningChange(f: RunPainFacts): number | null {
  if (known(f.nextMorning) && known(f.previousMorning)) return f.nextMorning - f.previousMorning;
  switch (f.nextMorningVsYesterday) {
    case 'worse':
      return 1;
    case 'same':
      return 0;
    case 'better':
      return -1;
    default:
      return null;
  }
}

export function derivePain(f: RunPainFacts): DerivedPain {
  const change = nextMorningChange(f);
  const worse = change === null && !known(f.nextMorningVsYesterday) ? null : (change ?? 0) >= 1 || f.nextMorningVsYesterday === 'worse';
  return {
    painDuring: f.duringRun ?? null,
    settleMinutes: settleMinutes(f),
    nextMorningChange: change,
    morningWorse: worse,
    morningClearlyWorse: change === null ? null : change >= 2,
  };
}

/** Whether the post-run prompt's answer calls for the 60-minute settle check ("now" above "before"). */
export function needsSettleCheck(a: { painNow?: number | null; painBefore?: number | null }): boolean {
  if (!known(a.painNow)) return false;
  return known(a.painBefore) ? a.painNow > a.painBefore : a.painNow > 0;
}
