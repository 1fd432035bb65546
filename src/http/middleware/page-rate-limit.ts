import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Redis } from '../../lib/redis.js';

/**
 * Per-IP rate limits for the public page routes (magic-link opening, answers, connect starts),
 * counted in Redis under `<REDIS_PREFIX>:rl:<name>:` so every API process shares the counts.
 * One small factory so it can be swapped for a shared limiter later.
 */
export function pageRateLimit(
  deps: { redis: Redis; env: { REDIS_PREFIX: string } },
  name: string,
  opts: { limit: number; windowMs: number; onLimited?: RequestHandler },
): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Redis down: let the request through rather than locking every runner out
    passOnStoreError: true,
    store: new RedisStore({
      prefix: `${deps.env.REDIS_PREFIX}:rl:${name}:`,
      sendCommand: (command: string, ...args: string[]) => deps.redis.call(command, ...args) as Promise<RedisReply>,
    }),
    handler: (req, res, next, options) => {
      if (opts.onLimited) return opts.onLimited(req, res, next);
      res.status(options.statusCode).json({ error: { code: 'rate_limited', message: 'too many requests; try again in a few minutes' } });
    },
  });
}
