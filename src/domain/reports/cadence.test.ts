import { describe, expect, it } from 'vitest';
import { addDays } from '../iso-week.js';
import { buildCadenceReport, cadenceReportCsv, CADENCE_CSV_COLUMNS, type CadenceReportRun } from './cadence.js';
import { buildCadenceReportRun } from '../../../test/factories/cadence-run.js';

const run = buildCadenceReportRun;

const START = '2026-03-02'; // a Monday
const goal = { id: 'g1', startDate: START, targetPct: 5, targetSpm: null, baseline: null };

/** Baseline 160 spm at 3 m/s (3 runs over 14 days), then runs climbing to 168. */
function seeded(): CadenceReportRun[] {
  return [
    run('2026-02-12', 158),
    run('2026-02-19', 160),
    run('2026-02-26', 162),
    run('2026-03-03', 163),
    run('2026-03-05', 165, { speedMps: 3.5 }), // 3 spm of it is speed: adjusted 162
    run('2026-03-08', 166),
    run('2026-03-10', 168),
    run('2026-03-12', 168),
    run('2026-03-13', 168, { runningTimeS: 400 }), // too short
  ];
}

describe('buildCadenceReport', () => {
  it('computes the baseline, target, current, progress and status from the runs', () => {
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal, runs: seeded() });
    const g = r.goal!;
    expect(g).toMatchObject({
      baselineSpm: 160,
      targetSpm: 168,
      targetPct: 5,
      runsSinceStart: 5,
      currentSpm: 168,
      onTarget: true,
      status: 'on_target',
      progressPct: 100,
      daysActive: 12,
    });
    expect(g.baseline).toMatchObject({ runs: 3, speedMps: 3, slopeSource: 'default', slopeSpmPerMps: 6, frozen: false, from: '2026-02-09', to: '2026-03-01' });
    expect(g.runsOnTarget).toBe(2); // 168 and 168; 166 is more than 1 spm short
    expect(g.timeInBandPct).toBe(100); // runs of the last 7 days all at 168 ≥ 164.6
    // trend over the last 28 days: qualifying runs from 2026-02-15 on
    expect(g.trendSpmPerWeek).toBeGreaterThan(2);
    const fast = r.runs.find((x) => x.localDate === '2026-03-05')!;
    expect(fast.adjustedCadenceSpm).toBe(162);
    expect(fast.paceSPerKm).toBeCloseTo(285.7, 1);
    expect(fast.onTarget).toBe(false);
    const short = r.runs.find((x) => x.localDate === '2026-03-13')!;
    expect(short).toMatchObject({ qualifies: false, excludedReason: 'too_short', adjustedCadenceSpm: null, timeInBandPct: null });
    expect(r.dataQuality.notes).toContain('1 run left out: under 10 minutes of running with cadence');
    expect(r.dataQuality.notes[0]).toBe('9 runs: FIT records (strides/min ×2), normalised ×2 to steps/min');
  });

  it('shows "collecting baseline (k/3)" and no progress with too few baseline runs', () => {
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal, runs: seeded().slice(2) });
    expect(r.goal).toMatchObject({
      status: 'collecting_baseline',
      statusLabel: 'collecting baseline (1/3)',
      baselineSpm: null,
      targetSpm: null,
      progressPct: null,
    });
    expect(r.goal!.nextStep.action).toBe('collect_baseline');
  });

  it('keeps a frozen baseline whatever the runs say, and honours an explicit target', () => {
    const frozen = {
      spm: 150,
      speedMps: 3,
      slope: { spmPerMps: 6, source: 'default' as const, reason: null },
      from: '2026-02-09',
      to: '2026-03-01',
      firstRunDate: null,
      lastRunDate: null,
      runs: 0,
      runIds: [],
      source: 'given' as const,
    };
    const r = buildCadenceReport({
      runnerId: 'x',
      asOf: '2026-03-14',
      range: { from: '2026-02-01', to: '2026-03-14' },
      goal: { ...goal, targetPct: null, targetSpm: 165, baseline: frozen },
      runs: seeded(),
    });
    expect(r.goal).toMatchObject({ baselineSpm: 150, targetSpm: 165, targetPct: 10, status: 'on_target' });
    expect(r.goal!.baseline.frozen).toBe(true);
  });

  it('pauses on calf pain ≥ 3 after a run since the start and says so in the next step', () => {
    const runs = seeded();
    const pain = new Map([[runs[6]!.activityId, { light: 'green' as const, painDuring: 1, calfPain: 4, morningWorse: false }]]);
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal, runs, pain });
    expect(r.goal!.status).toBe('paused');
    expect(r.goal!.paused).toMatchObject({ reason: 'calf', localDate: '2026-03-10' });
    expect(r.goal!.nextStep.action).toBe('pause');
    expect(r.runs.find((x) => x.localDate === '2026-03-10')).toMatchObject({ painLight: 'green', calfPain: 4 });
  });

  it('does not set pain answers beside a Strava run, while the answers still pause the goal', () => {
    const runs = seeded().map((r, i) => (i === 6 ? { ...r, source: 'strava' } : r));
    const pain = new Map([[runs[6]!.activityId, { light: 'green' as const, painDuring: 1, calfPain: 4, morningWorse: false }]]);
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal, runs, pain });
    expect(r.goal!.status).toBe('paused');
    expect(r.runs.find((x) => x.localDate === '2026-03-10')).toMatchObject({ source: 'strava', painLight: null, painDuring: null, calfPain: null });
  });

  it('lists only runs in range but computes the goal from all runs; weekly load per ISO week', () => {
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-03-02', to: '2026-03-08' }, goal, runs: seeded() });
    expect(r.runs.map((x) => x.localDate)).toEqual(['2026-03-03', '2026-03-05', '2026-03-08']);
    expect(r.goal!.baselineSpm).toBe(160);
    expect(r.weeks).toEqual([{ week: '2026-W10', start: '2026-03-02', distanceM: 16200, elevationLossM: 90, runs: 3 }]);
  });

  it('rolling median of the last 7 qualifying runs', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(addDays('2026-02-09', i * 2), 160 + i));
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal: null, runs });
    expect(r.goal).toBeNull();
    expect(r.runs.map((x) => x.rollingMedianSpm)).toEqual([160, 160.5, 161, 161.5, 162, 162.5, 163, 164, 165, 166]);
  });
});

describe('cadenceReportCsv', () => {
  it('has a stable header and one line per run, empty cells for nulls', () => {
    const r = buildCadenceReport({ runnerId: 'x', asOf: '2026-03-14', range: { from: '2026-02-01', to: '2026-03-14' }, goal, runs: seeded() });
    const lines = cadenceReportCsv(r).trimEnd().split('\n');
    expect(lines[0]).toBe(CADENCE_CSV_COLUMNS.join(','));
    expect(lines[0]!.startsWith('activityId,localDate,source,qualifies,excludedReason,runCadenceSpm,adjustedCadenceSpm')).toBe(true);
    expect(lines).toHaveLength(1 + r.runs.length);
    const cells = lines[5]!.split(',');
    const col = (name: string) => cells[CADENCE_CSV_COLUMNS.indexOf(name as (typeof CADENCE_CSV_COLUMNS)[number])];
    expect(col('localDate')).toBe('2026-03-05');
    expect(col('runCadenceSpm')).toBe('165');
    expect(col('adjustedCadenceSpm')).toBe('162');
    expect(col('painLight')).toBe('');
  });
});
