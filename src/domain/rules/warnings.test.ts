import { describe, expect, it } from 'vitest';
import type { MessageContext } from '../messages.js';
import type { LoadJumpFinding } from './load-progression.js';
import type { ChangeAssessment } from './one-change.js';
import type { SpikeFinding } from './spike.js';
import { loadJumpWarning, multiChangeWarning, oneWarningPerCode, runSpikeWarning, storedEvidence, type WeekWarning } from './warnings.js';

const spike = (runId: string, severity: 'amber' | 'red', pct: number): WeekWarning => ({
  code: 'RUN_SPIKE',
  severity,
  provisional: false,
  weekToDate: false,
  runId,
  message: `run ${runId} was ${pct} % longer.`,
  evidence: { runId, spikePct: pct },
});

const ctx = (over: Partial<MessageContext> = {}): MessageContext => ({
  weekStart: '2026-11-16',
  weekToDate: false,
  provisional: false,
  priorWeeksOfData: 4,
  ...over,
});

describe('loadJumpWarning', () => {
  const jump: LoadJumpFinding = {
    basis: 'previous_week',
    rule: 'percent',
    severity: 'red',
    exceeded: ['distanceM'],
    distanceM: 27_000,
    referenceDistanceM: 20_000,
    distanceIncrease: 0.35,
    movingTimeS: 9000,
    referenceMovingTimeS: 7200,
    movingTimeIncrease: 0.25,
    runs: 3,
    referenceRuns: 2,
    allowedIncrease: 0.1,
    triggeredByRunId: 'r3',
    triggeredOnDate: '2026-11-20',
  };

  it("carries the jump's severity and triggering run, with percents rounded to 0.1", () => {
    const w = loadJumpWarning(jump, ctx({ weekToDate: true, provisional: true }));
    expect(w).toMatchObject({ code: 'LOAD_JUMP', severity: 'red', runId: 'r3', weekToDate: true, provisional: true });
    expect(w.evidence).toMatchObject({
      distanceChangePct: 35,
      movingTimeChangePct: 25,
      allowedIncreasePct: 10,
      triggeredOnDate: '2026-11-20',
      basis: 'previous_week',
    });
    expect(w.message.length).toBeGreaterThan(0);
  });

  it('keeps a null increase (zero reference) as null', () => {
    expect(loadJumpWarning({ ...jump, distanceIncrease: null }, ctx()).evidence.distanceChangePct).toBeNull();
  });
});

describe('multiChangeWarning', () => {
  const changes: ChangeAssessment = {
    changed: ['distanceM', 'avgPaceSPerKm'],
    groups: ['volume', 'intensity_speed'],
    frequencyRedistributed: false,
    details: { distanceM: { before: 20_000, after: 25_000 }, avgPaceSPerKm: { before: 330, after: 300 } },
    isMultiChange: true,
    gaitGoal: false,
  };

  it('lists every changed variable before and after, and the number of changed components', () => {
    const w = multiChangeWarning(changes, ctx())!;
    expect(w).toMatchObject({ code: 'MULTI_CHANGE', severity: 'amber', runId: null, changed: ['distanceM', 'avgPaceSPerKm'] });
    expect(w.evidence).toEqual({ changes: 2, distanceMBefore: 20_000, distanceMAfter: 25_000, avgPaceSPerKmBefore: 330, avgPaceSPerKmAfter: 300 });
  });

  it('raises nothing for a single change', () => {
    expect(multiChangeWarning({ ...changes, isMultiChange: false }, ctx())).toBeNull();
  });
});

describe('runSpikeWarning', () => {
  it('names the run, its band and how much longer it was', () => {
    const s: SpikeFinding = { runId: 'r9', localDate: '2026-11-21', distanceM: 21_000, lookbackLongestRunM: 10_000, ratio: 2.1, band: '100+', severity: 'red' };
    const w = runSpikeWarning(s, ctx());
    expect(w).toMatchObject({ code: 'RUN_SPIKE', severity: 'red', runId: 'r9', weekToDate: false });
    expect(w.evidence).toEqual({ distanceM: 21_000, lookbackLongestRunM: 10_000, spikePct: 110, band: '100+', localDate: '2026-11-21' });
  });
});

describe('oneWarningPerCode', () => {
  it('keeps the red spike in front when a later amber spike follows in the same week', () => {
    const [merged, ...rest] = oneWarningPerCode([spike('a', 'red', 120), spike('b', 'amber', 18)]);
    expect(rest).toHaveLength(0);
    expect(merged!.severity).toBe('red');
    expect(merged!.runId).toBe('a');
    expect(merged!.evidence).toMatchObject({ spikePct: 120, alsoRunIds: 'b', findings: 2 });
    expect(merged!.message).toMatch(/^run a was 120 % longer\. One more run this week/);
  });

  it('puts a later, more severe finding in front and counts three or more findings', () => {
    const [merged] = oneWarningPerCode([spike('a', 'amber', 15), spike('b', 'red', 130), spike('c', 'amber', 12)]);
    expect(merged!.runId).toBe('b');
    expect(merged!.evidence).toMatchObject({ alsoRunIds: 'a,c', findings: 3 });
    expect(merged!.message).toMatch(/ 2 more runs this week were flagged the same way\.$/);
  });

  it('leaves single findings and other codes untouched', () => {
    const load: WeekWarning = { ...spike('x', 'amber', 0), code: 'LOAD_JUMP', message: 'load', evidence: {} };
    const out = oneWarningPerCode([load, spike('a', 'amber', 15)]);
    expect(out).toEqual([load, spike('a', 'amber', 15)]);
  });
});

describe('storedEvidence', () => {
  it("adds week-to-date, the run and the changed variables to the finding's evidence", () => {
    const w = { ...spike('a', 'amber', 15), code: 'MULTI_CHANGE' as const, runId: null, changed: ['distanceM' as const, 'surges' as const] };
    expect(storedEvidence(w)).toEqual({ runId: null, spikePct: 15, weekToDate: false, changed: 'distanceM,surges' });
  });

  it('leaves `changed` out when the warning has none', () => {
    expect(storedEvidence(spike('a', 'amber', 15))).toEqual({ runId: 'a', spikePct: 15, weekToDate: false });
  });
});
