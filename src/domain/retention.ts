/**
 * How long each source's data is kept (docs/platforms.md "Strava's API Policy", docs/security.md
 * "Retention per source"). One rule per source, set by `<SOURCE>_RETENTION`: `indefinite`, or
 * `cache:<n>d` — the source's data is a cache that the retention job expires `n` days after the run
 * was received. Pure: no clock, no I/O.
 */

export const RETENTION_SOURCES = ['strava', 'garmin', 'upload'] as const;
export type RetentionSource = (typeof RETENTION_SOURCES)[number];

export type Retention = { kind: 'indefinite' } | { kind: 'cache'; days: number };

export type RetentionSettings = Record<RetentionSource, Retention>;

/** Strava's policy allows a 7-day cache; the runner's own files and watch platforms are kept. */
export const DEFAULT_RETENTION: RetentionSettings = {
  strava: { kind: 'cache', days: 7 },
  garmin: { kind: 'indefinite' },
  upload: { kind: 'indefinite' },
};

export const MAX_CACHE_DAYS = 3650;

export const RETENTION_FORMAT = 'must be "indefinite" or "cache:<days>d" with 1–3650 days (e.g. cache:7d)';

/** "indefinite" | "cache:7d" → a Retention; null when the text is neither. */
export function parseRetention(text: string): Retention | null {
  const v = text.trim().toLowerCase();
  if (v === 'indefinite') return { kind: 'indefinite' };
  const m = /^cache:(\d{1,4})d$/.exec(v);
  if (!m) return null;
  const days = Number(m[1]);
  return days >= 1 && days <= MAX_CACHE_DAYS ? { kind: 'cache', days } : null;
}

export function formatRetention(r: Retention): string {
  return r.kind === 'indefinite' ? 'indefinite' : `cache:${r.days}d`;
}

/** The rule for a source (a source without a setting is kept). */
export function retentionFor(source: string, settings: RetentionSettings): Retention {
  return (settings as Record<string, Retention | undefined>)[source] ?? { kind: 'indefinite' };
}

/** The moment before which data of this source received then has expired; null when kept indefinitely. */
export function expiryCutoff(retention: Retention, now: Date): Date | null {
  return retention.kind === 'cache' ? new Date(now.getTime() - retention.days * 86_400_000) : null;
}

/** Data of `source` received at `receivedAt` has outlived its window at `now`. */
export function isExpired(source: string, receivedAt: Date, now: Date, settings: RetentionSettings): boolean {
  const cutoff = expiryCutoff(retentionFor(source, settings), now);
  return cutoff !== null && receivedAt.getTime() <= cutoff.getTime();
}

/** Why an expired run's data went: `strava_cache_window`, `garmin_cache_window`, … */
export function expiredReasonFor(source: string): string {
  return `${source}_cache_window`;
}

/**
 * Sources whose data is never combined with the runner's pain answers: Strava's API Policy §5.4 as
 * quoted (no analytics, no combining Strava Data with other data; docs/platforms.md). The pain report
 * leaves their runs out, and the pain warnings use none of their numbers.
 */
export const NOT_COMBINED_SOURCES: readonly string[] = ['strava'];

export function isCombinable(source: string): boolean {
  return !NOT_COMBINED_SOURCES.includes(source);
}

/** The plain note of a report that left runs of these sources out. */
export function notCombinedNote(excludedRuns: number, sources: readonly string[]): string | null {
  if (excludedRuns === 0) return null;
  const names = sources.map((s) => SOURCE_NAMES[s] ?? s).join(', ');
  const count = excludedRuns === 1 ? '1 run' : `${excludedRuns} runs`;
  return `${count} from ${names} left out: ${names}'s terms do not allow combining its data with your pain answers. Import your archive or connect your watch's own platform to include them.`;
}

/** What a week says about a run it lacks because the run's data expired. */
export interface LackingRun {
  activityId: string;
  source: string;
  localDate: string | null;
  reason: string;
}

const SOURCE_NAMES: Record<string, string> = { strava: 'Strava', garmin: 'Garmin', upload: 'an upload' };

/** The plain words for an expired run, shown wherever it is listed. */
export function expiredNotice(source: string): string {
  const from = SOURCE_NAMES[source] ?? source;
  return `expired from ${from} — import your archive to keep it`;
}

/** Where a run came from, in words: "from Strava", "from Garmin", "uploaded". */
export function sourceLabel(source: string): string {
  if (source === 'upload') return 'uploaded';
  return `from ${SOURCE_NAMES[source] ?? source}`;
}
