/**
 * Which ready activities count toward running load, and why the others do not (docs/ingestion.md,
 * "Noise runs"). Runs under 1 km or under 5 minutes of moving time, and manual entries without a
 * distance, stay visible in the diary but are not counted: they add nothing to load, start no
 * history and trigger nothing runner-facing. Cross-source duplicates are settled separately and get
 * the reason `duplicate`.
 */
import { DEFAULT_THRESHOLDS, type RuleThresholds } from './rules/thresholds.js';

/** `expired`: a counted run whose data its source's cache window removed (docs/platforms.md "Strava's API Policy"). */
export const EXCLUDED_REASONS = ['not_a_run', 'manual_no_distance', 'noise_short', 'noise_brief', 'duplicate', 'expired'] as const;
export type ExcludedReason = (typeof EXCLUDED_REASONS)[number];

export interface CountingInput {
  isRun: boolean;
  /** entered by hand (Strava `manual`), not recorded by a device */
  manual: boolean;
  distanceM: number | null;
  movingTimeS: number | null;
}

export interface CountingDecision {
  countedInLoad: boolean;
  excludedReason: ExcludedReason | null;
}

/**
 * The first reason that applies, in this order: not a run; manual without distance; under the
 * minimum distance (`noise_short`); under the minimum moving time (`noise_brief`). Counted otherwise.
 */
export function countingDecision(input: CountingInput, noise: RuleThresholds['noise'] = DEFAULT_THRESHOLDS.noise): CountingDecision {
  const distance = input.distanceM !== null && Number.isFinite(input.distanceM) ? input.distanceM : 0;
  const moving = input.movingTimeS !== null && Number.isFinite(input.movingTimeS) ? input.movingTimeS : 0;
  let reason: ExcludedReason | null = null;
  if (!input.isRun) reason = 'not_a_run';
  else if (input.manual && distance <= 0) reason = 'manual_no_distance';
  else if (distance < noise.minDistanceM) reason = 'noise_short';
  else if (moving < noise.minMovingTimeS) reason = 'noise_brief';
  return { countedInLoad: reason === null, excludedReason: reason };
}

/** Reasons that a later dedupe decision may replace: only countable runs take part in dedupe. */
export function takesPartInDedupe(reason: ExcludedReason | null): boolean {
  return reason === null || reason === 'duplicate';
}
