import { describe, expect, it } from 'vitest';
import { addDays, parseIsoWeek } from '../iso-week.js';
import type { WeekRun, WeekVariables } from '../week.js';
import { evaluateWeek } from './index.js';
import type { LoadReference } from './load-progression.js';
import { assessChanges, type ChangeInput } from './one-change.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';

/** A reference week: 4 runs, 20 km, 2 h, 6:00 /km, 100 m descent (5 m/km), 170 spm, 2 surges, road. */
function vars(o: Partial<WeekVariables> = {}): WeekVariables {
  const base: WeekVariables = {
    distanceM: 20_000,
    movingTimeS: 7200,
    runs: 4,
    longestRunM: 6000,
    elevationLossM: 100,
    avgPaceSPerKm: 360,
    avgCadenceSpm: 170,
    steps: null,
    meanRunM: 5000,
    descentPerKmM: 5,
    surges: 2,
    trailShare: 0,
  };
  return { ...base, ...o };
}
const percentRef = (v: WeekVariables = vars()): LoadReference => ({
  basis: 'previous_week',
  rule: 'percent',
  variables: v,
  allowedIncrease: 0.1,
});
function assess(current: Partial<WeekVariables>, o: Partial<ChangeInput> = {}) {
  return assessChanges(
    {
      current: vars(current),
      reference: percentRef(),
      cadenceReferenceSpm: 170,
      lookbackLongestRunM: 6000,
      cadenceGoalActive: false,
      ...o,
    },
    DEFAULT_THRESHOLDS,
  );
}

describe('assessChanges: volume and frequency', () => {
  it('reports nothing for an identical week', () => {
    expect(assess({})).toMatchObject({ changed: [], groups: [], isMultiChange: false, frequencyRedistributed: false });
  });

  it('counts distance up 10.1 % as a change, and exactly 10 % as none', () => {
    expect(assess({ distanceM: 22_020 }).changed).toEqual(['distanceM']);
    expect(assess({ distanceM: 22_000 }).changed).toEqual([]);
  });

  it('counts moving time up > 10 % as the volume change when distance is flat', () => {
    expect(assess({ movingTimeS: 7930 }).changed).toEqual(['movingTimeS']);
  });

  it('counts distance and time rising together as one volume change', () => {
    const a = assess({ distanceM: 23_000, movingTimeS: 8280 });
    expect(a.changed).toEqual(['distanceM']);
    expect(a.groups).toEqual(['volume']);
  });

  it('counts an extra run that adds > 10 % distance as frequency, in the same volume group (no MULTI_CHANGE)', () => {
    const a = assess({ runs: 5, distanceM: 22_500, meanRunM: 4500 });
    expect(a.changed).toEqual(['distanceM', 'runs']);
    expect(a.groups).toEqual(['volume']);
    expect(a.isMultiChange).toBe(false);
  });

  it('counts a fifth, shorter run at the same total as redistribution, not a frequency increase', () => {
    const a = assess({ runs: 5, distanceM: 20_000, meanRunM: 4000 });
    expect(a.changed).toEqual([]);
    expect(a.frequencyRedistributed).toBe(true);
  });

  it('still calls it redistribution at exactly +10 % total, but not at +11 %', () => {
    expect(assess({ runs: 5, distanceM: 22_000, meanRunM: 4400 }).frequencyRedistributed).toBe(true);
    const over = assess({ runs: 5, distanceM: 22_200, meanRunM: 4440 });
    expect(over.frequencyRedistributed).toBe(false);
    expect(over.changed).toContain('runs');
  });

  it('does not call it redistribution when the extra run leaves runs no shorter on average (12 → 13 runs, +8.75 %)', () => {
    const many = { reference: percentRef(vars({ runs: 12, distanceM: 24_000, meanRunM: 2000 })) };
    const a = assess({ runs: 13, distanceM: 26_100, meanRunM: 26_100 / 13 }, many);
    expect(a.frequencyRedistributed).toBe(false);
    expect(a.changed).toEqual([]);
  });

  it('uses the absolute cap for volume when the reference week is thin: +2 km and +1 run is no change', () => {
    const thin = vars({ distanceM: 4000, runs: 1, movingTimeS: 1440, meanRunM: 4000 });
    const ref: LoadReference = { ...percentRef(thin), rule: 'absolute_cap' };
    expect(assess({ distanceM: 6000, runs: 2, movingTimeS: 2160, meanRunM: 3000 }, { reference: ref }).changed).toEqual([]);
    expect(assess({ distanceM: 6100, runs: 2, movingTimeS: 2196, meanRunM: 3050 }, { reference: ref }).changed).toEqual(['distanceM']);
  });
});

describe('assessChanges: intensity, hills, gait, terrain, long run', () => {
  it('counts pace faster by more than 5 % (342.0 s/km is exactly 5 %, 341.9 is more)', () => {
    expect(assess({ avgPaceSPerKm: 342 }).changed).toEqual([]);
    expect(assess({ avgPaceSPerKm: 341.9 }).changed).toEqual(['avgPaceSPerKm']);
    expect(assess({ avgPaceSPerKm: 400 }).changed).toEqual([]);
  });

  it('does not count exactly 5 % faster when floating point rounds it over (301 → 285.95 s/km)', () => {
    expect(301 - 285.95 > 0.05 * 301).toBe(true);
    const ref = { reference: percentRef(vars({ avgPaceSPerKm: 301 })) };
    expect(assess({ avgPaceSPerKm: 285.95 }, ref).changed).toEqual([]);
  });

  it.each([
    [6, true, '+4 and +200 %'],
    [5, false, 'only +3'],
    [0, false, 'a decrease'],
  ])('surges 2 → %i changed: %s (%s)', (surges, expected) => {
    expect(assess({ surges }).changed.includes('surges')).toBe(expected);
  });

  it('needs surges up by at least 50 %: 8 → 12 counts, 10 → 14 does not', () => {
    const from = (s: number) => ({ reference: percentRef(vars({ surges: s })) });
    expect(assess({ surges: 12 }, from(8)).changed).toEqual(['surges']);
    expect(assess({ surges: 14 }, from(10)).changed).toEqual([]);
  });

  it('counts elevation loss up > 10 % and > 50 m, not +50 m exactly nor +10 % of a big number', () => {
    expect(assess({ elevationLossM: 160, descentPerKmM: 5 }).changed).toEqual(['elevationLossM']);
    expect(assess({ elevationLossM: 150, descentPerKmM: 5 }).changed).toEqual([]);
    const hilly = { reference: percentRef(vars({ elevationLossM: 600, descentPerKmM: 30 })) };
    expect(assess({ elevationLossM: 655, descentPerKmM: 30 }, hilly).changed).toEqual([]);
    expect(assess({ elevationLossM: 665, descentPerKmM: 30 }, hilly).changed).toEqual(['elevationLossM']);
  });

  it('counts steeper routes by descent density (> +20 % and > +2 m/km) even when total loss fell', () => {
    const ref = { reference: percentRef(vars({ elevationLossM: 200, descentPerKmM: 10 })) };
    expect(assess({ elevationLossM: 150, descentPerKmM: 12.5 }, ref).changed).toEqual(['descentPerKmM']);
    expect(assess({ elevationLossM: 150, descentPerKmM: 12 }, ref).changed).toEqual([]);
  });

  it('counts cadence moving > 3 % from the prior median in either direction', () => {
    expect(assess({ avgCadenceSpm: 175.1 }).changed).toEqual([]);
    expect(assess({ avgCadenceSpm: 175.2 }).changed).toEqual(['avgCadenceSpm']);
    expect(assess({ avgCadenceSpm: 164.8 }).changed).toEqual(['avgCadenceSpm']);
  });

  it('counts an active cadence goal as the gait change even if cadence has not moved yet', () => {
    expect(assess({}, { cadenceGoalActive: true }).changed).toEqual(['avgCadenceSpm']);
  });

  it("R3: during a cadence goal's first weeks any other increase is a MULTI_CHANGE, the goal alone is not", () => {
    const goal = { cadenceGoalActive: true };
    expect(assess({}, goal)).toMatchObject({ isMultiChange: false, groups: ['gait'], gaitGoal: true });
    expect(assess({ avgCadenceSpm: 178 }, goal)).toMatchObject({ isMultiChange: false, groups: ['gait'] }); // the goal working: one change
    expect(assess({ distanceM: 22_100 }, goal)).toMatchObject({ isMultiChange: true, groups: ['volume', 'gait'] });
    expect(assess({ avgPaceSPerKm: 340 }, goal)).toMatchObject({ isMultiChange: true, groups: ['intensity_speed', 'gait'] }); // faster by > 5 %
    expect(assess({ elevationLossM: 160 }, goal)).toMatchObject({ isMultiChange: true, groups: ['hills', 'gait'] });
    expect(assess({ trailShare: 0.3 }, goal).isMultiChange).toBe(true);
    // a reduction is not a change
    expect(assess({ distanceM: 15_000, movingTimeS: 5400 }, goal).isMultiChange).toBe(false);
    // without the goal the same distance increase is one change
    expect(assess({ distanceM: 22_100 }).isMultiChange).toBe(false);
  });

  it('counts trail share up by more than 25 percentage points', () => {
    expect(assess({ trailShare: 0.25 }).changed).toEqual([]);
    expect(assess({ trailShare: 0.26 }).changed).toEqual(['trailShare']);
  });

  it('lists a long run over 1.10 × the 30-day longest but does not count it towards MULTI_CHANGE (R4 reports it)', () => {
    expect(assess({ longestRunM: 6600 }).changed).toEqual([]);
    const a = assess({ longestRunM: 6700, distanceM: 23_000 });
    expect(a.changed).toEqual(['distanceM', 'longestRunM']);
    expect(a.isMultiChange).toBe(false);
  });

  it('flags MULTI_CHANGE when volume and hills rise in the same week', () => {
    const a = assess({ distanceM: 23_000, elevationLossM: 300, descentPerKmM: 13 });
    expect(a.groups).toEqual(['volume', 'hills']);
    expect(a.isMultiChange).toBe(true);
  });

  it('never counts reductions: shorter, slower, flatter, road', () => {
    const a = assess({ distanceM: 15_000, movingTimeS: 6000, avgPaceSPerKm: 400, elevationLossM: 10, descentPerKmM: 0.7, surges: 0 });
    expect(a.changed).toEqual([]);
  });
});

describe('MULTI_CHANGE through evaluateWeek', () => {
  let seq = 0;
  const run = (localDate: string, km: number, o: Partial<WeekRun> = {}): WeekRun => ({
    id: `m${++seq}`,
    localDate,
    startTime: new Date(`${localDate}T07:00:00Z`),
    distanceM: km * 1000,
    movingTimeS: km * 360,
    elevationLossM: km * 5,
    steps: null,
    runCadenceSpm: 170,
    cadenceQualifies: true,
    surges: 0,
    isTrail: false,
    ...o,
  });
  const week = (w: string, kms: number[], o: Partial<WeekRun> = {}) => kms.map((km, i) => run(addDays(parseIsoWeek(w).start, 2 * i), km, o));
  const history = ['2026-W44', '2026-W45', '2026-W46'].flatMap((w) => week(w, [10, 10]));

  it('warns when distance (via an extra run) and downhill both rise, counting 2 changes, not 3', () => {
    const e = evaluateWeek({
      week: '2026-W47',
      runs: [...history, ...week('2026-W47', [7.5, 7.5, 7.5], { elevationLossM: 150 })],
      todayLocalDate: '2026-11-23',
    });
    const w = e.warnings.find((x) => x.code === 'MULTI_CHANGE');
    expect(e.changed).toEqual(['distanceM', 'runs', 'elevationLossM']);
    expect(w?.changed).toEqual(['distanceM', 'runs', 'elevationLossM']);
    expect(w?.evidence).toMatchObject({ changes: 2, elevationLossMBefore: 100, elevationLossMAfter: 450 });
    expect(w?.message).toMatch(/more distance.*downhill/);
  });

  it('compares cadence with the median of the two prior weeks, pooled over their runs', () => {
    const runs = [
      ...week('2026-W45', [10, 10], { runCadenceSpm: 160 }),
      ...week('2026-W46', [10, 10], { runCadenceSpm: 166 }),
      ...week('2026-W47', [10, 10], { runCadenceSpm: 168 }),
    ];
    // Pooled median of 160, 160, 166, 166 is 163; 168 is +3.07 % → changed. (Last week alone, 166, would say +1.2 %.)
    expect(evaluateWeek({ week: '2026-W47', runs, todayLocalDate: '2026-11-23' }).changed).toEqual(['avgCadenceSpm']);
  });
});
