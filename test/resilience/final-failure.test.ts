import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities } from '../../src/db/schema/index.js';
import { processors } from '../../workers/registry.js';
import { failureReason } from '../../workers/final-failure.js';
import { UnrecoverableError } from 'bullmq';
import { PermanentJobError } from '../../src/lib/errors.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { waitUntil } from './fakes.js';

let ctx: TestContext;
let calls = 0;
beforeAll(async () => {
  ctx = await createTestContext();
  // run.derive that always fails with a transient-looking error; the rest as usual.
  ctx.startWorkers({
    queues: ['compute'],
    processorMap: {
      ...processors,
      'run.derive': async () => {
        calls += 1;
        throw new Error('upstream exploded');
      },
    },
  });
});
afterAll(async () => {
  await ctx?.close();
});

describe('a job that fails for good', () => {
  it('leaves its run failed with the reason after the last attempt, never processing', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const [row] = await ctx.deps.db.insert(activities).values({ runnerId: runner.id, source: 'strava', externalId: '424242', status: 'processing' }).returning();
    await ctx.deps.enqueue('run.derive', { activityId: row!.id });
    const ms = await waitUntil(async () => {
      const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
      return r!.status === 'failed';
    }, 60_000);
    expect(ms).toBeGreaterThanOrEqual(0);
    const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
    expect(r!.error).toEqual({ code: 'job_failed', message: 'upstream exploded' });
    expect(calls).toBe(3); // every attempt of the catalog was used first
  }, 90_000);

  it('keeps the code of permanent errors and of stalled jobs', () => {
    expect(failureReason(new PermanentJobError('strava_not_found', 'gone'))).toEqual({ code: 'strava_not_found', message: 'gone' });
    expect(failureReason(new UnrecoverableError('fit_invalid_header: not a FIT file'))).toEqual({ code: 'fit_invalid_header', message: 'not a FIT file' });
    expect(failureReason(new Error('job stalled more than allowable limit')).code).toBe('job_stalled');
  });
});
