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

  it('enqueueBulk adds many jobs in one call, each with the options a single enqueue gives it', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const conn = '5a0e8c7d-1b2c-4d3e-8f4a-5b6c7d8e9f01';
    const payloads = ['801', '802', '803'].map((id) => ({ connectionId: conn, stravaActivityId: id, reason: 'backfill' as const, streamAttempt: 0 }));
    // a payload listed twice (a page listed again) and one already queued make no second job
    await ctx.deps.enqueue('strava.fetch-activity', payloads[0]!, { priority: 20 });
    await ctx.deps.enqueueBulk('strava.fetch-activity', [...payloads, payloads[1]!], { priority: 20 });
    const fetches = (await ctx.deps.queues['strava-api'].getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.connectionId === conn);
    expect(fetches.map((j) => j.id).sort()).toEqual(payloads.map((p) => `strava.backfill-fetch-${conn}-${p.stravaActivityId}`));
    for (const j of fetches) expect(j.opts).toMatchObject({ attempts: 8, priority: 20, backoff: { type: 'exponential', delay: 10_000 } });

    // debounce holds within a bulk and against jobs already pending: one job per runner-week
    await ctx.deps.enqueue('week.recompute', { runnerId: runner.id, week: '2026-W30' });
    await ctx.deps.enqueueBulk('week.recompute', [
      { runnerId: runner.id, week: '2026-W30' },
      { runnerId: runner.id, week: '2026-W31' },
      { runnerId: runner.id, week: '2026-W31' },
      { runnerId: runner.id, week: '2026-W32' },
    ]);
    const weeks = (await ctx.deps.queues.compute.getJobs(['delayed', 'waiting'])).filter((j) => j.data.runnerId === runner.id);
    expect(weeks.map((j) => j.data.week).sort()).toEqual(['2026-W30', '2026-W31', '2026-W32']);
    for (const j of weeks) expect(j.opts.deduplication).toEqual({ id: `week-${runner.id}-${j.data.week}`, keepLastIfActive: true });
    // no worker runs strava-api here: leave the queues as found for the tests that drain them
    await Promise.all(fetches.map((j) => j.remove()));
  });

  it('enqueueBulk validates every payload before adding any, and adds nothing for an empty list', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const before = await ctx.deps.queues.compute.count();
    await expect(
      ctx.deps.enqueueBulk('week.recompute', [
        { runnerId: runner.id, week: '2026-W20' },
        { runnerId: 'nope', week: '2026-W21' },
      ]),
    ).rejects.toThrow();
    await ctx.deps.enqueueBulk('week.recompute', []);
    expect(await ctx.deps.queues.compute.count()).toBe(before);
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
