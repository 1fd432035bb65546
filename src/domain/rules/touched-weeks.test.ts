import { describe, expect, it } from 'vitest';
import { evaluationWindow } from './index.js';
import { weeksTouchedBy } from './touched-weeks.js';

describe('weeksTouchedBy', () => {
  it("covers the run's week and the five after it, whose 35-day lookback sees the run", () => {
    expect(weeksTouchedBy(['2026-11-18'])).toEqual(['2026-W47', '2026-W48', '2026-W49', '2026-W50', '2026-W51', '2026-W52']);
  });

  it('crosses the year and merges overlapping dates', () => {
    const weeks = weeksTouchedBy(['2026-12-30', '2027-01-02', null]);
    expect(weeks[0]).toBe('2026-W53');
    expect(weeks).toHaveLength(6);
    expect(weeks.at(-1)).toBe('2027-W05');
  });

  it("is the inverse of evaluationWindow: every touched week's window holds the date", () => {
    for (const week of weeksTouchedBy(['2026-11-18'])) {
      const { from, to } = evaluationWindow(week);
      expect('2026-11-18' >= from && '2026-11-18' <= to).toBe(true);
    }
  });

  it('touches nothing without a date', () => {
    expect(weeksTouchedBy([null, undefined])).toEqual([]);
  });
});
