import { describe, expect, it } from 'vitest';
import { findRunSpikes } from './spike.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';
import { buildWeekRun } from '../../../test/factories/week-runs.js';

const run = buildWeekRun;
/** Longest run of the previous 30 days: 10 km on 1 Nov; the week's run is on 21 Nov. */
const prior = () => [run('2026-11-01', 10), run('2026-11-08', 8)];
const spikesFor = (km: number) => findRunSpikes([run('2026-11-21', km, { id: 'sat' })], prior(), DEFAULT_THRESHOLDS);

describe('findRunSpikes (R4, bands from Frandsen 2025)', () => {
  it.each([
    [11.0, null, null],
    [11.01, '10-30', 'amber'],
    [13.0, '10-30', 'amber'],
    [13.01, '30-100', 'amber'],
    [20.0, '30-100', 'amber'],
    [20.01, '100+', 'red'],
  ])('a %f km run over a 10 km 30-day longest is band %s (%s)', (km, band, severity) => {
    const found = spikesFor(km);
    if (band === null) expect(found).toEqual([]);
    else expect(found).toEqual([expect.objectContaining({ runId: 'sat', band, severity, lookbackLongestRunM: 10_000 })]);
  });

  it('reports the ratio to the 30-day longest', () => {
    expect(spikesFor(14)[0]?.ratio).toBeCloseTo(1.4, 12);
  });

  it('needs a run in the previous 30 days: nothing is compared with a run 31 days earlier', () => {
    const week = [run('2026-11-21', 20)];
    expect(findRunSpikes(week, [run('2026-10-21', 5)], DEFAULT_THRESHOLDS)).toEqual([]);
    expect(findRunSpikes(week, [run('2026-10-22', 5)], DEFAULT_THRESHOLDS)).toHaveLength(1);
  });

  it('compares with earlier runs of the same week, in time order', () => {
    const week = [run('2026-11-22', 12.5, { id: 'sun' }), run('2026-11-21', 12, { id: 'sat' })];
    const found = findRunSpikes(week, [run('2026-11-01', 10)], DEFAULT_THRESHOLDS);
    // Saturday is +20 % over 10 km; Sunday is only +4 % over Saturday's 12 km.
    expect(found.map((f) => f.runId)).toEqual(['sat']);
  });

  it('compares with an earlier run the same day but not with a later one', () => {
    const morning = run('2026-11-21', 5, { id: 'am', startTime: new Date('2026-11-21T06:00:00Z') });
    const evening = run('2026-11-21', 12, { id: 'pm', startTime: new Date('2026-11-21T18:00:00Z') });
    const found = findRunSpikes([morning, evening], [run('2026-11-10', 10)], DEFAULT_THRESHOLDS);
    expect(found.map((f) => f.runId)).toEqual(['pm']);
  });

  it('follows an overridden threshold', () => {
    const t = { ...DEFAULT_THRESHOLDS, spike: { ...DEFAULT_THRESHOLDS.spike, amberAbove: 1.05 } };
    expect(findRunSpikes([run('2026-11-21', 10.6)], prior(), t)).toHaveLength(1);
  });
});
