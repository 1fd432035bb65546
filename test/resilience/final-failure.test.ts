import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities } from '../../src/db/schema/index.js';
import { processors } from '../../workers/registry.js';
import { failureReason } from '../../workers/final-failure.js';
import { permanentFailure } from '../../workers/main.js';
import { UnrecoverableError } from 'bullmq';
import { PermanentJobError } from '../../src/lib/errors.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { waitUntil } from './fakes.js';

let ctx: TestContext;
let calls = 0;
const finalSeen: boolean[] = [];
let importCalls = 0;

/** Shaped like a provider client's error (StravaApiError): the worker reads only the flag and status. */
class ProviderApiError extends Error {
  override name = 'ProviderApiError';
  readonly status = 404;
  readonly isRetryable = false;
}

beforeAll(async () => {
  ctx = await createTestContext();
  // run.derive that always fails with a transient-looking error; the rest as usual.
  ctx.startWorkers({
    queues: ['compute'],
    processorMap: {
      ...processors,
      'run.derive': async (_deps, _p, jobCtx) => {
        calls += 1;
        const err = new Error('upstream exploded');
        finalSeen.push(jobCtx.isFinalAttempt(err));
        throw err;
      },
      // a provider's 4xx that says it is not worth retrying
      'run.import-fit': async (_deps, _p, jobCtx) => {
        importCalls += 1;
        const err = new ProviderApiError('Record Not Found');
        finalSeen.push(jobCtx.isFinalAttempt(err));
        throw err;
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
    const [row] = await ctx.deps.db
      .insert(activities)
      .values({ runnerId: runner.id, source: 'strava', externalId: '424242', status: 'processing' })
      .returning();
    await ctx.deps.enqueue('run.derive', { activityId: row!.id });
    const ms = await waitUntil(async () => {
      const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
      return r!.status === 'failed';
    }, 60_000);
    expect(ms).toBeGreaterThanOrEqual(0);
    const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
    expect(r!.error).toEqual({ code: 'job_failed', message: 'upstream exploded' });
    expect(calls).toBe(3); // every attempt of the catalog was used first
    expect(finalSeen).toEqual([false, false, true]); // the job context knew which attempt was the last
  }, 90_000);

  it('fails at once, without retries, on an error flagged not retryable, keeping its code', async () => {
    finalSeen.length = 0;
    const runner = await buildRunner(ctx.deps.db);
    const [row] = await ctx.deps.db.insert(activities).values({ runnerId: runner.id, source: 'upload', externalId: 'x-404', status: 'queued' }).returning();
    await ctx.deps.enqueue('run.import-fit', { activityId: row!.id });
    await waitUntil(async () => {
      const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
      return r!.status === 'failed';
    }, 30_000);
    const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, row!.id));
    expect(r!.error).toEqual({ code: 'provider_api_error_404', message: 'Record Not Found' });
    expect(importCalls).toBe(1);
    expect(finalSeen).toEqual([true]);
    const [job] = await ctx.deps.queues.compute.getJobs(['failed']).then((js) => js.filter((j) => j.data.activityId === row!.id));
    expect(job!.attemptsMade).toBe(1);
    expect(job!.stacktrace![0]).toMatch(/^UnrecoverableError: provider_api_error_404: Record Not Found\n\s+at /); // the original frames are kept
  }, 60_000);

  it('keeps the code of permanent errors and of stalled jobs', () => {
    expect(failureReason(new PermanentJobError('strava_not_found', 'gone'))).toEqual({ code: 'strava_not_found', message: 'gone' });
    expect(failureReason(new UnrecoverableError('fit_invalid_header: not a FIT file'))).toEqual({ code: 'fit_invalid_header', message: 'not a FIT file' });
    expect(failureReason(new Error('job stalled more than allowable limit')).code).toBe('job_stalled');
    expect(failureReason(permanentFailure(new PermanentJobError('garmin_entry_missing', 'no file #3')))).toEqual({
      code: 'garmin_entry_missing',
      message: 'no file #3',
    });
  });
});
