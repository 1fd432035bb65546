import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, isoWeekday, isoWeekOf, isWeekComplete, localDateOf, parseIsoWeek, shiftIsoWeek } from './iso-week.js';
import { isLocalDate, resolveWallClock, zoneOffsetS } from './iso-week.js';

describe('localDateOf', () => {
  it('puts a 23:30 Sunday run in New York (04:30 Monday UTC) on the local Sunday, using the activity offset', () => {
    const start = new Date('2026-11-23T04:30:00Z');
    expect(localDateOf(start, -5 * 3600, 'UTC')).toBe('2026-11-22');
    expect(isoWeekOf(localDateOf(start, -5 * 3600, 'UTC')).week).toBe('2026-W47');
  });

  it('puts a 00:30 Monday run in Oslo (22:30 Sunday UTC) on the local Monday', () => {
    expect(localDateOf(new Date('2026-11-22T23:30:00Z'), 3600, 'UTC')).toBe('2026-11-23');
  });

  it('prefers the activity offset over the profile zone (a runner travelling)', () => {
    // Profile Oslo, run in Los Angeles at 20:00 local on 21 Nov = 04:00 UTC 22 Nov.
    expect(localDateOf(new Date('2026-11-22T04:00:00Z'), -8 * 3600, 'Europe/Oslo')).toBe('2026-11-21');
  });

  it('falls back to the profile zone with DST: Oslo is UTC+2 right after the spring change', () => {
    // DST starts 2026-03-29 01:00 UTC. 22:30 UTC on the 29th is 00:30 Monday 30 March in CEST (UTC+1 would say Sunday).
    expect(localDateOf(new Date('2026-03-29T22:30:00Z'), null, 'Europe/Oslo')).toBe('2026-03-30');
    // The day before, still CET (UTC+1): 22:30 UTC is 23:30 Saturday.
    expect(localDateOf(new Date('2026-03-28T22:30:00Z'), null, 'Europe/Oslo')).toBe('2026-03-28');
  });

  it('falls back to the profile zone with DST: Oslo is UTC+1 again after the autumn change', () => {
    // DST ends 2026-10-25 01:00 UTC. 22:30 UTC is 23:30 Sunday in CET, so the run stays in W43.
    const d = localDateOf(new Date('2026-10-25T22:30:00Z'), null, 'Europe/Oslo');
    expect(d).toBe('2026-10-25');
    expect(isoWeekOf(d).week).toBe('2026-W43');
  });

  it('handles New York DST in spring (EDT, UTC−4) and autumn (EST, UTC−5)', () => {
    // DST starts 2026-03-08; 04:30 UTC on 9 March is 00:30 Monday EDT (EST would give Sunday 23:30).
    expect(localDateOf(new Date('2026-03-09T04:30:00Z'), null, 'America/New_York')).toBe('2026-03-09');
    // DST ends 2026-11-01; 04:30 UTC on 2 Nov is 23:30 Sunday EST (EDT would give Monday 00:30).
    expect(localDateOf(new Date('2026-11-02T04:30:00Z'), null, 'America/New_York')).toBe('2026-11-01');
  });

  it('rejects an unknown profile time zone instead of guessing', () => {
    expect(() => localDateOf(new Date('2026-01-01T00:00:00Z'), null, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('isoWeekOf', () => {
  it('matches an ISO week example (docs/rules.md "The training week")', () => {
    expect(isoWeekOf('2026-11-18')).toEqual({ week: '2026-W47', start: '2026-11-16', end: '2026-11-22' });
  });

  // Examples from the ISO 8601 week-date table (Wikipedia "ISO week date").
  it.each([
    ['2005-01-01', '2004-W53'],
    ['2007-01-01', '2007-W01'],
    ['2008-12-28', '2008-W52'],
    ['2008-12-29', '2009-W01'],
    ['2008-12-31', '2009-W01'],
    ['2010-01-03', '2009-W53'],
    ['2010-01-04', '2010-W01'],
    ['2020-12-31', '2020-W53'],
    ['2021-01-03', '2020-W53'],
    ['2022-01-01', '2021-W52'],
    ['2024-12-30', '2025-W01'],
    ['2026-12-31', '2026-W53'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-04', '2027-W01'],
  ])('puts %s in %s', (date, week) => {
    expect(isoWeekOf(date).week).toBe(week);
  });

  it('runs weeks Monday to Sunday across a year boundary', () => {
    expect(isoWeekOf('2027-01-01')).toEqual({ week: '2026-W53', start: '2026-12-28', end: '2027-01-03' });
  });

  it('rejects dates that do not exist', () => {
    expect(() => isoWeekOf('2026-02-29')).toThrow(RangeError);
    expect(() => isoWeekOf('2026-1-5')).toThrow(RangeError);
  });
});

describe('parseIsoWeek and shiftIsoWeek', () => {
  it('parses a W53 in a year that has one and refuses one in a year that does not', () => {
    expect(parseIsoWeek('2020-W53')).toEqual({ week: '2020-W53', start: '2020-12-28', end: '2021-01-03' });
    expect(() => parseIsoWeek('2025-W53')).toThrow(RangeError);
    expect(() => parseIsoWeek('2025-W00')).toThrow(RangeError);
  });

  it('steps from 2026-W53 to 2027-W01 and back', () => {
    expect(shiftIsoWeek('2026-W53', 1).week).toBe('2027-W01');
    expect(shiftIsoWeek('2027-W01', -1).week).toBe('2026-W53');
    expect(shiftIsoWeek('2025-W01', -1).week).toBe('2024-W52');
  });

  it('steps back five weeks by 35 days', () => {
    expect(shiftIsoWeek('2026-W47', -5).start).toBe('2026-10-12');
  });
});

describe('calendar arithmetic', () => {
  it('adds days across month, leap-day and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });

  it('numbers weekdays Monday = 1 to Sunday = 7', () => {
    expect(isoWeekday('2026-11-16')).toBe(1);
    expect(isoWeekday('2026-11-22')).toBe(7);
    expect(isoWeekday('1970-01-01')).toBe(4);
  });
});

describe('isWeekComplete', () => {
  const w = parseIsoWeek('2026-W47');
  it('is not complete on its Sunday and is complete from the next Monday', () => {
    expect(isWeekComplete(w, '2026-11-22')).toBe(false);
    expect(isWeekComplete(w, '2026-11-23')).toBe(true);
  });
});

describe('resolveWallClock', () => {
  it('turns an Oslo summer wall clock into UTC with +2 h', () => {
    const r = resolveWallClock(new Date('2026-07-01T07:30:00Z'), 'Europe/Oslo');
    expect(r.utcOffsetS).toBe(7200);
    expect(r.startTime.toISOString()).toBe('2026-07-01T05:30:00.000Z');
  });

  it("uses the winter offset after the October change, and New York's negative offset", () => {
    expect(resolveWallClock(new Date('2026-10-26T07:00:00Z'), 'Europe/Oslo').utcOffsetS).toBe(3600);
    const ny = resolveWallClock(new Date('2026-01-10T23:30:00Z'), 'America/New_York');
    expect(ny.utcOffsetS).toBe(-18000);
    expect(ny.startTime.toISOString()).toBe('2026-01-11T04:30:00.000Z');
    expect(zoneOffsetS(new Date('2026-07-01T12:00:00Z'), 'UTC')).toBe(0);
  });
});

describe('isLocalDate', () => {
  it('accepts real calendar dates only', () => {
    for (const ok of ['2026-02-28', '2024-02-29', '2026-12-31']) expect(isLocalDate(ok), ok).toBe(true);
    for (const bad of ['2026-02-31', '2025-02-29', '2026-13-01', '2026-00-10', '2026-1-1', 'yesterday', '', null, 20260101])
      expect(isLocalDate(bad), String(bad)).toBe(false);
  });
});
