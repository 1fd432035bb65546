import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { loadEnv, type Env } from '../../src/config/env.js';
import { closeDeps, createDeps, purgeRedisPrefix, type AppDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { createLogger, silentLogger } from '../../src/lib/logger.js';
import type { DestinationStream } from 'pino';
import { startWorkers, type StartWorkersOptions, type WorkerHandle } from '../../workers/main.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { TEST_REDIS_URL } from './pg-urls.js';

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
  /** waits until every queue of this file is drained (no waiting, active or delayed jobs; planned prompt sends excepted) */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything a test file needs against the real services: its own database (cloned from the
 * migrated template), its own Redis key prefix, the app, and workers on demand.
 */
export async function createTestContext(
  envOverrides: Record<string, string> = {},
  opts: {
    now?: () => Date;
    fetch?: typeof fetch;
    /** the app's and workers' log lines (the production logger, at debug level) go here instead of nowhere */
    logTo?: DestinationStream;
  } = {},
): Promise<TestContext> {
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
  const log = opts.logTo ? createLogger({ level: 'debug', destination: opts.logTo }) : silentLogger;
  const deps = createDeps(env, log, { database: testDb, ...(opts.now ? { now: opts.now } : {}), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
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
        const counts = await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')));
        // A pain prompt planned for later (tomorrow morning, a reminder) waits as a delayed job in the
        // notify queue: that is a plan, not work in progress, so it does not hold up a drain.
        const plannedPrompts = (await queues.notify.getDelayed()).filter((j) => j.name === 'prompt.send').length;
        const pending = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0) - plannedPrompts;
        if (pending === 0) return;
        if (Date.now() > deadline)
          throw new Error(`queues not drained after ${timeoutMs} ms: ${JSON.stringify(counts)} (${plannedPrompts} planned prompt sends not counted)`);
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
