import { describe, expect, it } from 'vitest';
import type { WeekWarning } from '../domain/rules/index.js';
import { oneWarningPerCode } from './recompute-week.js';

const spike = (runId: string, severity: 'amber' | 'red', pct: number): WeekWarning => ({
  code: 'RUN_SPIKE',
  severity,
  provisional: false,
  weekToDate: false,
  runId,
  message: `run ${runId} was ${pct} % longer.`,
  evidence: { runId, spikePct: pct },
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

  it('leaves single findings and other codes untouched', () => {
    const load: WeekWarning = { ...spike('x', 'amber', 0), code: 'LOAD_JUMP', message: 'load', evidence: {} };
    const out = oneWarningPerCode([load, spike('a', 'amber', 15)]);
    expect(out).toEqual([load, spike('a', 'amber', 15)]);
  });
});
