import type { WeekRun } from '../../src/domain/week.js';

let seq = 0;

/** A counted road run for the weekly rules: `km` at 6:00 /km, 07:00 UTC on `localDate`, unless overridden. */
export function buildWeekRun(localDate: string, km: number, overrides: Partial<WeekRun> = {}): WeekRun {
  return {
    id: `run-${++seq}`,
    localDate,
    startTime: new Date(`${localDate}T07:00:00Z`),
    distanceM: Math.round(km * 1000),
    movingTimeS: Math.round(km * 360),
    elevationLossM: 0,
    steps: null,
    runCadenceSpm: null,
    cadenceQualifies: false,
    surges: 0,
    isTrail: false,
    ...overrides,
  };
}
