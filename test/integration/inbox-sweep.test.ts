import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, webhookEvents } from '../../src/db/schema/index.js';
import { SWEEP_MAX_ATTEMPTS, sweepInbox } from '../../src/services/inbox/sweep.js';
import { STRAVA_TEST_ENV, stravaEventBody } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV);
});
afterAll(async () => {
  await ctx?.close();
});

async function inboxRow(key: string, receivedMinutesAgo: number, attempts = 0) {
  const [row] = await ctx.deps.db
    .insert(webhookEvents)
    .values({
      provider: 'strava',
      dedupeKey: key,
      payload: stravaEventBody({ ownerId: 999_999, objectId: key.split(':')[3]! }),
      receivedAt: new Date(Date.now() - receivedMinutesAgo * 60_000),
      attempts,
    })
    .returning();
  return row!;
}

describe('inbox sweep', () => {
  it('re-queues an acknowledged event whose job was lost, and the worker then handles it', async () => {
    const lost = await inboxRow('strava:activity:create:101:1', 10);
    const fresh = await inboxRow('strava:activity:create:102:1', 0);
    const givenUp = await inboxRow('strava:activity:create:103:1', 10, SWEEP_MAX_ATTEMPTS);

    expect(await sweepInbox(ctx.deps)).toBe(1);
    // A job still waiting in Redis is not queued twice.
    expect(await sweepInbox(ctx.deps)).toBe(0);

    ctx.startWorkers({ queues: ['events'] });
    await ctx.drain();
    const [handled] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, lost.id));
    expect(handled!.processedAt).not.toBeNull();
    expect(handled!.outcome).toBe('ignored_unknown_athlete');
    const [untouched] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, fresh.id));
    expect(untouched!.processedAt).toBeNull();
    const [failed] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, givenUp.id));
    expect(failed!.processedAt).toBeNull();
    expect(await sweepInbox(ctx.deps)).toBe(0);
  });
});

describe('stuck FIT imports', () => {
  it('re-queues an import whose job was lost, on re-upload and from the sweep', async () => {
    const { acceptFitFile } = await import('../../src/services/uploads.js');
    const { sweepStuckImports } = await import('../../src/services/inbox/sweep.js');
    const { buildSyntheticRunFit } = await import('../../src/fit/synthetic.js');
    const { buildRunner } = await import('../factories/runners.js');
    const runner = await buildRunner(ctx.deps.db);
    const bytes = Buffer.from(buildSyntheticRunFit({ seconds: 900, startTime: new Date('2026-11-02T06:00:00Z') }));
    const first = await acceptFitFile(ctx.deps, { runnerId: runner.id, bytes });
    expect(first.status).toBe('queued');

    // Redis loses the job (flush, failover): the row still says queued.
    await ctx.deps.queues.compute.obliterate({ force: true });
    const again = await acceptFitFile(ctx.deps, { runnerId: runner.id, bytes });
    expect(again).toEqual({ activityId: first.activityId, status: 'duplicate' });
    expect(await ctx.deps.queues.compute.getJob(`run.import-fit-${first.activityId}`)).toBeTruthy();

    await ctx.deps.queues.compute.obliterate({ force: true });
    const later = { ...ctx.deps, now: () => new Date(Date.now() + 11 * 60_000) };
    expect(await sweepStuckImports(ctx.deps)).toBe(0); // not stale yet
    expect(await sweepStuckImports(later)).toBe(1);
    expect(await sweepStuckImports(later)).toBe(0); // its job is alive now

    ctx.startWorkers({ queues: ['compute'] });
    await ctx.drain();
    const [row] = await ctx.deps.db.select().from(activities).where(eq(activities.id, first.activityId));
    expect(row!.status).toBe('ready');
  });
});
