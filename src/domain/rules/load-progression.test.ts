import { describe, expect, it } from 'vitest';
import { addDays, parseIsoWeek } from '../iso-week.js';
import { aggregateRuns, type WeekRun } from '../week.js';
import { evaluateWeek, type EvaluateWeekInput } from './index.js';
import { chooseLoadReference } from './load-progression.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';
import { buildWeekRun } from '../../../test/factories/week-runs.js';

const run = buildWeekRun;
/** Runs of one ISO week on Mon, Wed, Fri, Sun, Tue, Thu, Sat in that order. */
function weekRuns(week: string, kms: number[], o: Partial<WeekRun> = {}): WeekRun[] {
  const start = parseIsoWeek(week).start;
  const days = [0, 2, 4, 6, 1, 3, 5];
  return kms.map((km, i) => run(addDays(start, days[i % 7] as number), km, o));
}
const PRIOR = ['2026-W43', '2026-W44', '2026-W45', '2026-W46'];
/** Four prior weeks of 2 × 10 km = 20 km. */
const steadyHistory = (): WeekRun[] => PRIOR.flatMap((w) => weekRuns(w, [10, 10]));
const AFTER_W47 = '2026-11-23';

function evaluate(runs: WeekRun[], o: Partial<EvaluateWeekInput> = {}) {
  return evaluateWeek({ week: '2026-W47', runs, todayLocalDate: AFTER_W47, ...o });
}
const loadJumps = (e: ReturnType<typeof evaluate>) => e.warnings.filter((w) => w.code === 'LOAD_JUMP');

describe('LOAD_JUMP on a complete week vs the previous week (20.0 km)', () => {
  it('does not warn at +9.9 % (21.98 km)', () => {
    expect(loadJumps(evaluate([...steadyHistory(), ...weekRuns('2026-W47', [7.33, 7.33, 7.32])]))).toEqual([]);
  });

  it('does not warn at exactly +10.0 % (22.00 km)', () => {
    const e = evaluate([...steadyHistory(), ...weekRuns('2026-W47', [7.34, 7.33, 7.33])]);
    expect(e.variables.distanceM).toBe(22_000);
    expect(loadJumps(e)).toEqual([]);
  });

  it('warns amber at +10.1 % (22.02 km), comparing with the previous week', () => {
    const [w] = loadJumps(evaluate([...steadyHistory(), ...weekRuns('2026-W47', [7.34, 7.34, 7.34])]));
    expect(w).toMatchObject({ severity: 'amber', provisional: false, weekToDate: false });
    expect(w?.evidence).toMatchObject({ basis: 'previous_week', rule: 'percent', referenceDistanceM: 20_000, distanceChangePct: 10.1 });
  });

  it('warns on moving time alone when the same distance took > 10 % longer', () => {
    const slow = weekRuns('2026-W47', [10, 10], { movingTimeS: 4050 }); // 8100 s vs 7200 s = +12.5 %
    const [w] = loadJumps(evaluate([...steadyHistory(), ...slow]));
    expect(w?.evidence.movingTimeChangePct).toBe(12.5);
    expect(w?.evidence.distanceChangePct).toBe(0);
  });

  it('is amber at exactly +30 % and red just above it', () => {
    expect(loadJumps(evaluate([...steadyHistory(), ...weekRuns('2026-W47', [9, 9, 8])]))[0]?.severity).toBe('amber');
    expect(loadJumps(evaluate([...steadyHistory(), ...weekRuns('2026-W47', [9, 9, 8.02])]))[0]?.severity).toBe('red');
  });

  it('never warns on a decrease', () => {
    expect(loadJumps(evaluate([...steadyHistory(), ...weekRuns('2026-W47', [5, 5])]))).toEqual([]);
  });
});

describe('LOAD_JUMP during the week (week-to-date vs the full previous week)', () => {
  const thisWeek = () => [run('2026-11-16', 8, { id: 'mon' }), run('2026-11-17', 8, { id: 'tue' }), run('2026-11-19', 7, { id: 'thu' })];

  it("warns as soon as Thursday's run takes the week past +10 % and names that run", () => {
    const e = evaluate([...steadyHistory(), ...thisWeek()], { todayLocalDate: '2026-11-19' });
    expect(e.complete).toBe(false);
    const [w] = loadJumps(e);
    expect(w).toMatchObject({ weekToDate: true, runId: 'thu' });
    expect(w?.evidence.triggeredOnDate).toBe('2026-11-19');
  });

  it('does not warn on Tuesday at 16 km and reports the 6 km still available', () => {
    const e = evaluate([...steadyHistory(), ...thisWeek().slice(0, 2)], { todayLocalDate: '2026-11-17' });
    expect(loadJumps(e)).toEqual([]);
    expect(e.load?.remainingDistanceM).toBeCloseTo(6000, 6);
  });

  it('drops the warning when a deleted run brings the week back under the limit', () => {
    const runs = [...steadyHistory(), ...thisWeek()];
    expect(loadJumps(evaluate(runs))).toHaveLength(1);
    expect(loadJumps(evaluate(runs.filter((r) => r.id !== 'thu')))).toEqual([]);
  });
});

describe('LOAD_JUMP with too little data (docs/rules.md "Minimum data")', () => {
  it('uses the absolute cap when the previous week had a single run: +2.0 km and +1 run pass, +2.1 km warns', () => {
    const thin = PRIOR.flatMap((w) => weekRuns(w, [6]));
    expect(loadJumps(evaluate([...thin, ...weekRuns('2026-W47', [4, 4])]))).toEqual([]);
    const [w] = loadJumps(evaluate([...thin, ...weekRuns('2026-W47', [4, 4.1])]));
    expect(w?.evidence).toMatchObject({ rule: 'absolute_cap' });
    expect(w?.severity).toBe('amber');
  });

  it('uses the absolute cap when the previous week was under 5 km, and warns on 2 extra runs', () => {
    const thin = PRIOR.flatMap((w) => weekRuns(w, [2.2, 2.2]));
    expect(loadJumps(evaluate([...thin, ...weekRuns('2026-W47', [1.5, 1.5, 1.5, 1.5])]))[0]?.evidence.rule).toBe('absolute_cap');
    expect(loadJumps(evaluate([...thin, ...weekRuns('2026-W47', [1.8, 1.8, 1.8])]))).toEqual([]);
  });

  it('labels warnings provisional with only one prior week of data', () => {
    const [w] = loadJumps(evaluate([...weekRuns('2026-W46', [10, 10]), ...weekRuns('2026-W47', [8, 8, 8])]));
    expect(w?.provisional).toBe(true);
    expect(w?.message).toContain('Provisional');
  });

  it('is not provisional with two prior weeks of data', () => {
    const runs = [...weekRuns('2026-W45', [10, 10]), ...weekRuns('2026-W46', [10, 10]), ...weekRuns('2026-W47', [8, 8, 8])];
    expect(loadJumps(evaluate(runs))[0]?.provisional).toBe(false);
  });

  it('treats a declared history start as weeks of data even when those weeks had no runs', () => {
    const runs = [...weekRuns('2026-W46', [10, 10]), ...weekRuns('2026-W47', [8, 8, 8])];
    expect(loadJumps(evaluate(runs, { historyStartDate: '2026-09-01' }))[0]?.provisional).toBe(false);
  });

  it('reports insufficient history and no warning at all when there is no earlier run', () => {
    const e = evaluate(weekRuns('2026-W47', [10, 20, 30]));
    expect(e.status).toBe('insufficient_history');
    expect(e.warnings).toEqual([]);
    expect(e.statusMessage).toMatch(/history/);
    expect(e.variables.distanceM).toBe(60_000);
  });
});

describe('LOAD_JUMP after a break (docs/rules.md "Minimum data")', () => {
  const withBreak = (): WeekRun[] => [
    ...['2026-W43', '2026-W44', '2026-W45'].flatMap((w) => weekRuns(w, [10, 10])),
    ...weekRuns('2026-W46', [2.5, 2.5]), // 5 km < 50 % of the 4-week mean 16.25 km (2 runs a week on average)
  ];

  it('compares with the 4-week mean, not the light week: 16 km back is fine although +220 % on last week', () => {
    const e = evaluate([...withBreak(), ...weekRuns('2026-W47', [8, 8])]);
    expect(loadJumps(e)).toEqual([]);
    expect(e.load).toMatchObject({ basis: 'four_week_mean', rule: 'percent', referenceDistanceM: 16_250 });
  });

  it('caps the first week back at the 4-week mean: 17 km warns', () => {
    const [w] = loadJumps(evaluate([...withBreak(), ...weekRuns('2026-W47', [8.5, 8.5])]));
    expect(w?.evidence).toMatchObject({ basis: 'four_week_mean', rule: 'percent', referenceDistanceM: 16_250 });
  });

  it('falls back to the absolute cap when the 4-week mean itself is thin (under 2 runs a week)', () => {
    const sparse = [
      ...['2026-W43', '2026-W44', '2026-W45'].flatMap((w) => weekRuns(w, [10, 10])),
      ...weekRuns('2026-W46', [5]), // mean: 1.75 runs a week
    ];
    const e = evaluate([...sparse, ...weekRuns('2026-W47', [8.5, 8.5])]);
    expect(e.load).toMatchObject({ basis: 'four_week_mean', rule: 'absolute_cap' });
    expect(loadJumps(e)).toEqual([]);
  });
});

describe('chooseLoadReference', () => {
  const v = (km: number, runs: number) => aggregateRuns(Array.from({ length: runs }, () => run('2026-11-09', km / runs)));
  it('does not call a previous week of exactly 50 % of the mean a break', () => {
    expect(chooseLoadReference(v(10, 2), v(20, 2), 4, DEFAULT_THRESHOLDS).basis).toBe('previous_week');
    expect(chooseLoadReference(v(9.9, 2), v(20, 2), 4, DEFAULT_THRESHOLDS).basis).toBe('four_week_mean');
  });

  it('never detects a break with a single prior week of data', () => {
    expect(chooseLoadReference(v(2, 2), v(20, 2), 1, DEFAULT_THRESHOLDS).basis).toBe('previous_week');
  });
});
