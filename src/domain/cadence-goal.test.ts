import { describe, expect, it } from 'vitest';
import { addDays } from './iso-week.js';
import {
  activePause,
  adjustedCadence,
  cadenceSpeedSlope,
  cadenceStatus,
  cadenceTrend,
  computeBaseline,
  exclusionReason,
  isOnTarget,
  nextStep,
  olsSlope,
  painFlagOf,
  progressPct,
  rollingMedian,
  targetSpmFor,
  theilSen,
  timeInBandPct,
  type StatusInput,
} from './cadence-goal.js';
import { buildCadenceRun } from '../../test/factories/cadence-run.js';

const run = buildCadenceRun;

describe('exclusionReason (qualifying runs)', () => {
  it('qualifies ≥ 10 min of running samples with ok quality, not a race or workout', () => {
    expect(exclusionReason(run('2026-01-01', 165))).toBeNull();
    expect(exclusionReason(run('2026-01-01', 165, { runningTimeS: 599 }))).toBe('too_short');
    expect(exclusionReason(run('2026-01-01', 165, { runningTimeS: 600 }))).toBeNull();
    expect(exclusionReason(run('2026-01-01', 250, { cadenceQuality: 'suspect' }))).toBe('suspect_values');
    expect(exclusionReason(run('2026-01-01', 165, { workoutType: 1 }))).toBe('race_or_workout');
    expect(exclusionReason(run('2026-01-01', 165, { workoutType: 3 }))).toBe('race_or_workout');
    expect(exclusionReason(run('2026-01-01', 165, { workoutType: 2 }))).toBeNull();
  });

  it('names summary-only runs and treadmill runs without cadence', () => {
    expect(exclusionReason(run('2026-01-01', 0, { runCadenceSpm: null, cadenceQuality: 'ok', cadenceSource: 'strava-summary', runningTimeS: 0 }))).toBe(
      'summary_only',
    );
    expect(exclusionReason(run('2026-01-01', 0, { runCadenceSpm: null, cadenceQuality: 'none', cadenceSource: 'none', isIndoor: true }))).toBe(
      'treadmill_without_cadence',
    );
    expect(exclusionReason(run('2026-01-01', 0, { runCadenceSpm: null, cadenceQuality: 'none', cadenceSource: 'none' }))).toBe('no_cadence');
  });
});

describe('computeBaseline', () => {
  const start = '2026-03-01';

  it('takes the median running cadence and speed of qualifying runs in the 21 days before the start', () => {
    const runs = [
      run('2026-02-07', 150), // 22 days before: outside the window
      run('2026-02-08', 160, { speedMps: 2.8 }), // first day of the window
      run('2026-02-14', 166, { speedMps: 3.0 }),
      run('2026-02-20', 162, { speedMps: 3.1 }),
      run('2026-02-21', 190, { workoutType: 1 }), // race: excluded
      run('2026-02-28', 170, { speedMps: 3.2 }),
      run('2026-03-01', 180), // the start day itself is not baseline
    ];
    const b = computeBaseline(runs, start);
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.baseline.runs).toBe(4);
    expect(b.baseline.spm).toBe(164); // median of 160, 162, 166, 170
    expect(b.baseline.speedMps).toBeCloseTo(3.05, 10);
    expect(b.baseline).toMatchObject({ from: '2026-02-08', to: '2026-02-28', firstRunDate: '2026-02-08', lastRunDate: '2026-02-28', source: 'runs' });
    expect(b.baseline.slope).toMatchObject({ source: 'default', spmPerMps: 6 });
  });

  it('says "collecting baseline (k/3)" with fewer than 3 runs', () => {
    const b = computeBaseline([run('2026-02-20', 160), run('2026-02-27', 162), run('2026-02-27', 150, { runningTimeS: 300 })], start);
    expect(b).toMatchObject({ ok: false, have: 2, need: 3, message: 'collecting baseline (2/3)' });
    expect(computeBaseline([], start)).toMatchObject({ ok: false, have: 0, message: 'collecting baseline (0/3)' });
  });

  it('needs the runs spread over at least 7 days', () => {
    const tight = [run('2026-02-22', 160), run('2026-02-25', 161), run('2026-02-27', 162)]; // 6 days
    const b = computeBaseline(tight, start);
    expect(b).toMatchObject({ ok: false, have: 3, spreadDays: 6 });
    const spread = [run('2026-02-21', 160), run('2026-02-25', 161), run('2026-02-27', 162)]; // 7 days
    expect(computeBaseline(spread, start).ok).toBe(true);
  });
});

describe('cadenceSpeedSlope', () => {
  const pts = (speeds: number[], slope: number) => speeds.map((v) => ({ speedMps: v, runCadenceSpm: 160 + slope * (v - 3) }));

  it("fits the runner's own slope with ≥ 5 runs spanning ≥ 10 % in speed", () => {
    const s = cadenceSpeedSlope(pts([2.8, 2.9, 3.0, 3.1, 3.2], 8));
    expect(s.source).toBe('own');
    expect(s.spmPerMps).toBeCloseTo(8, 10);
  });

  it('falls back to 6 spm per m/s with 4 runs, a narrow speed range or an implausible fit', () => {
    expect(cadenceSpeedSlope(pts([2.8, 2.9, 3.1, 3.2], 8))).toMatchObject({ source: 'default', spmPerMps: 6 });
    expect(cadenceSpeedSlope(pts([2.9, 2.95, 3.0, 3.05, 3.1], 8))).toMatchObject({ source: 'default', spmPerMps: 6 }); // 6.7 %
    expect(cadenceSpeedSlope(pts([2.8, 2.9, 3.0, 3.1, 3.2], -4))).toMatchObject({ source: 'default' });
    expect(cadenceSpeedSlope(pts([2.8, 2.9, 3.0, 3.1, 3.2], 25))).toMatchObject({ source: 'default' });
  });

  it('olsSlope is null when x does not vary', () => {
    expect(olsSlope([3, 3, 3], [160, 161, 162])).toBeNull();
    expect(olsSlope([1, 2, 3], [2, 4, 6])).toBeCloseTo(2, 12);
  });
});

describe('speed matching, progress and on target', () => {
  const baseline = { speedMps: 3, slope: { spmPerMps: 6, source: 'default' as const, reason: null } };

  it('removes the speed effect: 0.5 m/s faster takes 3 spm off', () => {
    expect(adjustedCadence(173, 3.5, baseline)).toBeCloseTo(170, 10);
    expect(adjustedCadence(164, 2.5, baseline)).toBeCloseTo(167, 10);
    expect(adjustedCadence(170, null, baseline)).toBe(170);
  });

  it('target rounds baseline × (1 + p)', () => {
    expect(targetSpmFor(160, 5)).toBe(168);
    expect(targetSpmFor(163, 7.5)).toBe(175);
  });

  it('progress is clipped to [−50, 150]', () => {
    expect(progressPct(164, 160, 168)).toBe(50);
    expect(progressPct(180, 160, 168)).toBe(150);
    expect(progressPct(150, 160, 168)).toBe(-50);
    expect(progressPct(null, 160, 168)).toBeNull();
  });

  it('on target within 1 spm of the target', () => {
    expect(isOnTarget(167, 168)).toBe(true);
    expect(isOnTarget(166.9, 168)).toBe(false);
    expect(isOnTarget(null, 168)).toBe(false);
  });
});

describe('time in band from histograms', () => {
  it('pools running time at or above target − 2 % over the runs', () => {
    // target 170 → floor 166.6: bin 166 counts 40 %, bins ≥ 167 fully
    const a = { min: 165, counts: [100, 100, 100, 100] }; // 165..168
    const b = { min: 170, counts: [200] };
    expect(timeInBandPct([a], 170)).toBeCloseTo((100 * (0.4 * 100 + 100 + 100)) / 400, 10);
    expect(timeInBandPct([a, b, null], 170)).toBeCloseTo((100 * (240 + 200)) / 600, 10);
    expect(timeInBandPct([null], 170)).toBeNull();
  });
});

describe('Theil–Sen trend', () => {
  it('is the median pairwise slope, robust to one outlier', () => {
    expect(theilSen([0, 1, 2, 3, 4], [0, 1, 2, 3, 40])).toBe(1);
    expect(theilSen([1, 1], [1, 2])).toBeNull();
  });

  it('gives spm per week over the last 28 days and needs 4 runs', () => {
    const asOf = '2026-04-28';
    const pts = [0, 7, 14, 21].map((d) => ({ localDate: addDays('2026-04-01', d), adjustedSpm: 160 + d / 7 }));
    expect(cadenceTrend(pts, asOf)).toBeCloseTo(1, 10);
    expect(cadenceTrend(pts.slice(1), asOf)).toBeNull();
    // a run 28 days before asOf is outside the window
    expect(cadenceTrend([{ localDate: '2026-03-31', adjustedSpm: 100 }, ...pts.slice(1)], asOf)).toBeNull();
  });

  it('rolling median over the last 7 values', () => {
    expect(rollingMedian([1, 9, 2, 8, 3, 7, 4, 6], 3)).toEqual([1, 5, 2, 8, 3, 7, 4, 6]);
    expect(rollingMedian([1, 2, 3, 4, 5, 6, 7, 100])[7]).toBe(5);
  });
});

describe('cadenceStatus', () => {
  const base: StatusInput = { baselineReady: true, paused: false, progressPct: 0, onTarget: false, wasOnTarget: false, trendSpmPerWeek: null };
  it.each([
    [{ baselineReady: false }, 'collecting_baseline'],
    [{ paused: true, onTarget: true }, 'paused'],
    [{ onTarget: true, progressPct: 90 }, 'on_target'],
    [{ progressPct: 24.9 }, 'not_started'],
    [{ progressPct: null }, 'not_started'],
    [{ progressPct: 25 }, 'progressing'],
    [{ progressPct: 80, wasOnTarget: true }, 'progressing'],
    [{ progressPct: 74, wasOnTarget: true }, 'slipping'],
    [{ progressPct: 90, wasOnTarget: true, trendSpmPerWeek: -1 }, 'slipping'],
    [{ progressPct: 60, wasOnTarget: false, trendSpmPerWeek: -3 }, 'progressing'],
  ] as const)('%j → %s', (over, expected) => {
    expect(cadenceStatus({ ...base, ...over })).toBe(expected);
  });
});

describe('R6 pause', () => {
  it('flags calf pain ≥ 3 first, then a red knee, then a worse morning', () => {
    const none = { light: 'green' as const, painDuring: 1, calfPain: null, morningWorse: false };
    expect(painFlagOf('a', '2026-01-01', none)).toBeNull();
    expect(painFlagOf('a', '2026-01-01', { ...none, calfPain: 2 })).toBeNull();
    expect(painFlagOf('a', '2026-01-01', { ...none, calfPain: 3, light: 'red' })?.reason).toBe('calf');
    expect(painFlagOf('a', '2026-01-01', { ...none, light: 'red' })?.reason).toBe('knee_red');
    expect(painFlagOf('a', '2026-01-01', { ...none, light: 'amber', morningWorse: true })?.reason).toBe('morning_worse');
    expect(painFlagOf('a', '2026-01-01', undefined)).toBeNull();
  });

  it('pauses for 7 days after the latest flag since the start, then resumes', () => {
    const flags = [
      { activityId: 'x', localDate: '2026-02-27', reason: 'calf' as const }, // before the start: ignored
      { activityId: 'y', localDate: '2026-03-05', reason: 'morning_worse' as const },
    ];
    expect(activePause(flags, '2026-03-01', '2026-03-02')).toBeNull();
    expect(activePause(flags, '2026-03-01', '2026-03-05')?.activityId).toBe('y');
    expect(activePause(flags, '2026-03-01', '2026-03-11')?.activityId).toBe('y');
    expect(activePause(flags, '2026-03-01', '2026-03-12')).toBeNull();
  });
});

describe('nextStep', () => {
  const green = ['green', 'green', 'green'] as const;
  it('steps up to +7.5 % when on target and green for 2 weeks', () => {
    const s = nextStep({ status: 'on_target', baselineSpm: 160, targetPct: 5, pause: null, recentLights: green, daysActive: 20 });
    expect(s).toMatchObject({ action: 'step_up', nextTargetPct: 7.5, nextTargetSpm: 172 });
    expect(nextStep({ status: 'on_target', baselineSpm: 160, targetPct: 7.5, pause: null, recentLights: green, daysActive: 20 })).toMatchObject({
      action: 'step_up',
      nextTargetPct: 10,
      nextTargetSpm: 176,
    });
  });

  it('holds with an amber or unanswered run, before 2 weeks, at +10 %, or when not on target', () => {
    const base = { status: 'on_target' as const, baselineSpm: 160, targetPct: 5, pause: null, daysActive: 20 };
    expect(nextStep({ ...base, recentLights: ['green', 'amber'] }).action).toBe('hold');
    expect(nextStep({ ...base, recentLights: ['green', null] }).action).toBe('hold');
    expect(nextStep({ ...base, recentLights: [] }).action).toBe('hold');
    expect(nextStep({ ...base, recentLights: green, daysActive: 13 }).action).toBe('hold');
    expect(nextStep({ ...base, recentLights: green, targetPct: 10 }).action).toBe('hold');
    expect(nextStep({ ...base, recentLights: green, status: 'progressing' }).action).toBe('hold');
  });

  it('pauses for calf/knee and asks for a baseline while collecting', () => {
    const pause = { activityId: 'a', localDate: '2026-03-05', reason: 'calf' as const };
    const p = nextStep({ status: 'paused', baselineSpm: 160, targetPct: 5, pause, recentLights: green, daysActive: 20 });
    expect(p.action).toBe('pause');
    expect(p.message).toMatch(/^Pause — calf\/knee: calf pain/);
    expect(nextStep({ status: 'collecting_baseline', baselineSpm: null, targetPct: 5, pause: null, recentLights: [], daysActive: 0 }).action).toBe(
      'collect_baseline',
    );
  });
});
