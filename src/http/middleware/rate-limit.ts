import type { RequestHandler } from 'express';
import { rateLimit as expressRateLimit, type Options } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { AppDeps } from '../../deps.js';

/**
 * Per-client-IP rate limits shared by every API process through Redis (keys under
 * `<REDIS_PREFIX>:rl:<kind>:`). One factory for every route that needs one:
 * `router.post('/x', rateLimit(deps, 'link'), handler)`; the runner's pages use the `page-*` kinds.
 *
 * - Over the limit: 429 with the JSON error shape and `Retry-After` (seconds), plus the
 *   `RateLimit`/`RateLimit-Policy` headers.
 * - Redis down or slow: the limiter fails open (the request goes through) after at most
 *   STORE_TIMEOUT_MS; a webhook must never turn into a 500 because counting failed.
 * - A kind whose limit is 0 (settable for webhooks, connect and failed auth) is switched off.
 * Limits and what they protect: docs/security.md.
 */

export type RateLimitKind = 'webhook' | 'connect' | 'link' | 'auth-failure' | 'page-link' | 'page-connect' | 'page-answer';

interface Policy {
  windowMs: number;
  limit: (env: AppDeps['env']) => number;
}

const MINUTE = 60_000;

export const RATE_LIMIT_POLICIES: Record<RateLimitKind, Policy> = {
  /** Strava and Garmin deliver in bursts from few addresses: generous */
  webhook: { windowMs: MINUTE, limit: (env) => env.RATE_LIMIT_WEBHOOKS_PER_MIN },
  /** GET /connect/<provider>: a person clicking a link */
  connect: { windowMs: MINUTE, limit: (env) => env.RATE_LIMIT_CONNECT_PER_MIN },
  /** POST /v1/runners/:id/connect-links */
  link: { windowMs: MINUTE, limit: (env) => env.RATE_LIMIT_CONNECT_PER_MIN },
  /** requests with a missing or wrong API key (counted only when the key is refused) */
  'auth-failure': { windowMs: MINUTE, limit: (env) => env.RATE_LIMIT_AUTH_FAILURES_PER_MIN },
  /** magic sign-in links (the Continue page GET /login/:token and its POST: two hits per sign-in), export download links (GET /exports/:token and its POST: two hits per download) and share links (/s/:token): guessing tokens must be slow */
  'page-link': { windowMs: 15 * MINUTE, limit: () => 20 },
  /** starting a connect from the runner's pages */
  'page-connect': { windowMs: 15 * MINUTE, limit: () => 20 },
  /** answering pain questions on the pages and /p/:token: a person tapping */
  'page-answer': { windowMs: 15 * MINUTE, limit: () => 60 },
};

/** How long a Redis round trip may take before the limiter lets the request through. */
export const STORE_TIMEOUT_MS = 250;

/** A script SHA Redis does not know: the store then loads the script on first use (NOSCRIPT path). */
const UNLOADED_SHA = '0000000000000000000000000000000000000000';

/**
 * rate-limit-redis loads its Lua scripts once at start; if Redis is down then, the rejected load
 * would stick. Here a failed load leaves a placeholder SHA, so the first call after Redis returns
 * gets NOSCRIPT and reloads the script.
 */
class RecoveringRedisStore extends RedisStore {
  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.incrementScriptSha = this.loadIncrementScript().catch(() => UNLOADED_SHA);
    this.getScriptSha = this.loadGetScript().catch(() => UNLOADED_SHA);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`rate-limit store: no answer from Redis within ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * `onLimited` answers a refused request instead of the JSON 429 (pages answer with a 429 page).
 */
export function rateLimit(deps: Pick<AppDeps, 'env' | 'redis' | 'log'>, kind: RateLimitKind, opts: { onLimited?: RequestHandler } = {}): RequestHandler {
  const policy = RATE_LIMIT_POLICIES[kind];
  const limit = policy.limit(deps.env);
  if (limit <= 0) return (_req, _res, next) => next();
  return expressRateLimit({
    windowMs: policy.windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    // express validates its own settings; the trust-proxy setting is the app's (TRUST_PROXY)
    validate: { trustProxy: false, xForwardedForHeader: false },
    store: new RecoveringRedisStore({
      prefix: `${deps.env.REDIS_PREFIX}:rl:${kind}:`,
      sendCommand: (command: string, ...args: string[]) => withTimeout(deps.redis.call(command, ...args) as Promise<never>, STORE_TIMEOUT_MS),
    }),
    handler: (req, res, next) => {
      if (opts.onLimited) return opts.onLimited(req, res, next);
      const reset = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterS = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + policy.windowMs) - Date.now()) / 1000));
      res
        .status(429)
        .set('Retry-After', String(retryAfterS))
        .json({ error: { code: 'rate_limited', message: `too many requests; try again in ${retryAfterS} s`, details: { retryAfterS } } });
    },
    identifier: kind,
    // a failed count (Redis down) lets the request through and is logged as a warning
    logger: {
      error: (err: unknown, message?: string) => deps.log.warn({ err, limiter: kind }, message ?? 'rate limiter failed open'),
      warn: (err: unknown, message?: string) => deps.log.warn({ err, limiter: kind }, message ?? 'rate limiter warning'),
    },
  }) as unknown as RequestHandler;
}
