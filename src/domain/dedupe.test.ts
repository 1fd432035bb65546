import { describe, expect, it } from 'vitest';
import { duplicateGroup, isSameRun, isTimeShiftedCopy, pickCountedCopy, type DedupeCandidate } from './dedupe.js';

const t0 = new Date('2026-11-21T07:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const c = (id: string, source: DedupeCandidate['source'], startS: number, distanceM: number, extra: Partial<DedupeCandidate> = {}): DedupeCandidate => ({
  id,
  source,
  startTime: at(startS),
  distanceM,
  hasSamples: true,
  createdAt: at(1000 + Number(id.replace(/\D/g, '') || 0)),
  ...extra,
});

describe('isSameRun', () => {
  it('matches starts 120 s apart but not 121 s', () => {
    expect(isSameRun(c('a', 'garmin', 0, 5000), c('b', 'strava', 120, 5000))).toBe(true);
    expect(isSameRun(c('a', 'garmin', 0, 5000), c('b', 'strava', 121, 5000))).toBe(false);
    expect(isSameRun(c('a', 'garmin', 0, 5000), c('b', 'strava', -120, 5000))).toBe(true);
  });

  it('matches distances within 5 % of the longer copy and not beyond', () => {
    expect(isSameRun(c('a', 'garmin', 0, 10_000), c('b', 'strava', 0, 9_500))).toBe(true);
    expect(isSameRun(c('a', 'garmin', 0, 10_000), c('b', 'strava', 0, 9_499))).toBe(false);
  });
});

describe('pickCountedCopy', () => {
  it('prefers the Garmin copy over Strava even when Strava arrived first', () => {
    const strava = c('s1', 'strava', 0, 5000, { createdAt: at(0) });
    const garmin = c('g2', 'garmin', 30, 5010, { createdAt: at(500) });
    expect(pickCountedCopy([strava, garmin]).id).toBe('g2');
  });

  it('prefers a FIT upload over Strava, and a copy with samples over a summary-only one', () => {
    expect(pickCountedCopy([c('s', 'strava', 0, 5000), c('u', 'upload', 0, 5000)]).id).toBe('u');
    expect(pickCountedCopy([c('s1', 'strava', 0, 5000, { hasSamples: false }), c('s2', 'strava', 0, 5000)]).id).toBe('s2');
  });

  it('is stable: the earliest received wins among equals', () => {
    const a = c('x1', 'upload', 0, 5000, { createdAt: at(1) });
    const b = c('x2', 'upload', 0, 5000, { createdAt: at(2) });
    expect(pickCountedCopy([b, a]).id).toBe('x1');
  });
});

describe('duplicateGroup', () => {
  it('collects copies transitively and leaves other runs out', () => {
    const seed = c('a', 'garmin', 0, 5000);
    const group = duplicateGroup(seed, [c('b', 'strava', 100, 5050), c('c', 'upload', 210, 5100), c('d', 'strava', 4000, 5000)]);
    expect(group.map((g) => g.id).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('isTimeShiftedCopy (a re-saved file whose start moved by whole hours)', () => {
  const H = 3600;
  const base = c('a', 'upload', 0, 10_000, { movingTimeS: 3000, utcOffsetS: 2 * H });

  it('matches a copy 2 h later that shows the same local wall clock (local time written as UTC)', () => {
    const shifted = c('b', 'upload', 2 * H + 1, 10_003, { movingTimeS: 3001, utcOffsetS: 0 });
    expect(isTimeShiftedCopy(base, shifted)).toBe(true);
    expect(isSameRun(base, shifted)).toBe(true);
  });

  it('allows ±120 s around the whole hour and up to 14 h, not beyond', () => {
    expect(isTimeShiftedCopy(base, c('b', 'upload', 3 * H + 120, 10_000, { movingTimeS: 3000 }))).toBe(true);
    expect(isTimeShiftedCopy(base, c('b', 'upload', 3 * H + 121, 10_000, { movingTimeS: 3000 }))).toBe(false);
    expect(isTimeShiftedCopy(base, c('b', 'upload', -14 * H, 10_000, { movingTimeS: 3000 }))).toBe(true);
    expect(isTimeShiftedCopy(base, c('b', 'upload', 15 * H, 10_000, { movingTimeS: 3000 }))).toBe(false);
    expect(isTimeShiftedCopy(base, c('b', 'upload', 30 * 60, 10_000, { movingTimeS: 3000 }))).toBe(false);
  });

  it('needs distance within 0.5 % and moving time within 1 %', () => {
    expect(isTimeShiftedCopy(base, c('b', 'upload', H, 10_050, { movingTimeS: 3000 }))).toBe(true);
    expect(isTimeShiftedCopy(base, c('b', 'upload', H, 10_051, { movingTimeS: 3000 }))).toBe(false);
    expect(isTimeShiftedCopy(base, c('b', 'upload', H, 10_000, { movingTimeS: 3030 }))).toBe(true);
    expect(isTimeShiftedCopy(base, c('b', 'upload', H, 10_000, { movingTimeS: 3031 }))).toBe(false);
    expect(isTimeShiftedCopy(base, c('b', 'upload', H, 10_000, { movingTimeS: null }))).toBe(false);
  });

  it('keeps apart two identical loops run at different local times of one day (offsets known)', () => {
    const evening = c('b', 'upload', 10 * H, 10_000, { movingTimeS: 3000, utcOffsetS: 2 * H });
    expect(isTimeShiftedCopy(base, evening)).toBe(false);
    expect(isSameRun(base, evening)).toBe(false);
  });

  it('joins a group through the shifted copy, so only one of three copies is counted', () => {
    const garmin = c('g', 'garmin', 30, 10_010, { movingTimeS: 3002, utcOffsetS: 2 * H });
    const shifted = c('s', 'upload', 2 * H, 10_000, { movingTimeS: 3000, utcOffsetS: 0 });
    const group = duplicateGroup(base, [garmin, shifted, c('x', 'strava', 26 * H, 10_000, { movingTimeS: 3000 })]);
    expect(group.map((g) => g.id).sort()).toEqual(['a', 'g', 's']);
    expect(pickCountedCopy(group).id).toBe('g');
  });
});
