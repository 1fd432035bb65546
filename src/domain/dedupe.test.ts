import { describe, expect, it } from 'vitest';
import { duplicateGroup, isSameRun, pickCountedCopy, type DedupeCandidate } from './dedupe.js';

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
