import type { CadenceRun } from '../../src/domain/cadence-goal.js';
import type { CadenceReportRun } from '../../src/domain/reports/cadence.js';

let seq = 0;

/** A qualifying run for the cadence goal: `spm` at 3 m/s for 30 min of running, 07:00 UTC on `localDate`, unless overridden. */
export function buildCadenceRun(localDate: string, spm: number, overrides: Partial<CadenceRun> = {}): CadenceRun {
  return {
    activityId: `r${String(++seq).padStart(3, '0')}`,
    localDate,
    startTime: new Date(`${localDate}T07:00:00Z`),
    runCadenceSpm: spm,
    speedMps: 3,
    runningTimeS: 1800,
    cadenceQuality: 'ok',
    cadenceSource: 'fit-record',
    workoutType: null,
    isIndoor: false,
    histogram: null,
    ...overrides,
  };
}

/** The same run as the cadence report sees it: an uploaded 5.4 km with 30 m of descent and its one-bin histogram. */
export function buildCadenceReportRun(localDate: string, spm: number, overrides: Partial<CadenceReportRun> = {}): CadenceReportRun {
  return {
    ...buildCadenceRun(localDate, spm),
    histogram: { min: Math.floor(spm), counts: [1800] },
    source: 'upload',
    cadenceFactor: 2,
    distanceM: 5400,
    elevationLossM: 30,
    ...overrides,
  };
}
