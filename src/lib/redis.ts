import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * ioredis connection for BullMQ and locks. `maxRetriesPerRequest: null` is what BullMQ workers need;
 * producers use `maxRetriesPerRequest: 1`, so while Redis is down a command fails after one reconnect
 * attempt instead of hanging the HTTP request (commands issued while the first connect is still in
 * flight simply wait for it).
 */
export function createRedis(url: string, opts: { forWorker?: boolean; name?: string } = {}): Redis {
  const options: RedisOptions = {
    connectionName: opts.name ?? 'stridesync',
    maxRetriesPerRequest: opts.forWorker ? null : 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(200 * times, 5_000),
  };
  const redis = new Redis(url, options);
  // Errors are surfaced through /health and failed commands; an unhandled 'error' event would crash.
  redis.on('error', () => undefined);
  return redis;
}
