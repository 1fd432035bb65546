import { and, eq, isNull } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, connections, painAnswers, painPrompts, webhookEvents } from '../../src/db/schema/index.js';
import {
  buildStravaConnection,
  interceptStreams,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  stravaEventBody,
  STRAVA_TEST_ENV,
  stravaStreamsJson,
  STRAVA_TEST_ORIGIN,
} from '../factories/strava.js';
import { purgeDeletedActivities } from '../../src/services/retention.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV);
  ctx.startWorkers();
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
});

let eventTime = 1_777_700_000;
async function deliver(body: ReturnType<typeof stravaEventBody>) {
  const res = await request(ctx.app)
    .post('/webhooks/strava')
    .send({ ...body, event_time: ++eventTime });
  expect(res.status).toBe(200);
  await ctx.drain();
  const [row] = await ctx.deps.db
    .select()
    .from(webhookEvents)
    .where(eq(webhookEvents.dedupeKey, `strava:${body.object_type}:${body.aspect_type}:${body.object_id}:${eventTime}`));
  return row!;
}

async function activityRow(runnerId: string, id: number) {
  const [row] = await ctx.deps.db
    .select()
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.externalId, String(id))));
  return row;
}

async function createRun(conn: { externalAthleteId: string }, token: string, id: number, o: Record<string, unknown> = {}) {
  const api = stravaApi({ token });
  api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id, o), RATE_HEADERS);
  interceptStreams(api, id).reply(200, stravaStreamsJson(), RATE_HEADERS);
  const event = await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }));
  expect(event.outcome).toBe('fetch_queued');
  expect(api.isDone()).toBe(true);
}

describe('Strava webhook flows, end to end (webhook → inbox → workers → rows)', () => {
  it('create: fetches activity + streams with the athlete token, stores the raw payload and the derived run', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-create' });
    await createRun(conn, 'tok-create', 9_200_000_001);
    const row = await activityRow(conn.runnerId, 9_200_000_001);
    expect(row).toMatchObject({ status: 'ready', name: 'Morning Run', isRun: true, sport: 'running', countedInLoad: true, connectionId: conn.id });
    expect((row!.raw as { streamsStatus: string }).streamsStatus).toBe('ok');
    const [m] = await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, row!.id));
    expect(m).toMatchObject({ distanceM: 5000, movingTimeS: 1800, cadenceFactor: 2 });
  });

  it('update: a new title is stored without re-deriving; a type change run → walk re-derives and uncounts it', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-update' });
    const id = 9_200_000_002;
    await createRun(conn, 'tok-update', id);
    const before = await activityRow(conn.runnerId, id);
    const metricsOf = async () => (await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, before!.id)))[0]!;
    const derivedAt = (await metricsOf()).updatedAt;

    const api = stravaApi({ token: 'tok-update' });
    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id, { name: 'Easy 5k', private: true }), RATE_HEADERS);
    const renamed = await deliver(
      stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId, aspect: 'update', updates: { title: 'Easy 5k', private: 'true' } }),
    );
    expect(renamed.outcome).toBe('fetch_queued');
    const afterRename = await activityRow(conn.runnerId, id);
    expect(afterRename).toMatchObject({ name: 'Easy 5k', status: 'ready', countedInLoad: true });
    expect((afterRename!.raw as { activity: { private: boolean } }).activity.private).toBe(true);
    expect((await metricsOf()).updatedAt).toEqual(derivedAt);

    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id, { name: 'Easy 5k', sport_type: 'Walk', type: 'Walk' }), RATE_HEADERS);
    await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId, aspect: 'update', updates: { type: 'Walk' } }));
    const walked = await activityRow(conn.runnerId, id);
    expect(walked).toMatchObject({ isRun: false, sport: 'walking', countedInLoad: false, status: 'ready' });
    expect(api.isDone()).toBe(true);

    // and back to a run: counted again, from the streams kept in the raw payload (no streams call)
    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id, { name: 'Easy 5k' }), RATE_HEADERS);
    await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId, aspect: 'update', updates: { type: 'Run' } }));
    expect(await activityRow(conn.runnerId, id)).toMatchObject({ isRun: true, countedInLoad: true });
    expect(api.isDone()).toBe(true);
  });

  it('delete: once Strava confirms it (404), removes the activity (and its metrics) and records the outcome', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-delete' });
    const id = 9_200_000_003;
    await createRun(conn, 'tok-delete', id);
    const row = await activityRow(conn.runnerId, id);
    const confirm = stravaApi({ token: 'tok-delete' }).get(`/api/v3/activities/${id}`).reply(404, { message: 'Record Not Found', errors: [] }, RATE_HEADERS);
    const event = await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(event.outcome).toBe('deleted');
    expect(confirm.isDone()).toBe(true);
    // soft deleted: hidden from reads and rules at once, purged with its metrics after the grace
    expect(await activityRow(conn.runnerId, id)).toMatchObject({ deletedReason: 'deleted_on_strava', countedInLoad: false });
    expect((await request(ctx.app).get(`/v1/runners/${conn.runnerId}/activities/${row!.id}`).set(ctx.auth)).status).toBe(404);
    await purgeDeletedActivities({ db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 0, WEBHOOK_RETENTION_DAYS: 30 }, now: () => new Date() });
    expect(await activityRow(conn.runnerId, id)).toBeUndefined();
    expect(await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, row!.id))).toHaveLength(0);
  });

  it('a (possibly forged) delete for a connection in needs_reauth is not acted on: nobody can ask Strava, the run stays', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-reauth-delete' });
    const id = 9_200_000_013;
    await createRun(conn, 'tok-reauth-delete', id);
    await ctx.deps.db.update(connections).set({ status: 'needs_reauth', statusReason: 'refresh_refused' }).where(eq(connections.id, conn.id));
    // no Strava call goes out (none is intercepted and the network is closed to tests)
    const event = await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(event.outcome).toBe('delete_not_confirmed');
    expect(await activityRow(conn.runnerId, id)).toMatchObject({ deletedAt: null, countedInLoad: true });
  });

  it('deauthorisation confirmed by Strava (token and refresh refused): wipes tokens, revokes, deletes Strava activities, keeps the runner’s pain answers', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-deauth' });
    const id = 9_200_000_004;
    await createRun(conn, 'tok-deauth', id);
    const run = await activityRow(conn.runnerId, id);
    const due = new Date();
    const [prompt] = await ctx.deps.db
      .insert(painPrompts)
      .values({ runnerId: conn.runnerId, activityId: run!.id, kind: 'after_run', status: 'answered', dueAt: due, expiresAt: due })
      .returning();
    await ctx.deps.db.insert(painAnswers).values({ promptId: prompt!.id, runnerId: conn.runnerId, activityId: run!.id, painDuring: 3, settledAfterMin: 30 });

    const athlete = stravaApi({ token: 'tok-deauth' }).get('/api/v3/athlete').reply(401, { message: 'Authorization Error', errors: [] }, RATE_HEADERS);
    const refresh = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token')
      .reply(400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] });
    const event = await deliver(
      stravaEventBody({
        objectType: 'athlete',
        objectId: conn.externalAthleteId,
        ownerId: conn.externalAthleteId,
        aspect: 'update',
        updates: { authorized: 'false' },
      }),
    );
    expect(athlete.isDone() && refresh.isDone()).toBe(true);
    expect(event.outcome).toBe('revoked');
    const [after] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(after).toMatchObject({ status: 'revoked', accessTokenEnc: null, refreshTokenEnc: null, tokenExpiresAt: null });
    expect(
      await ctx.deps.db
        .select()
        .from(activities)
        .where(and(eq(activities.runnerId, conn.runnerId), eq(activities.source, 'strava'), isNull(activities.deletedAt))),
    ).toHaveLength(0);
    await purgeDeletedActivities({ db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 0, WEBHOOK_RETENTION_DAYS: 30 }, now: () => new Date() });
    expect(
      await ctx.deps.db
        .select()
        .from(activities)
        .where(and(eq(activities.runnerId, conn.runnerId), eq(activities.source, 'strava'))),
    ).toHaveLength(0);
    const answers = await ctx.deps.db.select().from(painAnswers).where(eq(painAnswers.runnerId, conn.runnerId));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ painDuring: 3, activityId: null });

    // later events for the revoked athlete are recorded and ignored, with no call to Strava
    const late = await deliver(stravaEventBody({ objectId: 9_200_000_005, ownerId: conn.externalAthleteId }));
    expect(late.outcome).toBe('ignored_inactive_connection');
  });

  it('404 upstream: the fetch fails for good (no retries) and the event is still processed', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-404' });
    const id = 9_200_000_006;
    const api = stravaApi({ token: 'tok-404' });
    api.get(`/api/v3/activities/${id}`).once().reply(404, { message: 'Record Not Found', errors: [] }, RATE_HEADERS);
    const event = await deliver(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }));
    expect(event.outcome).toBe('fetch_queued');
    expect(api.isDone()).toBe(true);
    const failed = await ctx.deps.queues['strava-api'].getFailed();
    const job = failed.find((j) => j.data.stravaActivityId === String(id));
    expect(job?.failedReason).toMatch(/strava_not_found/);
    expect(job?.attemptsMade).toBe(1);
  });
});
