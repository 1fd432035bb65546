import { describe, expect, it } from 'vitest';
import { summaryFrom, thisWeekVsLast, worstLight } from './home-summary.js';

describe('thisWeekVsLast', () => {
  // 2026-11-26 is a Thursday: this week is 23–29 Nov, last week 16–22 Nov
  const runs = [
    { localDate: '2026-11-15', distanceM: 9000, movingTimeS: 3000, elevationLossM: 90, light: 'red' as const }, // the week before: ignored
    { localDate: '2026-11-16', distanceM: 5000, movingTimeS: 1800, elevationLossM: 30, light: 'green' as const },
    { localDate: '2026-11-22', distanceM: 6000, movingTimeS: 2100, elevationLossM: 45, light: 'amber' as const },
    { localDate: '2026-11-23', distanceM: 4000, movingTimeS: 1500, elevationLossM: null, light: null },
    { localDate: '2026-11-26', distanceM: 7000, movingTimeS: 2500, elevationLossM: 60, light: 'green' as const },
  ];
  it('sums each Monday–Sunday week and takes its worst light', () => {
    const { thisWeek, lastWeek } = thisWeekVsLast(runs, '2026-11-26');
    expect(thisWeek).toEqual({
      week: '2026-W48',
      start: '2026-11-23',
      end: '2026-11-29',
      distanceM: 11000,
      movingTimeS: 4000,
      elevationLossM: 60,
      runs: 2,
      light: 'green',
    });
    expect(lastWeek).toEqual({
      week: '2026-W47',
      start: '2026-11-16',
      end: '2026-11-22',
      distanceM: 11000,
      movingTimeS: 3900,
      elevationLossM: 75,
      runs: 2,
      light: 'amber',
    });
    expect(summaryFrom('2026-11-26')).toBe('2026-11-16');
  });
  it('a week without answered runs is grey; red beats amber beats green', () => {
    expect(thisWeekVsLast([], '2026-11-29').thisWeek.light).toBe('grey');
    expect(worstLight(['green', 'red', 'amber'])).toBe('red');
    expect(worstLight([null, 'grey', 'green'])).toBe('green');
  });
});
