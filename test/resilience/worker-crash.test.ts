import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics } from '../../src/db/schema/index.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { acceptFitFile } from '../../src/services/uploads.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, TEST_API_KEY, TEST_TOKEN_KEY, type TestContext } from '../setup/context.js';
import { TEST_REDIS_URL } from '../setup/pg-urls.js';
import { activityCensus, figures, waitUntil } from './fakes.js';
import { report } from './stores.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOCK_MS = '2000';

let ctx: TestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ JOB_LOCK_MS: LOCK_MS });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await ctx?.close();
});

/**
 * Start a worker child process (compute queue) on this file's database and Redis prefix. Node itself
 * with tsx's loader, not the `tsx` command: that one runs the script in a grandchild, which a SIGKILL
 * of the command would leave running (the "killed" worker would go on working).
 */
function spawnWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/resilience/worker-child.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: ctx.testDb.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: ctx.prefix,
      API_KEYS: TEST_API_KEY,
      TOKEN_ENCRYPTION_KEY: TEST_TOKEN_KEY,
      JOB_LOCK_MS: LOCK_MS,
      WORKER_CONCURRENCY: '2',
    },
  });
  children.push(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('a worker SIGKILLed mid-import, twice', () => {
  it('loses no run and duplicates none: the killed imports are taken over and finish ready', async () => {
    const runner = await buildRunner(ctx.deps.db);
    // Long runs (3 h at 1 Hz) so an import is in progress when the worker is killed.
    const files = Array.from({ length: 6 }, (_, i) =>
      Buffer.from(buildSyntheticRunFit({ seconds: 3 * 3600 + i, startTime: new Date(Date.parse('2026-01-05T06:00:00Z') + i * 86_400_000) })),
    );
    const ids: string[] = [];
    for (const f of files) ids.push((await acceptFitFile(ctx.deps, { runnerId: runner.id, bytes: f })).activityId);

    const processing = async () =>
      (
        await ctx.deps.db
          .select({ id: activities.id })
          .from(activities)
          .where(and(inArray(activities.id, ids), eq(activities.status, 'processing')))
      ).map((r) => r.id);

    // Kill 1: as soon as an import is running.
    const first = spawnWorker();
    expect(await waitUntil(async () => (await processing()).length > 0, 60_000)).toBeGreaterThanOrEqual(0);
    const killedFirst = await processing();
    await kill(first);

    // Kill 2: the next worker takes a killed import over (after its lock expires); kill it mid-import again.
    const second = spawnWorker();
    const retaken = await waitUntil(async () => {
      const rows = await ctx.deps.db
        .select({ id: activities.id, updatedAt: activities.updatedAt })
        .from(activities)
        .where(and(inArray(activities.id, killedFirst), eq(activities.status, 'processing')));
      return rows.some((r) => Date.now() - r.updatedAt.getTime() < 1_000);
    }, 60_000);
    const killedSecond = await processing();
    await kill(second);

    // A third worker finishes everything.
    spawnWorker();
    const done = await waitUntil(
      async () =>
        figures(
          files.map((f) => sha256Hex(f)),
          await activityCensus(ctx.deps.db, runner.id, 'upload'),
        ).lost === 0,
      120_000,
    );
    const f = figures(
      files.map((x) => sha256Hex(x)),
      await activityCensus(ctx.deps.db, runner.id, 'upload'),
    );
    const metrics = await ctx.deps.db.select({ id: activityMetrics.activityId }).from(activityMetrics).where(inArray(activityMetrics.activityId, ids));
    report(
      `worker SIGKILLed twice (killed mid-import: ${killedFirst.length} then ${killedSecond.length}, same job retaken: ${retaken >= 0}; finished ${done} ms after the third start)`,
      { 'uploaded files': f },
    );
    expect(retaken).toBeGreaterThanOrEqual(0);
    expect(done).toBeGreaterThanOrEqual(0);
    expect(f).toMatchObject({ sent: 6, processed: 6, lost: 0, duplicated: 0 });
    expect(metrics).toHaveLength(6);
    const failed = await ctx.deps.db
      .select({ id: activities.id })
      .from(activities)
      .where(and(inArray(activities.id, ids), eq(activities.status, 'failed')));
    expect(failed).toEqual([]);
  }, 180_000);
});
