import { describe, expect, it } from 'vitest';
import { decideBudget, nextUtcMidnight, nextWindow15m, parseRateLimitHeaders, retryAfter429, windowStart15m } from './rate-limit.js';

const headers = {
  'x-ratelimit-limit': '200,2000',
  'x-ratelimit-usage': '34,412',
  'x-readratelimit-limit': '100,1000',
  'x-readratelimit-usage': '31,398',
};

describe('parseRateLimitHeaders', () => {
  it('reads the 15-minute and daily budgets, overall and read', () => {
    expect(parseRateLimitHeaders(headers)).toEqual({
      overall15m: { usage: 34, limit: 200 },
      overallDay: { usage: 412, limit: 2000 },
      read15m: { usage: 31, limit: 100 },
      readDay: { usage: 398, limit: 1000 },
    });
  });

  it('accepts header arrays and mixed case, and gives null without any header', () => {
    expect(parseRateLimitHeaders({ 'X-RateLimit-Limit': ['200,2000'], 'X-RateLimit-Usage': ['5,148'] })?.overall15m).toEqual({ usage: 5, limit: 200 });
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' })).toBeNull();
  });
});

describe('windows', () => {
  it('15-minute windows reset at :00, :15, :30, :45 UTC', () => {
    const t = new Date('2026-05-01T10:29:59.500Z');
    expect(windowStart15m(t).toISOString()).toBe('2026-05-01T10:15:00.000Z');
    expect(nextWindow15m(t).toISOString()).toBe('2026-05-01T10:30:00.000Z');
    expect(nextWindow15m(new Date('2026-05-01T10:30:00.000Z')).toISOString()).toBe('2026-05-01T10:45:00.000Z');
  });

  it('the daily window resets at 00:00 UTC', () => {
    expect(nextUtcMidnight(new Date('2026-05-01T23:59:59Z')).toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });
});

describe('decideBudget', () => {
  const now = new Date('2026-05-01T10:07:00Z');
  const snap = parseRateLimitHeaders(headers)!;

  it('lets calls through while every budget is below the threshold', () => {
    expect(decideBudget(snap, now, 0.9)).toEqual({ ok: true });
  });

  it('waits for the next quarter hour when the 15-minute read budget is nearly spent', () => {
    const d = decideBudget({ ...snap, read15m: { usage: 90, limit: 100 } }, now, 0.9);
    expect(d).toMatchObject({ ok: false, window: '15m', until: new Date('2026-05-01T10:15:00Z') });
  });

  it('waits for midnight UTC when a daily budget is nearly spent, even if the quarter hour is fine', () => {
    const d = decideBudget({ ...snap, overallDay: { usage: 1950, limit: 2000 } }, now, 0.9);
    expect(d).toMatchObject({ ok: false, window: 'day', until: new Date('2026-05-02T00:00:00Z') });
  });

  it('stops backfill earlier than webhook fetches', () => {
    const s = { ...snap, read15m: { usage: 80, limit: 100 } };
    expect(decideBudget(s, now, 0.75).ok).toBe(false);
    expect(decideBudget(s, now, 0.9).ok).toBe(true);
  });
});

describe('retryAfter429', () => {
  const now = new Date('2026-05-01T10:07:00Z');
  it('retries in the next quarter hour, or tomorrow when the day is spent', () => {
    expect(retryAfter429(null, now).toISOString()).toBe('2026-05-01T10:15:00.000Z');
    expect(retryAfter429(parseRateLimitHeaders({ ...headers, 'x-readratelimit-usage': '100,1000' }), now).toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });
});
