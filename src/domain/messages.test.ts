import { describe, expect, it } from 'vitest';
import {
  formatDay,
  formatDuration,
  formatKm,
  formatPace,
  formatPct,
  insufficientHistoryMessage,
  loadJumpMessage,
  type MessageContext,
  multiChangeMessage,
  runSpikeMessage,
} from './messages.js';
import type { LoadJumpFinding } from './rules/load-progression.js';
import type { ChangeAssessment } from './rules/one-change.js';
import type { SpikeFinding } from './rules/spike.js';

const midWeek: MessageContext = { weekStart: '2026-11-16', weekToDate: true, provisional: false, priorWeeksOfData: 5 };
const closed: MessageContext = { ...midWeek, weekToDate: false };

function jump(o: Partial<LoadJumpFinding> = {}): LoadJumpFinding {
  return {
    basis: 'previous_week',
    rule: 'percent',
    severity: 'amber',
    exceeded: ['distanceM'],
    distanceM: 23_400,
    referenceDistanceM: 20_000,
    distanceIncrease: 0.17,
    movingTimeS: 8424,
    referenceMovingTimeS: 7200,
    movingTimeIncrease: 0.17,
    runs: 4,
    referenceRuns: 3,
    allowedIncrease: 0.1,
    triggeredByRunId: 'r9',
    triggeredOnDate: '2026-11-22',
    ...o,
  };
}

describe('number formatting', () => {
  it('rounds km to one decimal and percent to whole numbers', () => {
    expect(formatKm(23_420)).toBe('23.4 km');
    expect(formatKm(20_000)).toBe('20.0 km');
    expect(formatPct(0.17)).toBe('17 %');
    expect(formatPct(0.126)).toBe('13 %');
  });

  it('shows a decimal when a whole number would hide that the limit was passed', () => {
    expect(formatPct(0.101, 0.1)).toBe('10.1 %');
    expect(formatPct(0.1004, 0.1)).toBe('10.1 %');
    expect(formatPct(0.106, 0.1)).toBe('11 %');
  });

  it('writes durations, paces and days the way runners read them', () => {
    expect(formatDuration(7500)).toBe('2 h 05 min');
    expect(formatDuration(2700)).toBe('45 min');
    expect(formatPace(305)).toBe('5:05 /km');
    expect(formatDay('2026-11-22')).toBe('Sunday 22 Nov');
  });
});

describe('loadJumpMessage', () => {
  it("states this week's distance, the rise and last week's distance, and the 10 % guide", () => {
    const m = loadJumpMessage(jump(), midWeek);
    expect(m).toContain("This week you've run 23.4 km so far, 17 % more than last week's 20.0 km");
    expect(m).toContain('about 10 % a week');
    expect(m).toContain('Sunday 22 Nov');
    expect(m).not.toContain('Provisional');
  });

  it('talks about the finished week and next week once the week is complete', () => {
    const m = loadJumpMessage(jump(), closed);
    expect(m).toContain('In the week of Monday 16 Nov you ran 23.4 km');
    expect(m).toContain('next week');
  });

  it('says so when the warning is provisional', () => {
    expect(loadJumpMessage(jump(), { ...midWeek, provisional: true, priorWeeksOfData: 1 })).toContain(
      'Provisional: we only have one week of your running history',
    );
  });

  it('suggests slowing down, run-walk and flatter routes for a red jump', () => {
    const m = loadJumpMessage(jump({ severity: 'red', distanceM: 30_000, distanceIncrease: 0.5 }), closed);
    expect(m).toMatch(/slower.*run-walk.*flatter/);
  });

  it('speaks of running time when only time rose', () => {
    const m = loadJumpMessage(
      jump({ exceeded: ['movingTimeS'], distanceM: 20_000, distanceIncrease: 0, movingTimeS: 8100, movingTimeIncrease: 0.125 }),
      closed,
    );
    expect(m).toContain('for 2 h 15 min');
    expect(m).toContain('13 % more time');
  });

  it('compares with the recent average after a break', () => {
    const m = loadJumpMessage(jump({ basis: 'four_week_mean', referenceDistanceM: 16_250, distanceIncrease: 0.44, allowedIncrease: 0 }), closed);
    expect(m).toContain('your recent average of 16.3 km a week');
    expect(m).toContain('usual weekly amount');
  });

  it('explains the absolute cap in km and runs for a thin previous week', () => {
    const m = loadJumpMessage(jump({ rule: 'absolute_cap', distanceM: 9000, referenceDistanceM: 4000, runs: 3, referenceRuns: 1 }), closed);
    expect(m).toContain('9.0 km in 3 runs');
    expect(m).toContain('4.0 km in 1 run.');
    expect(m).toContain('about 2 km or one extra run');
  });
});

describe('multiChangeMessage', () => {
  it('names each change once, folding extra runs into the distance change', () => {
    const a: ChangeAssessment = {
      changed: ['distanceM', 'runs', 'elevationLossM'],
      groups: ['volume', 'hills'],
      frequencyRedistributed: false,
      isMultiChange: true,
      gaitGoal: false,
      details: {
        distanceM: { before: 20_000, after: 24_000 },
        runs: { before: 3, after: 4 },
        elevationLossM: { before: 100, after: 320 },
      },
    };
    const m = multiChangeMessage(a, closed);
    expect(m).toContain('2 things at once');
    expect(m).toContain('more distance (20.0 km → 24.0 km, in 4 runs instead of 3)');
    expect(m).toContain('more downhill running (100 m → 320 m of descent)');
    expect(m).not.toContain('more runs');
    expect(m).toContain('one thing at a time');
  });

  it('names a cadence goal in its first weeks as the gait change', () => {
    const a: ChangeAssessment = {
      changed: ['distanceM', 'avgCadenceSpm'],
      groups: ['volume', 'gait'],
      frequencyRedistributed: false,
      isMultiChange: true,
      gaitGoal: true,
      details: { distanceM: { before: 20_000, after: 24_000 }, avgCadenceSpm: { before: 160, after: 161 } },
    };
    const m = multiChangeMessage(a, closed);
    expect(m).toContain('your new step-rate goal (it counts as a change for its first 2 weeks)');
    expect(m).not.toContain('a different step rate');
    expect(multiChangeMessage({ ...a, gaitGoal: false }, closed)).toContain('a different step rate (160 → 161 steps/min)');
  });
});

describe('runSpikeMessage', () => {
  const spike = (o: Partial<SpikeFinding>): SpikeFinding => ({
    runId: 'r1',
    localDate: '2026-11-21',
    distanceM: 14_000,
    lookbackLongestRunM: 10_000,
    ratio: 1.4,
    band: '30-100',
    severity: 'amber',
    ...o,
  });

  it('gives the run, how much longer it was and the 30-day longest', () => {
    const m = runSpikeMessage(spike({}), closed);
    expect(m).toContain('Saturday 21 Nov (14.0 km) was 40 % longer than your longest run in the previous 30 days (10.0 km)');
    expect(m).toContain('within about 10 %');
  });

  it('calls a run over twice the 30-day longest "more than double"', () => {
    expect(runSpikeMessage(spike({ distanceM: 21_000, ratio: 2.1, band: '100+', severity: 'red' }), closed)).toContain('more than double');
  });
});

describe('insufficientHistoryMessage', () => {
  it('explains that the checks start once an earlier week is known', () => {
    expect(insufficientHistoryMessage()).toMatch(/enough of your running history/);
  });
});
