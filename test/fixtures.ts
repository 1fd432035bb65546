import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Paths into the shared, third-party fixtures (never copied into this repository).
 * Tests that need them use `describe.skipIf(!HAS_FIXTURES)` and print FIXTURES_MISSING_MESSAGE.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = process.env.STRIDESYNC_FIXTURES_DIR ?? resolve(here, '../../shared/fixtures');
export const FIT_DIR = join(FIXTURES_DIR, 'fit');
export const STRAVA_DIR = join(FIXTURES_DIR, 'strava');
export const HAS_FIXTURES = existsSync(join(FIT_DIR, 'manifest.json')) && existsSync(join(STRAVA_DIR, 'manifest.json'));
export const FIXTURES_MISSING_MESSAGE = `shared fixtures not found at ${FIXTURES_DIR}: fixture-based tests are skipped (set STRIDESYNC_FIXTURES_DIR)`;

if (!HAS_FIXTURES) {
  console.warn(`[fixtures] ${FIXTURES_MISSING_MESSAGE}`);
}

export function fitPath(name: string): string {
  return join(FIT_DIR, name);
}

export function readFit(name: string): Buffer {
  return readFileSync(fitPath(name));
}

export function readStravaJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(STRAVA_DIR, name), 'utf8')) as T;
}

export interface FitManifestSession {
  sport: string | null;
  sub_sport: string | null;
  total_distance_m: number | null;
  total_timer_time_s: number | null;
  total_elapsed_time_s: number | null;
  total_ascent_m: number | null;
  total_descent_m: number | null;
  avg_cadence: number | null;
  avg_fractional_cadence: number | null;
  avg_steps_per_min_derived: number | null;
}

export interface FitManifestFile {
  file: string;
  category: string;
  size_bytes: number;
  sha256: string;
  description: string;
  sessions: FitManifestSession[];
  elevation_check: { device_descent_trustworthy: boolean; [k: string]: unknown };
  records: { count_raw_walk: number; [k: string]: unknown };
  structure: { chained_fit_files: number; compressed_timestamp_messages: number; [k: string]: unknown };
  [k: string]: unknown;
}

export function fitManifest(): { files: FitManifestFile[] } {
  return JSON.parse(readFileSync(join(FIT_DIR, 'manifest.json'), 'utf8')) as { files: FitManifestFile[] };
}
