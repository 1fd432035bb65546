import { describe, expect, it } from 'vitest';
import { addDays, parseIsoWeek } from '../iso-week.js';
import { evaluateWeek, evaluationWindow } from './index.js';
import { resolveThresholds } from './thresholds.js';
import { buildWeekRun } from '../../../test/factories/week-runs.js';

const run = buildWeekRun;
const weekRuns = (week: string, kms: number[]) => kms.map((km, i) => run(addDays(parseIsoWeek(week).start, 2 * i), km));
const history = () => ['2026-W43', '2026-W44', '2026-W45', '2026-W46'].flatMap((w) => weekRuns(w, [10, 10]));

describe('evaluationWindow', () => {
  it('asks for the 35 days before Monday up to Sunday with default thresholds', () => {
    expect(evaluationWindow('2026-W47')).toEqual({ from: '2026-10-12', to: '2026-11-22' });
  });

  it('grows with a longer configured spike lookback', () => {
    expect(evaluationWindow('2026-W47', { spike: { lookbackDays: 42 } }).from).toBe('2026-10-05');
  });
});

describe('evaluateWeek', () => {
  it('returns the docs/api.md "Week" header and whether the week is complete', () => {
    const e = evaluateWeek({ week: '2026-W47', runs: history(), todayLocalDate: '2026-11-22' });
    expect(e).toMatchObject({ week: '2026-W47', start: '2026-11-16', end: '2026-11-22', complete: false, status: 'ok' });
    expect(evaluateWeek({ week: '2026-W47', runs: history(), todayLocalDate: '2026-11-23' }).complete).toBe(true);
  });

  it('reports change vs the previous week in percent', () => {
    const e = evaluateWeek({ week: '2026-W47', runs: [...history(), ...weekRuns('2026-W47', [8, 8, 7])], todayLocalDate: '2026-11-23' });
    expect(e.changePct.distanceM).toBe(15);
    expect(e.changePct.runs).toBe(50);
  });

  it('ignores runs older than the window, so passing the whole history changes nothing', () => {
    const recent = [...history(), ...weekRuns('2026-W47', [8, 8, 7])];
    const ancient = [run('2026-10-11', 42), run('2025-06-01', 30)]; // outside [2026-10-12, 2026-11-22]
    const a = evaluateWeek({ week: '2026-W47', runs: recent, todayLocalDate: '2026-11-23' });
    const b = evaluateWeek({ week: '2026-W47', runs: [...ancient, ...recent], todayLocalDate: '2026-11-23' });
    expect(b).toEqual(a);
  });

  it('raises LOAD_JUMP, MULTI_CHANGE and RUN_SPIKE together, each with a message and evidence', () => {
    const week = [run('2026-11-16', 6), run('2026-11-18', 6), run('2026-11-21', 14, { id: 'long', elevationLossM: 300 })];
    const e = evaluateWeek({ week: '2026-W47', runs: [...history(), ...week], todayLocalDate: '2026-11-23' });
    expect(e.warnings.map((w) => w.code)).toEqual(['LOAD_JUMP', 'MULTI_CHANGE', 'RUN_SPIKE']);
    const spike = e.warnings.find((w) => w.code === 'RUN_SPIKE');
    expect(spike).toMatchObject({ runId: 'long', severity: 'amber', evidence: { spikePct: 40, band: '30-100' } });
    for (const w of e.warnings) expect(w.message.length).toBeGreaterThan(40);
  });

  it('gives no warnings and an explicit status when the runner has no earlier runs', () => {
    const e = evaluateWeek({ week: '2026-W47', runs: weekRuns('2026-W47', [5, 15, 30]), todayLocalDate: '2026-11-23' });
    expect(e).toMatchObject({ status: 'insufficient_history', warnings: [], changed: [], load: null });
  });

  it('does not count noise runs as history (a 0.5 km jog is not a week of data)', () => {
    const e = evaluateWeek({
      week: '2026-W47',
      runs: [run('2026-11-10', 0.5), ...weekRuns('2026-W47', [10])],
      todayLocalDate: '2026-11-23',
    });
    expect(e.status).toBe('insufficient_history');
  });

  it('applies threshold overrides, e.g. a clinician setting 7.5 % a week', () => {
    const runs = [...history(), ...weekRuns('2026-W47', [7, 7, 7.6])]; // +8 %
    const codes = (o?: Parameters<typeof evaluateWeek>[0]['thresholds']) =>
      evaluateWeek({ week: '2026-W47', runs, todayLocalDate: '2026-11-23', thresholds: o }).warnings.map((w) => w.code);
    expect(codes()).toEqual([]);
    expect(codes({ load: { maxIncrease: 0.075 } })).toEqual(['LOAD_JUMP']);
    expect(resolveThresholds().load.maxIncrease).toBe(0.1);
  });

  it('counts a cadence goal started this week as the gait change', () => {
    const runs = [...history(), ...weekRuns('2026-W47', [8, 8, 7])];
    const e = evaluateWeek({ week: '2026-W47', runs, todayLocalDate: '2026-11-23', cadenceGoalStartDate: '2026-11-18' });
    expect(e.changed).toContain('avgCadenceSpm');
    expect(e.warnings.map((w) => w.code)).toContain('MULTI_CHANGE');
  });

  it('places a Sunday 23:30 local run (Monday UTC) in the Sunday week when built with localDateOf', () => {
    const late = run('2026-11-22', 5, { startTime: new Date('2026-11-23T04:30:00Z') });
    const e = evaluateWeek({ week: '2026-W47', runs: [...history(), late], todayLocalDate: '2026-11-23' });
    expect(e.variables.runs).toBe(1);
  });
});
