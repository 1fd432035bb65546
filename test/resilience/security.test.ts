import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, connections, webhookEvents } from '../../src/db/schema/index.js';
import { buildStravaConnection, RATE_HEADERS, stravaActivityJson, stravaApi, stravaEventBody, STRAVA_TEST_ENV, STRAVA_TEST_ORIGIN } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * Forged events and probing, as an attacker would try them against a running service. Strava's API
 * is faked with nock; everything else (Postgres, Redis, queues, workers) is real.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV);
  ctx.startWorkers({ queues: ['events', 'compute'] });
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
});

let eventTime = 1_790_000_000;
/** Post a Strava event, let the workers handle it, return its inbox row. */
async function deliver(body: Record<string, unknown>) {
  const t = ++eventTime;
  const res = await request(ctx.app).post('/webhooks/strava').send({ ...body, event_time: t });
  expect(res.status).toBe(200);
  await ctx.drain();
  const [row] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.dedupeKey, `strava:${body.object_type}:${body.aspect_type}:${body.object_id}:${t}`));
  return row!;
}

/** A derived Strava run stored for the connection, counted in load. */
async function storedRun(conn: { id: string; runnerId: string }, stravaId: string | number) {
  const [row] = await ctx.deps.db
    .insert(activities)
    .values({
      runnerId: conn.runnerId,
      connectionId: conn.id,
      source: 'strava',
      externalId: String(stravaId),
      status: 'ready',
      isRun: true,
      countedInLoad: true,
      startTime: new Date('2026-05-04T05:00:00Z'),
      localDate: '2026-05-04',
      raw: { activity: stravaActivityJson(stravaId), streams: null, streamsStatus: 'skipped' },
    })
    .returning();
  return row!;
}

async function visibleActivities(runnerId: string) {
  const res = await request(ctx.app).get(`/v1/runners/${runnerId}/activities`).set(ctx.auth);
  expect(res.status).toBe(200);
  return res.body.activities as Array<{ id: string }>;
}

const notFound = { message: 'Record Not Found', errors: [{ resource: 'Activity', field: 'id', code: 'not found' }] };
const unauthorized = { message: 'Authorization Error', errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }] };

describe('forged Strava delete events', () => {
  it('change nothing while Strava still serves the activity (200)', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-fd1' });
    const run = await storedRun(conn, 9_400_000_001);
    const check = stravaApi({ token: 'tok-fd1' }).get('/api/v3/activities/9400000001').reply(200, stravaActivityJson(9_400_000_001), RATE_HEADERS);
    const event = await deliver(stravaEventBody({ objectId: 9_400_000_001, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(check.isDone()).toBe(true);
    expect(event.outcome).toBe('delete_not_confirmed');
    const [after] = await ctx.deps.db.select().from(activities).where(eq(activities.id, run.id));
    expect(after).toMatchObject({ countedInLoad: true, status: 'ready' });
    expect((await visibleActivities(conn.runnerId)).map((a) => a.id)).toEqual([run.id]);
  });

  it('delete the activity once Strava answers 404', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-fd2' });
    const run = await storedRun(conn, 9_400_000_002);
    const check = stravaApi({ token: 'tok-fd2' }).get('/api/v3/activities/9400000002').reply(404, notFound, RATE_HEADERS);
    const event = await deliver(stravaEventBody({ objectId: 9_400_000_002, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(check.isDone()).toBe(true);
    expect(event.outcome).toBe('deleted');
    expect(await visibleActivities(conn.runnerId)).toEqual([]);
    expect(run.id).toBeTruthy();
  });

  it('delete the activity when Strava refuses the athlete’s token and its refresh', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-fd3' });
    await storedRun(conn, 9_400_000_003);
    const check = stravaApi({ token: 'tok-fd3' }).get('/api/v3/activities/9400000003').reply(401, unauthorized, RATE_HEADERS);
    const refresh = nock(STRAVA_TEST_ORIGIN).post('/oauth/token').reply(400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] });
    const event = await deliver(stravaEventBody({ objectId: 9_400_000_003, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(check.isDone() && refresh.isDone()).toBe(true);
    expect(event.outcome).toBe('deleted');
    expect(await visibleActivities(conn.runnerId)).toEqual([]);
  });
});

export { activityMetrics, and, connections };
