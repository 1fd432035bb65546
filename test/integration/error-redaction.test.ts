import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertShare } from '../../src/db/queries/shares.js';
import { activities, notifications, promptDeliveries, webhookEvents } from '../../src/db/schema/index.js';
import { PermanentJobError } from '../../src/lib/errors.js';
import { processInboxRow } from '../../src/services/inbox/process-row.js';
import { deliverNotification, PushFailedError } from '../../src/services/notify.js';
import { sendPrompt } from '../../src/services/prompts/send.js';
import { processors } from '../../workers/registry.js';
import { openPrompt, recordLoadJumpWarning } from '../factories/prompts.js';
import { buildRunner } from '../factories/runners.js';
import { waitUntil } from '../resilience/fakes.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * A job that fails on a query leaves its error where it outlives the logs: BullMQ's failedReason and
 * stacktrace in Redis, the inbox row's `error`, the activity's `error` shown by the API. None of them
 * may carry the values the statement was sent with; all of them keep the statement.
 */

let ctx: TestContext;
const recipient = 'Kari Paramsecret-Physio';
const tokenHash = `hash-paramsecret-${randomUUID()}`;
let ownerId = '';

/** The owner's share with the recipient's name and the link token every later insert collides with. */
async function insertTheShare(): Promise<void> {
  await insertShare(ctx.deps.db, {
    runnerId: ownerId,
    tokenHash,
    recipient,
    sections: ['diary'],
    consentedAt: new Date(),
    expiresAt: new Date(Date.now() + 86_400_000),
  });
}

/** A real insert that fails on the unique link token, with the recipient's name among its parameters. */
async function failingInsert(): Promise<never> {
  await insertTheShare();
  throw new Error('the insert was expected to fail');
}

beforeAll(async () => {
  ctx = await createTestContext();
  const owner = await buildRunner(ctx.deps.db, { name: 'Owner Paramsecret' });
  ownerId = owner.id;
  await insertTheShare();
  ctx.startWorkers({
    queues: ['compute', 'events'],
    processorMap: {
      ...processors,
      // a failed query, retried until the attempts are used up
      'run.derive': async () => failingInsert(),
      // a failed query turned into a permanent error carrying its message (no params field any more)
      'run.import-fit': async () => {
        try {
          return await failingInsert();
        } catch (err) {
          throw new PermanentJobError('share_conflict', (err as Error).message);
        }
      },
      // the kernel's inbox handling, whose route fails on the query
      'inbox.handle-notification': (deps, p) => processInboxRow(deps, p.eventId, async () => failingInsert(), { provider: p.provider }),
    },
  });
});
afterAll(async () => {
  await ctx?.close();
});

/** `cut`: the text is stored cut to a length the statement alone may fill, so the `params:` line may be gone. */
function expectNoValues(what: string, text: string | null | undefined, opts: { cut?: boolean } = {}): void {
  expect(text, what).toBeTruthy();
  expect(text, what).toContain('insert into "runner_shares"');
  if (!opts.cut || text!.includes('params:')) expect(text, what).toContain('params: [redacted]');
  for (const value of [recipient, tokenHash, ownerId]) expect(text!.includes(value), `${what} carries ${value}`).toBe(false);
}

async function failedActivity(source: 'strava' | 'upload'): Promise<string> {
  const runner = await buildRunner(ctx.deps.db);
  const [row] = await ctx.deps.db.insert(activities).values({ runnerId: runner.id, source, externalId: randomUUID(), status: 'processing' }).returning();
  return row!.id;
}

/** Whether the activity's row has reached status failed. */
async function activityFailed(activityId: string): Promise<boolean> {
  const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, activityId));
  return r!.status === 'failed';
}

async function activityError(runnerId: string, activityId: string): Promise<{ code: string; message: string } | null> {
  const res = await request(ctx.app).get(`/v1/runners/${runnerId}/activities/${activityId}`).set(ctx.auth);
  expect(res.status).toBe(200);
  return (res.body as { error: { code: string; message: string } | null }).error;
}

describe('a job failing on a query', () => {
  it('keeps no parameter value in its failedReason and stacktrace nor in the activity’s error, after its retries', async () => {
    const activityId = await failedActivity('strava');
    await ctx.deps.enqueue('run.derive', { activityId });
    await waitUntil(async () => (await ctx.deps.queues.compute.getJobs(['failed'])).some((j) => j.data.activityId === activityId && j.finishedOn), 60_000);
    const job = (await ctx.deps.queues.compute.getJobs(['failed'])).find((j) => j.data.activityId === activityId)!;
    expect(job.attemptsMade).toBe(3); // a failed query is still retried
    expectNoValues('failedReason', job.failedReason);
    expect(job.failedReason.startsWith('Failed query: ')).toBe(true);
    expect(job.stacktrace).toHaveLength(3);
    for (const trace of job.stacktrace ?? []) {
      expectNoValues('stacktrace', trace);
      expect(trace).toMatch(/\n\s+at /);
    }
    await waitUntil(() => activityFailed(activityId), 10_000);
    const [row] = await ctx.deps.db.select().from(activities).where(eq(activities.id, activityId));
    const error = await activityError(row!.runnerId, activityId);
    expect(error?.code).toBe('job_failed');
    expectNoValues('activity error', error?.message, { cut: true });
  }, 90_000);

  it('keeps its code when the query error was made permanent, and no parameter value', async () => {
    const activityId = await failedActivity('upload');
    await ctx.deps.enqueue('run.import-fit', { activityId });
    await waitUntil(() => activityFailed(activityId), 30_000);
    const job = (await ctx.deps.queues.compute.getJobs(['failed'])).find((j) => j.data.activityId === activityId)!;
    expect(job.attemptsMade).toBe(1); // permanent: no retry
    expectNoValues('failedReason', job.failedReason);
    expect(job.failedReason.startsWith('share_conflict: Failed query: ')).toBe(true);
    expectNoValues('stacktrace', job.stacktrace?.[0]);
    expect(job.stacktrace?.[0]).toMatch(/^UnrecoverableError: share_conflict: /);
    const [row] = await ctx.deps.db.select().from(activities).where(eq(activities.id, activityId));
    const error = await activityError(row!.runnerId, activityId);
    expect(error?.code).toBe('share_conflict');
    expectNoValues('activity error', error?.message, { cut: true });
  }, 60_000);

  it('stores the inbox row’s error without parameter values', async () => {
    const [event] = await ctx.deps.db
      .insert(webhookEvents)
      .values({ provider: 'garmin', dedupeKey: `garmin:test:${randomUUID()}`, payload: { test: true } })
      .returning();
    await ctx.deps.enqueue('inbox.handle-notification', { provider: 'garmin', eventId: event!.id });
    await waitUntil(async () => {
      const job = await ctx.deps.queues.events.getJob(`inbox.handle-notification-${event!.id}`);
      return (job?.attemptsMade ?? 0) >= 1 && Boolean(job?.failedReason);
    }, 30_000);
    const job = (await ctx.deps.queues.events.getJob(`inbox.handle-notification-${event!.id}`))!;
    expectNoValues('failedReason', job.failedReason);
    expectNoValues('stacktrace', job.stacktrace?.[0]);
    const [row] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.id, event!.id));
    expect(row!.processedAt).toBeNull();
    expect(row!.attempts).toBeGreaterThanOrEqual(1);
    expectNoValues('webhook_events.error', row!.error);
    await job.remove().catch(() => undefined);
  }, 60_000);

  it('stores a prompt channel’s and the outbox’s failure without parameter values', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const prompt = await openPrompt(ctx, runner.id);
    const failingChannel = { name: 'webhook', enabled: () => true, send: async () => failingInsert() };
    const sent = await sendPrompt(ctx.deps, prompt.id, 'due', 1, [failingChannel]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(sent).toBeInstanceOf(Error);
    expectNoValues('prompt send error', sent!.message);
    const [delivery] = await ctx.deps.db.select().from(promptDeliveries).where(eq(promptDeliveries.promptId, prompt.id));
    expect(delivery!.status).toBe('failed');
    expectNoValues('prompt delivery attempt', delivery!.attempts.at(-1)?.error);

    const id = (await recordLoadJumpWarning(ctx.deps.db, runner.id))!;
    const failingFetch = (async () => failingInsert()) as unknown as typeof fetch;
    const pushed = await deliverNotification(
      { db: ctx.deps.db, fetch: failingFetch, now: () => new Date(), url: 'http://127.0.0.1:9/hooks', secret: undefined },
      id,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(pushed).toBeInstanceOf(PushFailedError);
    expectNoValues('push error', pushed!.message);
    const [outbox] = await ctx.deps.db.select().from(notifications).where(eq(notifications.id, id));
    expect(outbox!.attemptCount).toBe(1);
    expectNoValues('notifications.last_error', outbox!.lastError);
    expectNoValues('notification attempt', outbox!.attempts.at(-1)?.error);
  });
});
