import type { Env } from './config/env.js';
import { createDatabase, type Database, type Db } from './db/client.js';
import { lazyFitDecoderPool, type FitDecoder } from './fit/decode-pool.js';
import { createEnqueue, createEnqueueBulk, createQueues, closeQueues, type Enqueue, type EnqueueBulk, type Queues } from './jobs/queues.js';
import type { ProviderRegistry } from './integrations/registry.js';
import type { Logger } from './lib/logger.js';
import type { OutboundNetOptions } from './lib/public-http.js';
import { createRedis, type Redis } from './lib/redis.js';

/**
 * What services, routes, processors and CLI commands are built from. Each service takes only the
 * parts it uses (see docs/architecture.md); this is just the bag the entry points hold.
 */
export interface AppDeps {
  env: Env;
  db: Db;
  database: Database;
  /** for producers and locks: fails fast when Redis is down */
  redis: Redis;
  queues: Queues;
  enqueue: Enqueue;
  /** several jobs of one kind in one round trip, each as `enqueue` would add it */
  enqueueBulk: EnqueueBulk;
  log: Logger;
  now: () => Date;
  /** outbound HTTP (notify webhooks); injectable for tests */
  fetch: typeof fetch;
  /** FIT decoding off the event loop (worker threads, started on first use) */
  fitDecoder: FitDecoder;
  /** the platforms (integrations/registry.ts); absent: the built-in ones. Tests add a fake platform here. */
  providers?: ProviderRegistry;
  /** Web Push's network options; absent in the service. Tests set a resolver, or allow a loopback receiver (never in production). */
  pushNetwork?: OutboundNetOptions;
}

export function createDeps(env: Env, log: Logger, overrides: Partial<Pick<AppDeps, 'now' | 'fetch' | 'database' | 'fitDecoder'>> = {}): AppDeps {
  const database = overrides.database ?? createDatabase(env.DATABASE_URL);
  const redis = createRedis(env.REDIS_URL, { name: 'stridesync-producer' });
  const queues = createQueues(redis, env.REDIS_PREFIX, (err) => log.debug({ err }, 'queue connection error'));
  return {
    env,
    db: database.db,
    database,
    redis,
    queues,
    enqueue: createEnqueue(queues, { timeoutMs: env.ENQUEUE_TIMEOUT_MS }),
    enqueueBulk: createEnqueueBulk(queues, { timeoutMs: env.ENQUEUE_TIMEOUT_MS }),
    log,
    now: overrides.now ?? (() => new Date()),
    fetch: overrides.fetch ?? globalThis.fetch.bind(globalThis),
    fitDecoder: overrides.fitDecoder ?? lazyFitDecoderPool(env.WORKER_CONCURRENCY),
  };
}

/**
 * Remove everything under this deployment's Redis prefix (queues, schedulers, counters, locks):
 * for throw-away deployments such as test files and benchmarks, never for a real one.
 */
export async function purgeRedisPrefix(deps: Pick<AppDeps, 'queues' | 'redis' | 'env'>): Promise<void> {
  await Promise.all(Object.values(deps.queues).map((q) => q.obliterate({ force: true }).catch(() => undefined)));
  const keys = await deps.redis.keys(`${deps.env.REDIS_PREFIX}:*`);
  if (keys.length) await deps.redis.del(...keys);
}

/**
 * Close in dependency order, each step error-safe: decoder threads, then the queues (their BullMQ
 * connections settle first), then the shared Redis client (QUIT, so replies in flight arrive; a
 * forced disconnect if Redis does not answer), then Postgres. Workers are closed before this.
 */
export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.fitDecoder.close().catch(() => undefined);
  await closeQueues(deps.queues).catch(() => undefined);
  await closeRedis(deps.redis);
  // A client still checked out on a connection Postgres dropped would keep pool.end() waiting forever.
  await bounded(
    deps.database.close().catch(() => undefined),
    5_000,
  );
}

function bounded(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

/** QUIT when connected (bounded wait), otherwise disconnect; never throws. */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
  if (redis.status !== 'end') redis.disconnect();
}
