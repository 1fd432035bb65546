import { describe, expect, it } from 'vitest';
import { addDays } from '../iso-week.js';
import {
  buildPainReport,
  describeFlareUp,
  describeVariable,
  PAIN_REPORT_VARIABLES,
  standsOut,
  type PainReportRun,
  type ReportLight,
  type VariableComparison,
} from './report.js';

const START = '2026-03-02';

/** A run with ordinary flat values; override what the scenario needs. */
function run(i: number, date: string, over: Partial<PainReportRun> = {}): PainReportRun {
  const distanceM = over.distanceM ?? 8_000;
  const lossM = over.elevationLossM ?? 24;
  return {
    activityId: `run-${String(i).padStart(4, '0')}`,
    localDate: date,
    startTime: new Date(`${date}T07:00:00Z`),
    light: 'green',
    distanceM,
    movingTimeS: (distanceM / 1000) * 330,
    paceSPerKm: 330,
    elevationLossM: lossM,
    descentPerKm: lossM / (distanceM / 1000),
    runCadenceSpm: 168,
    paceCvPct: 6,
    week: { distanceChangePct: 0, changed: [] },
    ...over,
  };
}

/**
 * A seeded diary with a known answer: every 4th run is hilly (descent 18–22 m/km) and is followed by
 * amber or red; flat runs (3–5 m/km) are green. Distances cycle with period 5 and every other variable
 * with a period coprime to 4, so both groups see the same mix of distances, paces, cadences and gaps.
 * Every 9th run is unanswered (grey).
 */
function hillsDiary(count = 80): PainReportRun[] {
  const runs: PainReportRun[] = [];
  const gaps = [1, 1, 2, 1, 2];
  let date = START;
  for (let i = 0; i < count; i++) {
    const hilly = i % 4 === 0;
    const distanceM = [6_000, 8_000, 10_000, 7_000, 9_000][i % 5]!;
    const perKm = hilly ? 18 + (i % 5) : 3 + (i % 3);
    const light: ReportLight | null = i % 9 === 8 ? null : hilly ? (i % 8 === 0 ? 'red' : 'amber') : 'green';
    runs.push(
      run(i, date, {
        light,
        distanceM,
        elevationLossM: (perKm * distanceM) / 1000,
        descentPerKm: perKm,
        paceSPerKm: [320, 335, 345][i % 3]!,
        movingTimeS: (distanceM / 1000) * [320, 335, 345][i % 3]!,
        runCadenceSpm: [166, 170, 168][i % 3]!,
        paceCvPct: [5, 7, 6][i % 3]!,
        week: { distanceChangePct: [4, -3, 8, 0, 6][i % 5]!, changed: i % 20 === 0 ? ['elevationLossM'] : [] },
      }),
    );
    date = addDays(date, gaps[i % 5]!);
  }
  return runs;
}

const byName = (vars: VariableComparison[], name: string) => vars.find((v) => v.name === name)!;

describe('buildPainReport: flare-ups follow hilly runs only', () => {
  const runs = hillsDiary();
  const report = buildPainReport(runs);

  it('counts runs, answers and lights', () => {
    const grey = runs.filter((r) => r.light === null).length;
    expect(report.runs).toBe(80);
    expect(report.answered).toBe(80 - grey);
    expect(report.lights.grey).toBe(grey);
    expect(report.lights.red + report.lights.amber).toBe(runs.filter((r) => r.light === 'amber' || r.light === 'red').length);
    expect(report.lights.green).toBe(runs.filter((r) => r.light === 'green').length);
    expect(report.lights.red).toBeGreaterThan(0);
  });

  it('hills are associated, distance is not', () => {
    const perKm = byName(report.variables, 'descentPerKm');
    expect(perKm.verdict).toBe('associated');
    expect(perKm.pValue!).toBeLessThan(0.001);
    expect(perKm.difference!).toBeGreaterThan(10);
    expect(perKm.flareUps.n).toBe(report.lights.amber + report.lights.red);
    expect(byName(report.variables, 'elevationLoss').verdict).toBe('associated');

    const distance = byName(report.variables, 'distance');
    expect(distance.verdict).toBe('no clear link');
    expect(distance.pValue!).toBeGreaterThan(0.5);
    expect(distance.difference).toBe(0);
    for (const name of ['movingTime', 'pace', 'cadence', 'paceVariability', 'weekDistanceChange']) {
      expect(byName(report.variables, name).verdict, name).toBe('no clear link');
    }
  });

  it('sorts by strength: associated first, by p-value, not-enough-data last', () => {
    expect(
      report.variables
        .map((v) => v.name)
        .slice(0, 2)
        .sort(),
    ).toEqual(['descentPerKm', 'elevationLoss']);
    expect(report.variables).toHaveLength(PAIN_REPORT_VARIABLES.length);
    const ps = report.variables.filter((v) => v.verdict === 'no clear link').map((v) => v.pValue!);
    expect(ps).toEqual([...ps].sort((a, b) => a - b));
  });

  it('lists every flare-up with its week changes, oldest first', () => {
    expect(report.flareUps).toHaveLength(report.lights.amber + report.lights.red);
    expect(report.flareUps.map((f) => f.localDate)).toEqual([...report.flareUps.map((f) => f.localDate)].sort());
    const first = report.flareUps[0]!;
    expect(first.activityId).toBe('run-0000');
    expect(first.light).toBe('red');
    expect(first.weekChanges).toEqual(['elevationLossM']);
    expect(describeFlareUp(first)).toContain('more descent');
  });

  it('words say "went together with", never "caused"', () => {
    const sentences = report.variables.map(describeVariable);
    expect(sentences[0]).toMatch(/^Flare-ups went together with a higher (descent|descent per km) \(median/);
    expect(sentences.join(' ')).not.toMatch(/caus/i);
    expect(describeVariable(byName(report.variables, 'distance'))).toMatch(/^No clear link between distance and flare-ups/);
  });
});

describe('buildPainReport: flare-ups follow long runs only', () => {
  it('distance is associated, hills are not (the test is not wired to one variable)', () => {
    const runs: PainReportRun[] = [];
    let date = START;
    for (let i = 0; i < 60; i++) {
      const long = i % 5 === 0;
      const distanceM = long ? 16_000 + (i % 3) * 1_000 : 6_000 + (i % 3) * 1_000;
      const perKm = [3, 6, 9, 4][i % 4]!;
      runs.push(run(i, date, { light: long ? 'amber' : 'green', distanceM, elevationLossM: (perKm * distanceM) / 1000, descentPerKm: perKm }));
      date = addDays(date, 1);
    }
    const report = buildPainReport(runs);
    expect(byName(report.variables, 'distance').verdict).toBe('associated');
    expect(byName(report.variables, 'longestRunRatio').verdict).toBe('associated');
    expect(byName(report.variables, 'descentPerKm').verdict).toBe('no clear link');
    expect(describeVariable(byName(report.variables, 'distance'))).toMatch(/^Flare-ups went together with a higher distance/);
  });
});

describe('buildPainReport: not enough data', () => {
  const runs: PainReportRun[] = [];
  let date = START;
  for (let i = 0; i < 24; i++) {
    runs.push(run(i, date, { light: i % 8 === 7 ? 'amber' : i % 5 === 4 ? null : 'green', elevationLossM: i % 8 === 7 ? 90 : 24 }));
    date = addDays(date, 1);
  }
  const report = buildPainReport(runs);

  it('gives no p-value and no verdict with fewer than 4 flare-ups', () => {
    expect(report.lights.amber).toBe(3);
    for (const v of report.variables) {
      expect(v.verdict).toBe('not enough data');
      expect(v.pValue).toBeNull();
      expect(v.flareUps.n).toBeLessThan(4);
    }
    // the medians are still shown
    expect(byName(report.variables, 'elevationLoss').flareUps).toEqual({ n: 3, median: 90 });
    expect(describeVariable(byName(report.variables, 'elevationLoss'))).toContain('Not enough data on descent: 3 flare-up and');
  });

  it('an empty diary is an empty report', () => {
    const empty = buildPainReport([]);
    expect(empty).toMatchObject({ runs: 0, answered: 0, lights: { green: 0, amber: 0, red: 0, grey: 0 }, flareUps: [] });
    expect(empty.variables.every((v) => v.verdict === 'not enough data' && v.flareUps.median === null && v.difference === null)).toBe(true);
  });

  it('4 in each group is enough for a verdict', () => {
    const four = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => run(i, addDays(START, i), { light: i < 4 ? 'red' : 'green', elevationLossM: i < 4 ? 100 + i : 10 + i }));
    const r = buildPainReport(four);
    const loss = byName(r.variables, 'elevationLoss');
    expect(loss.verdict).toBe('associated');
    expect(loss.pValue).toBeCloseTo(2 / 70, 3);
  });
});

describe('standouts against the previous 28 days', () => {
  it('"descent 92 m, your usual is 30 m" for a hilly run after flat weeks', () => {
    const runs: PainReportRun[] = [];
    for (let d = 0; d < 40; d += 2) runs.push(run(d, addDays(START, d), { elevationLossM: [28, 30, 32][d % 3]! }));
    const flare = run(99, addDays(START, 40), { elevationLossM: 92, light: 'red' });
    const report = buildPainReport([...runs, flare]);
    expect(report.flareUps).toHaveLength(1);
    const [f] = report.flareUps;
    const loss = f!.standouts.find((s) => s.name === 'elevationLoss');
    expect(loss).toEqual({ name: 'elevationLoss', value: 92, usual: 30, unit: 'm', text: 'descent 92 m, your usual is 30 m' });
    expect(f!.standouts.find((s) => s.name === 'descentPerKm')?.text).toBe('descent per km 11.5 m/km, your usual is 3.8 m/km');
    // distance, pace and cadence were as usual
    expect(f!.standouts.map((s) => s.name).sort()).toEqual(['descentPerKm', 'elevationLoss']);
    expect(describeFlareUp(f!)).toContain('descent 92 m, your usual is 30 m');
  });

  it('a faster pace and a lower cadence stand out; a slightly longer run does not', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(i, addDays(START, i * 2), { distanceM: 8_000 + i * 50 }));
    const flare = run(50, addDays(START, 20), { light: 'amber', paceSPerKm: 290, movingTimeS: 8.6 * 290, distanceM: 8_600, runCadenceSpm: 160 });
    const [f] = buildPainReport([...runs, flare]).flareUps;
    expect(f!.standouts.map((s) => s.name).sort()).toEqual(['cadence', 'pace']);
    expect(f!.standouts.find((s) => s.name === 'pace')!.text).toBe('pace 4:50 /km, your usual is 5:30 /km');
    expect(f!.standouts.find((s) => s.name === 'cadence')!.text).toBe('cadence 160 spm, your usual is 168 spm');
  });

  it('needs 3 earlier runs in the window; runs older than 28 days do not count', () => {
    const old = [0, 1, 2, 3].map((i) => run(i, addDays(START, i)));
    const recent = [run(10, addDays(START, 40)), run(11, addDays(START, 41))];
    const flare = run(12, addDays(START, 42), { light: 'red', elevationLossM: 200 });
    expect(buildPainReport([...old, ...recent, flare]).flareUps[0]!.standouts).toEqual([]);
  });

  it('standsOut rules', () => {
    const up = { direction: 'up' as const, minRatio: 1.5, minAbs: 20 };
    expect(standsOut(up, 92, [28, 30, 32])).toEqual({ usual: 30 });
    expect(standsOut(up, 44, [28, 30, 32])).toBeNull(); // above the max but under 1.5× the usual
    expect(standsOut(up, 46, [10, 12, 50])).toBeNull(); // not above the 28-day max
    expect(standsOut(up, 92, [28, 30])).toBeNull(); // too little history
    const down = { direction: 'down' as const, minRatio: 1.05, minAbs: 5 };
    expect(standsOut(down, 300, [330, 335, 340])).toEqual({ usual: 335 });
    expect(standsOut(down, 325, [330, 335, 340])).toBeNull(); // faster than the fastest, but < 5 % faster
    const either = { direction: 'either' as const, minRatio: 1.03, minAbs: 0 };
    expect(standsOut(either, 175, [168, 169, 170])).toEqual({ usual: 169 });
    expect(standsOut(either, 163, [168, 169, 170])).toEqual({ usual: 169 });
    expect(standsOut(either, 172, [168, 169, 170])).toBeNull(); // outside the range, within 3 %
  });
});

describe('derived variables and the date range', () => {
  it('days since the previous run: same day 0, the first run has none', () => {
    const runs = [
      run(1, '2026-03-02', { light: 'red' }),
      run(2, '2026-03-05', { light: 'red' }),
      { ...run(3, '2026-03-05', { light: 'red' }), startTime: new Date('2026-03-05T18:00:00Z') },
      run(4, '2026-03-06', { light: 'red' }),
      run(5, '2026-03-09', { light: 'green' }),
      run(6, '2026-03-10', { light: 'green' }),
      run(7, '2026-03-11', { light: 'green' }),
      run(8, '2026-03-14', { light: 'green' }),
    ];
    const days = byName(buildPainReport(runs).variables, 'daysSincePreviousRun');
    // flare-ups: (none), 3, 0, 1 → median 1; green: 3, 1, 1, 3 → median 2
    expect(days.flareUps).toEqual({ n: 3, median: 1 });
    expect(days.green).toEqual({ n: 4, median: 2 });
  });

  it('longest-run ratio: earlier runs of the same day count, runs over 30 days back do not', () => {
    const runs = [
      run(1, '2026-01-01', { distanceM: 30_000 }),
      run(2, '2026-02-10', { distanceM: 10_000 }),
      { ...run(3, '2026-02-20', { distanceM: 5_000 }), startTime: new Date('2026-02-20T06:00:00Z') },
      { ...run(4, '2026-02-20', { distanceM: 12_000, light: 'amber' }), startTime: new Date('2026-02-20T17:00:00Z') },
    ];
    const report = buildPainReport(runs, { from: '2026-02-20' });
    const ratio = byName(report.variables, 'longestRunRatio');
    expect(ratio.flareUps).toEqual({ n: 1, median: 1.2 });
    expect(ratio.green).toEqual({ n: 1, median: 0.5 });
    expect(report.runs).toBe(2);
  });

  it('runs before `from` are history only: not counted, but their dates feed the first run in range', () => {
    const runs = hillsDiary();
    const from = runs[40]!.localDate;
    const to = runs[69]!.localDate;
    const report = buildPainReport(runs, { from, to });
    expect(report.runs).toBe(30);
    expect(report.flareUps.every((f) => f.localDate >= from && f.localDate <= to)).toBe(true);
    const days = byName(report.variables, 'daysSincePreviousRun');
    expect(days.flareUps.n + days.green.n).toBe(report.answered);
  });

  it('missing values leave a run out of that variable only', () => {
    const runs = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => run(i, addDays(START, i), { light: i % 2 ? 'amber' : 'green', runCadenceSpm: i < 2 ? null : 168 }));
    const report = buildPainReport(runs);
    expect(byName(report.variables, 'cadence').flareUps.n + byName(report.variables, 'cadence').green.n).toBe(6);
    expect(byName(report.variables, 'distance').flareUps.n + byName(report.variables, 'distance').green.n).toBe(8);
  });
});

describe('input dates', () => {
  it('refuses a local date that is not a calendar date', () => {
    expect(() => buildPainReport([run(1, '2026-02-30')])).toThrow(RangeError);
    expect(() => buildPainReport([run(1, '2026-3-1')])).toThrow(RangeError);
  });
  it('counts days across months and leap days', () => {
    const runs = ['2024-02-28', '2024-03-01', '2024-03-31', '2024-04-01'].map((d, i) => run(i, d, { light: i % 2 ? 'amber' : 'green' }));
    const days = buildPainReport(runs).variables.find((v) => v.name === 'daysSincePreviousRun')!;
    // 2024-02-28 → 03-01 is 2 days (leap year), 03-01 → 03-31 is 30, 03-31 → 04-01 is 1
    expect(days.flareUps).toEqual({ n: 2, median: 1.5 });
    expect(days.green).toEqual({ n: 1, median: 30 });
  });
});
