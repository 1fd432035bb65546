import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { loadEnv, type Env } from '../../src/config/env.js';
import { closeDeps, createDeps, purgeRedisPrefix, type AppDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startWorkers, type StartWorkersOptions, type WorkerHandle } from '../../workers/main.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { TEST_REDIS_URL } from './pg-urls.js';

/** how far ahead a delayed job still counts as pending work for `drain()` */
const DRAIN_DELAY_HORIZON_MS = 60_000;

export const TEST_API_KEY = 'test-api-key';
export const TEST_TOKEN_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestContext {
  deps: AppDeps;
  env: Env;
  testDb: TestDatabase;
  app: Express;
  /** the file's own BullMQ prefix */
  prefix: string;
  auth: { Authorization: string };
  startWorkers(opts?: StartWorkersOptions): WorkerHandle;
  /** waits until every queue of this file is drained (no waiting or active jobs, no delayed job due within a minute) */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything a test file needs against the real services: its own database (cloned from the
 * migrated template), its own Redis key prefix, the app, and workers on demand.
 */
export async function createTestContext(envOverrides: Record<string, string> = {}, opts: { now?: () => Date; fetch?: typeof fetch } = {}): Promise<TestContext> {
  const testDb = await createTestDatabase();
  const prefix = `t-${process.pid}-${randomBytes(4).toString('hex')}`;
  const env = loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testDb.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    API_KEYS: TEST_API_KEY,
    TOKEN_ENCRYPTION_KEY: TEST_TOKEN_KEY,
    ...envOverrides,
  });
  const deps = createDeps(env, silentLogger, { database: testDb, ...(opts.now ? { now: opts.now } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const { queues } = deps;
  const workers: WorkerHandle[] = [];
  return {
    deps,
    env,
    testDb,
    app: createApp(deps),
    prefix,
    auth: { Authorization: `Bearer ${TEST_API_KEY}` },
    startWorkers(o) {
      const w = startWorkers(deps, o);
      workers.push(w);
      return w;
    },
    async drain(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children')));
        // Delayed jobs count only when they are due soon (debounces, retries with back-off); a pain
        // prompt planned for tomorrow morning or a scheduler's next run is not work in progress.
        const soon = Date.now() + DRAIN_DELAY_HORIZON_MS;
        const delayed = await Promise.all(Object.values(queues).map(async (q) => (await q.getDelayed()).filter((j) => !j.repeatJobKey && j.timestamp + (j.delay ?? 0) <= soon).length));
        const pending = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0) + delayed.reduce((a, b) => a + b, 0);
        if (pending === 0) return;
        if (Date.now() > deadline) throw new Error(`queues not drained after ${timeoutMs} ms: ${JSON.stringify(counts)}, delayed and due soon: ${JSON.stringify(delayed)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      // everything under this file's prefix goes: queues, rate-limit counters, locks
      await purgeRedisPrefix(deps);
      await closeDeps(deps);
      await testDb.drop();
    },
  };
}
