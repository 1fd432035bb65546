import { describe, expect, it } from 'vitest';
import { countingDecision, takesPartInDedupe } from './counting.js';

const run = { isRun: true, manual: false, distanceM: 5000, movingTimeS: 1800 };

describe('countingDecision', () => {
  it('counts a normal run', () => {
    expect(countingDecision(run)).toEqual({ countedInLoad: true, excludedReason: null });
  });

  it('keeps the near-empty runs seen in real exports out of load, each with its reason', () => {
    // 0 m / 24 s, 5.7 m / 14 s, 46 m / 32 s, 99.9 m / 61 s
    for (const [d, t] of [
      [0, 24],
      [5.7, 14],
      [46, 32],
      [99.9, 61],
    ] as const) {
      expect(countingDecision({ ...run, distanceM: d, movingTimeS: t })).toEqual({ countedInLoad: false, excludedReason: 'noise_short' });
    }
  });

  it('draws the lines at 1 km and 5 minutes', () => {
    expect(countingDecision({ ...run, distanceM: 999.9 }).excludedReason).toBe('noise_short');
    expect(countingDecision({ ...run, distanceM: 1000, movingTimeS: 300 }).countedInLoad).toBe(true);
    expect(countingDecision({ ...run, distanceM: 1500, movingTimeS: 299 })).toEqual({ countedInLoad: false, excludedReason: 'noise_brief' });
  });

  it('names a manual entry without distance, and a non-run, before the noise limits', () => {
    expect(countingDecision({ ...run, manual: true, distanceM: null, movingTimeS: 3600 }).excludedReason).toBe('manual_no_distance');
    expect(countingDecision({ ...run, manual: true, distanceM: 8000 }).countedInLoad).toBe(true);
    expect(countingDecision({ ...run, isRun: false, distanceM: 20 }).excludedReason).toBe('not_a_run');
  });

  it('honours configured limits', () => {
    expect(countingDecision({ ...run, distanceM: 800 }, { minDistanceM: 500, minMovingTimeS: 60 }).countedInLoad).toBe(true);
  });
});

describe('takesPartInDedupe', () => {
  it('lets counted runs and demoted duplicates take part, never noise or non-runs', () => {
    expect(takesPartInDedupe(null)).toBe(true);
    expect(takesPartInDedupe('duplicate')).toBe(true);
    expect(takesPartInDedupe('noise_short')).toBe(false);
    expect(takesPartInDedupe('not_a_run')).toBe(false);
  });
});
