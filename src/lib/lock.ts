import { randomUUID } from 'node:crypto';
import type { Redis } from './redis.js';

/**
 * A short Redis lock (SET NX PX + token-checked release) for work that must not run twice at once,
 * such as spending a rotating refresh token. TTL: long enough for one token call (15 s timeout)
 * plus the database write.
 */
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 20_000;
const LOCK_POLL_MS = 50;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** The lock's token, or null when it stayed busy for LOCK_WAIT_MS. */
export async function acquireLock(redis: Redis, key: string): Promise<string | null> {
  const token = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if ((await redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') return token;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

/** Release only if still ours (it may have expired and been taken by a neighbour). */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
}
