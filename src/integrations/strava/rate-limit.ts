import type { Redis } from '../../lib/redis.js';

/**
 * Strava's application-wide rate limits (docs/platforms.md): an overall and a read budget, each
 * per 15 minutes (windows reset at :00/:15/:30/:45 UTC) and per UTC day. Every response carries the
 * current usage in `X-RateLimit-*` / `X-ReadRateLimit-*`; those numbers are recorded in Redis so that
 * every worker in every process sees the same budget, and a job whose budget is nearly spent waits
 * for the next window instead of failing.
 */

export const WINDOW_15M_MS = 15 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface Budget {
  usage: number;
  limit: number;
}

export interface RateLimitSnapshot {
  overall15m: Budget | null;
  overallDay: Budget | null;
  read15m: Budget | null;
  readDay: Budget | null;
}

/**
 * Share of a budget a job may use before it waits for the next window **[heuristic]**. Backfill
 * stops earlier, so webhook-driven fetches (a runner who just finished a run) always find room.
 */
export const BUDGET_THRESHOLD = { webhook: 0.9, backfill: 0.75 } as const;
export type BudgetClass = keyof typeof BUDGET_THRESHOLD;

/** Case-insensitive header lookup (fetch lower-cases names, recorded cassettes do not). */
function header(headers: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function pair(limit: string | undefined, usage: string | undefined): [Budget | null, Budget | null] {
  if (!limit || !usage) return [null, null];
  const [l15, lDay] = limit.split(',').map((s) => Number(s.trim()));
  const [u15, uDay] = usage.split(',').map((s) => Number(s.trim()));
  const b = (l: number | undefined, u: number | undefined): Budget | null =>
    l !== undefined && u !== undefined && Number.isFinite(l) && Number.isFinite(u) && l > 0 ? { usage: u, limit: l } : null;
  return [b(l15, u15), b(lDay, uDay)];
}

/** Parse the four rate-limit headers ("200,2000" / "34,412"); null when none is present. */
export function parseRateLimitHeaders(headers: Record<string, unknown>): RateLimitSnapshot | null {
  const [overall15m, overallDay] = pair(header(headers, 'x-ratelimit-limit'), header(headers, 'x-ratelimit-usage'));
  const [read15m, readDay] = pair(header(headers, 'x-readratelimit-limit'), header(headers, 'x-readratelimit-usage'));
  if (!overall15m && !overallDay && !read15m && !readDay) return null;
  return { overall15m, overallDay, read15m, readDay };
}

/** Start of the 15-minute window containing `now` (UTC quarter hours). */
export function windowStart15m(now: Date): Date {
  return new Date(Math.floor(now.getTime() / WINDOW_15M_MS) * WINDOW_15M_MS);
}

export function nextWindow15m(now: Date): Date {
  return new Date(windowStart15m(now).getTime() + WINDOW_15M_MS);
}

export function nextUtcMidnight(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

export type BudgetDecision = { ok: true } | { ok: false; until: Date; window: '15m' | 'day'; usedShare: number };

/**
 * Whether another call may go out now. A budget at or above `threshold` of its limit sends the job to
 * the start of the next window of that budget (the daily one wins when both are spent).
 */
export function decideBudget(snapshot: RateLimitSnapshot, now: Date, threshold: number): BudgetDecision {
  const share = (b: Budget | null) => (b ? b.usage / b.limit : 0);
  const day = Math.max(share(snapshot.overallDay), share(snapshot.readDay));
  if (day >= threshold) return { ok: false, until: nextUtcMidnight(now), window: 'day', usedShare: day };
  const quarter = Math.max(share(snapshot.overall15m), share(snapshot.read15m));
  if (quarter >= threshold) return { ok: false, until: nextWindow15m(now), window: '15m', usedShare: quarter };
  return { ok: true };
}

/** Where a 429 sends the job: the next day when a daily budget is spent, else the next quarter hour. */
export function retryAfter429(snapshot: RateLimitSnapshot | null, now: Date): Date {
  if (snapshot && decideBudget({ ...snapshot, overall15m: null, read15m: null }, now, 1).ok === false) return nextUtcMidnight(now);
  return nextWindow15m(now);
}

// Usage only grows within a window, so concurrent responses merge by maximum (a late, older
// response never lowers the recorded usage).
const MERGE_MAX = `
for i = 1, #ARGV - 1, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1')
  local v = tonumber(ARGV[i + 1])
  if v > cur then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
return 1`;

function fields(a: Budget | null, b: Budget | null): string[] {
  const out: string[] = [];
  if (a) out.push('overall_usage', String(a.usage), 'overall_limit', String(a.limit));
  if (b) out.push('read_usage', String(b.usage), 'read_limit', String(b.limit));
  return out;
}

function budgetsOf(h: Record<string, string>): [Budget | null, Budget | null] {
  const b = (u?: string, l?: string): Budget | null => (u !== undefined && l !== undefined && Number(l) > 0 ? { usage: Number(u), limit: Number(l) } : null);
  return [b(h.overall_usage, h.overall_limit), b(h.read_usage, h.read_limit)];
}

/**
 * The shared counters: `<prefix>:strava:rl:15m:<window start epoch s>`,
 * `<prefix>:strava:rl:day:<YYYY-MM-DD>` (hashes of usage and limit) and
 * `<prefix>:strava:rl:blocked-until` (set by a 429). `now` is injected so windows follow the clock
 * the tests control.
 */
export class StravaRateLimits {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => Date,
  ) {}

  private key15(now: Date): string {
    return `${this.prefix}:strava:rl:15m:${windowStart15m(now).getTime() / 1000}`;
  }

  private keyDay(now: Date): string {
    return `${this.prefix}:strava:rl:day:${now.toISOString().slice(0, 10)}`;
  }

  private get keyBlocked(): string {
    return `${this.prefix}:strava:rl:blocked-until`;
  }

  /** Record the headers of one response (success or error). */
  async record(headers: Record<string, unknown>): Promise<RateLimitSnapshot | null> {
    const snap = parseRateLimitHeaders(headers);
    if (!snap) return null;
    const now = this.now();
    const f15 = fields(snap.overall15m, snap.read15m);
    const fDay = fields(snap.overallDay, snap.readDay);
    const pipeline = this.redis.pipeline();
    if (f15.length) pipeline.eval(MERGE_MAX, 1, this.key15(now), ...f15, String(WINDOW_15M_MS + 60_000));
    if (fDay.length) pipeline.eval(MERGE_MAX, 1, this.keyDay(now), ...fDay, String(DAY_MS + 3600_000));
    await pipeline.exec();
    return snap;
  }

  /** After a 429: every worker stops until `until`, whatever the counters say. */
  async block(until: Date): Promise<void> {
    const ms = until.getTime() - this.now().getTime();
    if (ms > 0) await this.redis.set(this.keyBlocked, String(until.getTime()), 'PX', ms);
  }

  /** One round trip: the 429 block (ms since epoch, 0 when none) and the budgets of both current windows. */
  private async read(now: Date): Promise<{ blocked: number; budgets: RateLimitSnapshot }> {
    const res = await this.redis.pipeline().get(this.keyBlocked).hgetall(this.key15(now)).hgetall(this.keyDay(now)).exec();
    const [blockedRaw, h15, hDay] = (res ?? []).map(([err, v]) => (err ? null : v)) as [
      string | null,
      Record<string, string> | null,
      Record<string, string> | null,
    ];
    const [overall15m, read15m] = budgetsOf(h15 ?? {});
    const [overallDay, readDay] = budgetsOf(hDay ?? {});
    return { blocked: Number(blockedRaw), budgets: { overall15m, read15m, overallDay, readDay } };
  }

  /** The recorded budgets of the current windows and the 429 block, if any (for metrics). */
  async snapshot(): Promise<RateLimitSnapshot & { blockedUntil: Date | null }> {
    const now = this.now();
    const { blocked, budgets } = await this.read(now);
    return { ...budgets, blockedUntil: blocked > now.getTime() ? new Date(blocked) : null };
  }

  /** May a call of this class go out now? One round trip: the block flag and both windows. */
  async check(cls: BudgetClass): Promise<BudgetDecision> {
    const now = this.now();
    const { blocked, budgets } = await this.read(now);
    if (blocked > now.getTime()) return { ok: false, until: new Date(blocked), window: '15m', usedShare: 1 };
    return decideBudget(budgets, now, BUDGET_THRESHOLD[cls]);
  }
}

/** The job must wait until `until` (rate limits); not a failure (the processor delays the job). */
export class RateLimitedError extends Error {
  constructor(
    readonly until: Date,
    readonly why: string,
  ) {
    super(`Strava rate limit: waiting until ${until.toISOString()} (${why})`);
    this.name = 'RateLimitedError';
  }
}

export function rateLimitsFor(deps: { redis: Redis; env: { REDIS_PREFIX: string }; now: () => Date }): StravaRateLimits {
  return new StravaRateLimits(deps.redis, deps.env.REDIS_PREFIX, deps.now);
}
