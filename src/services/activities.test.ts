import { describe, expect, it } from 'vitest';
import { weeksTouchedBy } from './activities.js';

describe('weeksTouchedBy', () => {
  it('covers the run\'s week and the five after it, whose 35-day lookback sees the run', () => {
    expect(weeksTouchedBy(['2026-11-18'])).toEqual(['2026-W47', '2026-W48', '2026-W49', '2026-W50', '2026-W51', '2026-W52']);
  });

  it('crosses the year and merges overlapping dates', () => {
    const weeks = weeksTouchedBy(['2026-12-30', '2027-01-02', null]);
    expect(weeks[0]).toBe('2026-W53');
    expect(weeks).toHaveLength(6);
    expect(weeks.at(-1)).toBe('2027-W05');
  });
});
