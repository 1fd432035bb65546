/**
 * Duplicates (docs/metrics.md "Which activities count"; docs/ingestion.md "Duplicates"): a Garmin watch
 * that auto-uploads to Strava makes the same run arrive twice. Two runs are the same when their starts
 * are within ±120 s and their distances within 5 %; or when one is a re-saved copy whose start was
 * shifted by whole hours (an exporter writing local time as UTC): see isTimeShiftedCopy. The richest
 * copy is counted, the others point at it.
 */

export const DUPLICATE_START_WINDOW_S = 120;
export const DUPLICATE_DISTANCE_TOLERANCE = 0.05;
/** Largest whole-hour shift between two copies of one run (the widest UTC offsets are ±14 h). */
export const SHIFT_MAX_HOURS = 14;
/** A shifted copy must match much more tightly than a cross-source copy [heuristic]. */
export const SHIFT_DISTANCE_TOLERANCE = 0.005;
export const SHIFT_MOVING_TIME_TOLERANCE = 0.01;
/** How far apart two starts can be for isSameRun to consider them (the widest rule's reach), s. */
export const DUPLICATE_SEARCH_WINDOW_S = SHIFT_MAX_HOURS * 3600 + DUPLICATE_START_WINDOW_S;

export interface DedupeCandidate {
  id: string;
  source: 'garmin' | 'upload' | 'strava';
  startTime: Date;
  distanceM: number;
  /** moving time, s (null when unknown: the whole-hour shift rule then does not apply) */
  movingTimeS?: number | null;
  /** the activity's own offset from UTC, s (local − UTC); null when unknown */
  utcOffsetS?: number | null;
  /** has per-sample data (records/streams) rather than summary values only */
  hasSamples: boolean;
  createdAt: Date;
}

type SameRunFields = Pick<DedupeCandidate, 'startTime' | 'distanceM' | 'movingTimeS' | 'utcOffsetS'>;

function relativeDifference(a: number, b: number): number {
  const larger = Math.max(Math.abs(a), Math.abs(b));
  return larger === 0 ? 0 : Math.abs(a - b) / larger;
}

/** Same run from two sources: start within ±120 s and distance within 5 % of the longer one. */
export function isNearCopy(a: SameRunFields, b: SameRunFields): boolean {
  const dtS = Math.abs(a.startTime.getTime() - b.startTime.getTime()) / 1000;
  if (dtS > DUPLICATE_START_WINDOW_S) return false;
  const longer = Math.max(a.distanceM, b.distanceM);
  if (longer <= 0) return a.distanceM === b.distanceM;
  return Math.abs(a.distanceM - b.distanceM) / longer <= DUPLICATE_DISTANCE_TOLERANCE;
}

/**
 * The same run re-saved with its start shifted by whole hours: starts differ by k hours (1 ≤ k ≤ 14)
 * within ±120 s, distances within 0.5 %, moving times within 1 %, and, when both copies know their
 * local offset, the same local wall-clock start within ±120 s. Two real runs k hours apart with the same
 * distance and duration to the half-percent would start at different local times, which is what the
 * last condition rules out; without offsets the tight distance and time match decides.
 */
export function isTimeShiftedCopy(a: SameRunFields, b: SameRunFields): boolean {
  const dtS = Math.abs(a.startTime.getTime() - b.startTime.getTime()) / 1000;
  const hours = Math.round(dtS / 3600);
  if (hours < 1 || hours > SHIFT_MAX_HOURS || Math.abs(dtS - hours * 3600) > DUPLICATE_START_WINDOW_S) return false;
  if (!(a.distanceM > 0 && b.distanceM > 0) || relativeDifference(a.distanceM, b.distanceM) > SHIFT_DISTANCE_TOLERANCE) return false;
  const ma = a.movingTimeS ?? null;
  const mb = b.movingTimeS ?? null;
  if (ma === null || mb === null || !(ma > 0 && mb > 0) || relativeDifference(ma, mb) > SHIFT_MOVING_TIME_TOLERANCE) return false;
  const oa = a.utcOffsetS ?? null;
  const ob = b.utcOffsetS ?? null;
  if (oa !== null && ob !== null) {
    const localA = a.startTime.getTime() / 1000 + oa;
    const localB = b.startTime.getTime() / 1000 + ob;
    if (Math.abs(localA - localB) > DUPLICATE_START_WINDOW_S) return false;
  }
  return true;
}

/** Two activities are one run: a near copy (cross-source) or a whole-hour time-shifted copy. */
export function isSameRun(a: SameRunFields, b: SameRunFields): boolean {
  return isNearCopy(a, b) || isTimeShiftedCopy(a, b);
}

/** FIT-based copies carry descent and fractional cadence; Strava summaries carry neither. */
const SOURCE_RANK: Record<DedupeCandidate['source'], number> = { garmin: 0, upload: 1, strava: 2 };

/**
 * The copy to count among runs that are the same: Garmin, then a FIT upload, then Strava; with
 * samples before summary-only; then the earliest received (stable under re-evaluation).
 */
export function pickCountedCopy<T extends DedupeCandidate>(copies: readonly T[]): T {
  if (copies.length === 0) throw new Error('pickCountedCopy needs at least one copy');
  return [...copies].sort(
    (a, b) =>
      SOURCE_RANK[a.source] - SOURCE_RANK[b.source] ||
      Number(b.hasSamples) - Number(a.hasSamples) ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      a.id.localeCompare(b.id),
  )[0]!;
}

/** All copies connected to `seed` by isSameRun (transitively), including `seed`. */
export function duplicateGroup<T extends DedupeCandidate>(seed: T, others: readonly T[]): T[] {
  const group = [seed];
  const rest = others.filter((o) => o.id !== seed.id);
  for (let i = 0; i < group.length; i++) {
    for (let j = rest.length - 1; j >= 0; j--) {
      if (isSameRun(group[i]!, rest[j]!)) group.push(...rest.splice(j, 1));
    }
  }
  return group;
}
