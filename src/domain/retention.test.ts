import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, expiredNotice, expiryCutoff, formatRetention, isExpired, parseRetention, retentionFor, sourceLabel } from './retention.js';

const DAY = 86_400_000;

describe('retention per source', () => {
  it('parses indefinite and cache:<n>d, and refuses anything else', () => {
    expect(parseRetention('indefinite')).toEqual({ kind: 'indefinite' });
    expect(parseRetention(' Cache:7d ')).toEqual({ kind: 'cache', days: 7 });
    expect(parseRetention('cache:3650d')).toEqual({ kind: 'cache', days: 3650 });
    for (const bad of ['', 'cache:0d', 'cache:7', 'cache:-1d', 'cache:3651d', 'forever', '7d', 'cache:7 d']) expect(parseRetention(bad)).toBeNull();
    expect(formatRetention(parseRetention('cache:30d')!)).toBe('cache:30d');
  });

  it('keeps Strava 7 days by default, Garmin and uploads indefinitely', () => {
    expect(retentionFor('strava', DEFAULT_RETENTION)).toEqual({ kind: 'cache', days: 7 });
    expect(retentionFor('garmin', DEFAULT_RETENTION)).toEqual({ kind: 'indefinite' });
    expect(retentionFor('upload', DEFAULT_RETENTION)).toEqual({ kind: 'indefinite' });
    expect(retentionFor('polar', DEFAULT_RETENTION)).toEqual({ kind: 'indefinite' });
  });

  it('expires a Strava run once 7 days have passed since it was received, never a Garmin or upload run', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const justInside = new Date(now.getTime() - 7 * DAY + 1000);
    const past = new Date(now.getTime() - 7 * DAY - 1000);
    expect(isExpired('strava', justInside, now, DEFAULT_RETENTION)).toBe(false);
    expect(isExpired('strava', past, now, DEFAULT_RETENTION)).toBe(true);
    const yearsAgo = new Date(now.getTime() - 3000 * DAY);
    expect(isExpired('garmin', yearsAgo, now, DEFAULT_RETENTION)).toBe(false);
    expect(isExpired('upload', yearsAgo, now, DEFAULT_RETENTION)).toBe(false);
    expect(expiryCutoff({ kind: 'indefinite' }, now)).toBeNull();
    expect(expiryCutoff({ kind: 'cache', days: 2 }, now)!.getTime()).toBe(now.getTime() - 2 * DAY);
  });

  it('says where a run came from and what an expired one needs', () => {
    expect(sourceLabel('strava')).toBe('from Strava');
    expect(sourceLabel('garmin')).toBe('from Garmin');
    expect(sourceLabel('upload')).toBe('uploaded');
    expect(expiredNotice('strava')).toBe('expired from Strava — import your archive to keep it');
  });
});
