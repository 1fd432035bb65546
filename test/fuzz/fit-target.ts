import { localDateOf, isoWeekOf, resolveWallClock } from '../../src/domain/iso-week.js';
import { deriveRunMetrics } from '../../src/domain/metrics.js';
import type { Run, RunMetrics } from '../../src/domain/run.js';
import { decodeFit } from '../../src/fit/decode.js';

/**
 * What the FIT import does with a file, minus the database: decode (container check, repair pre-pass,
 * SDK, sessions → runs), then for every run what saveDerivedRun computes before it writes (wall-clock
 * resolution, metrics, local date, ISO week). The outcome is either a failure with a code (the import
 * marks the activity `failed` with it), runs that Postgres would accept, or a finding: an exception
 * (the job would crash and be retried, leaving the activity in `processing`) or a run that is not
 * storable (NaN/Infinity in a metric, an invalid date, a fractional offset in an integer column).
 */
export type FitImportOutcome =
  | { kind: 'valid'; runs: number; partial: boolean }
  | { kind: 'failed'; code: string }
  | { kind: 'crash'; stage: 'decode' | 'derive'; error: string }
  | { kind: 'unstorable'; problem: string };

const PROFILE_ZONE = 'Europe/Oslo';

function badNumber(v: unknown, nullable: boolean): boolean {
  if (v === null) return !nullable;
  return typeof v !== 'number' || !Number.isFinite(v);
}

/** The first reason Postgres (or the API's JSON) could not hold this run and its metrics, or null. */
export function unstorable(run: Run, m: RunMetrics, localDate: string): string | null {
  if (!Number.isFinite(run.startTime.getTime())) return 'startTime is an invalid Date';
  const year = run.startTime.getUTCFullYear();
  if (year < 1970 || year > 9999) return `startTime year ${year}`;
  if (run.utcOffsetS !== null && !Number.isInteger(run.utcOffsetS)) return `utcOffsetS ${run.utcOffsetS} is not an integer`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) return `localDate ${localDate}`;
  for (const k of ['distanceM', 'elapsedTimeS', 'movingTimeS', 'cadenceFactor', 'runningSampleTimeS'] as const)
    if (badNumber(m[k], false)) return `${k} = ${m[k]}`;
  for (const k of [
    'avgSpeedMps',
    'avgPaceSPerKm',
    'avgCadenceSpm',
    'runCadenceSpm',
    'walkShare',
    'steps',
    'stepsPerKm',
    'elevationGainM',
    'elevationLossM',
    'descentPerKm',
  ] as const) {
    if (badNumber(m[k], true)) return `${k} = ${m[k]}`;
  }
  if (!Number.isInteger(m.pace.surges)) return `surges = ${m.pace.surges}`;
  for (const k of ['firstHalfSPerKm', 'secondHalfSPerKm', 'driftPct', 'cvPct'] as const) if (badNumber(m.pace[k], true)) return `pace.${k} = ${m.pace[k]}`;
  for (const s of m.splits) {
    for (const k of ['distanceM', 'timeS', 'paceSPerKm'] as const) if (badNumber(s[k], false)) return `split ${s.index} ${k} = ${s[k]}`;
    for (const k of ['avgCadenceSpm', 'elevationGainM', 'elevationLossM'] as const) if (badNumber(s[k], true)) return `split ${s.index} ${k} = ${s[k]}`;
  }
  if (m.distanceM < 0 || m.elapsedTimeS < 0 || m.movingTimeS < 0)
    return `negative total (distance ${m.distanceM}, elapsed ${m.elapsedTimeS}, moving ${m.movingTimeS})`;
  return null;
}

export function importFitBytes(bytes: Uint8Array): FitImportOutcome {
  let result;
  try {
    result = decodeFit(bytes);
  } catch (err) {
    return { kind: 'crash', stage: 'decode', error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  if (!result.ok) return { kind: 'failed', code: result.code };
  try {
    for (const decoded of result.runs) {
      const run = decoded.startTimeIsLocalClock ? { ...decoded, ...resolveWallClock(decoded.startTime, PROFILE_ZONE) } : decoded;
      const metrics = deriveRunMetrics(run);
      const localDate = localDateOf(run.startTime, run.utcOffsetS, PROFILE_ZONE);
      isoWeekOf(localDate);
      const problem = unstorable(run, metrics, localDate);
      if (problem) return { kind: 'unstorable', problem };
    }
  } catch (err) {
    return { kind: 'crash', stage: 'derive', error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  return { kind: 'valid', runs: result.runs.length, partial: result.partial };
}
