/**
 * Cross-source duplicates (domain.md §2.1, platform-apis.md §5): a Garmin watch that auto-uploads to
 * Strava makes the same run arrive twice. Two runs are the same when their starts are within ±120 s
 * and their distances within 5 %; the richest copy is counted, the others point at it.
 */

export const DUPLICATE_START_WINDOW_S = 120;
export const DUPLICATE_DISTANCE_TOLERANCE = 0.05;

export interface DedupeCandidate {
  id: string;
  source: 'garmin' | 'upload' | 'strava';
  startTime: Date;
  distanceM: number;
  /** has per-sample data (records/streams) rather than summary values only */
  hasSamples: boolean;
  createdAt: Date;
}

/** Same run from two sources: start within ±120 s and distance within 5 % of the longer one. */
export function isSameRun(a: Pick<DedupeCandidate, 'startTime' | 'distanceM'>, b: Pick<DedupeCandidate, 'startTime' | 'distanceM'>): boolean {
  const dtS = Math.abs(a.startTime.getTime() - b.startTime.getTime()) / 1000;
  if (dtS > DUPLICATE_START_WINDOW_S) return false;
  const longer = Math.max(a.distanceM, b.distanceM);
  if (longer <= 0) return a.distanceM === b.distanceM;
  return Math.abs(a.distanceM - b.distanceM) / longer <= DUPLICATE_DISTANCE_TOLERANCE;
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
