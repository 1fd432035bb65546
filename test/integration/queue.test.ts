import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('job catalog on a real BullMQ queue', () => {
  it('collapses a burst of 40 recomputes of one week into one job, and keeps other weeks apart', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await Promise.all(Array.from({ length: 40 }, () => ctx.deps.enqueue('week.recompute', { runnerId: runner.id, week: '2026-W47' })));
    await ctx.deps.enqueue('week.recompute', { runnerId: runner.id, week: '2026-W48' });
    const jobs = await ctx.deps.queues.compute.getJobs(['delayed', 'waiting']);
    expect(jobs.map((j) => j.data.week).sort()).toEqual(['2026-W47', '2026-W48']);
  });

  it('refuses a payload that does not match the catalog before it reaches Redis', async () => {
    await expect(ctx.deps.enqueue('week.recompute', { runnerId: 'not-a-uuid', week: '2026-W47' })).rejects.toThrow();
    await expect(ctx.deps.enqueue('run.import-fit', {} as never)).rejects.toThrow();
  });

  it('processes the collapsed recompute once its debounce delay has passed', async () => {
    const runner = await buildRunner(ctx.deps.db);
    ctx.startWorkers({ queues: ['compute'] });
    await ctx.deps.enqueue('week.recompute', { runnerId: runner.id, week: '2026-W40' });
    await ctx.drain();
    const done = await ctx.deps.queues.compute.getJobs(['completed']);
    expect(done.filter((j) => j.data.week === '2026-W40')).toHaveLength(1);
  });
});
