import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, activityMetrics, connections } from '../../src/db/schema/index.js';
import { nextWindow15m } from '../../src/integrations/strava/rate-limit.js';
import { decryptSecret } from '../../src/lib/crypto.js';
import { rateLimitsFor } from '../../src/integrations/strava/rate-limit.js';
import { STREAM_RETRY_DELAYS_MS } from '../../src/services/strava/fetch-activity.js';
import {
  buildStravaConnection,
  interceptStreams,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  stravaEventBody,
  STRAVA_TEST_ENV,
  STRAVA_TEST_ORIGIN,
  stravaStreamsJson,
  waitFor,
} from '../factories/strava.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readStravaJson } from '../fixtures.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/** The injected clock: real time shifted by `clockOffsetMs` (BullMQ delays still run on real time). */
let clockOffsetMs = 0;
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV, { now: () => new Date(Date.now() + clockOffsetMs) });
  ctx.startWorkers();
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(async () => {
  nock.cleanAll();
  clockOffsetMs = 0;
  // each test starts with a clean shared budget
  const keys = await ctx.deps.redis.keys(`${ctx.prefix}:strava:rl:*`);
  if (keys.length) await ctx.deps.redis.del(...keys);
});

let eventTime = 1_777_800_000;
function post(body: ReturnType<typeof stravaEventBody>) {
  return request(ctx.app)
    .post('/webhooks/strava')
    .send({ ...body, event_time: ++eventTime })
    .expect(200);
}

async function activityOf(runnerId: string, id: number) {
  const [row] = await ctx.deps.db
    .select()
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.externalId, String(id))));
  return row;
}

function refreshAnswer(access: string, refresh: string) {
  const base = HAS_FIXTURES ? readStravaJson<Record<string, unknown>>('oauth_token_refresh.json') : { token_type: 'Bearer', expires_in: 21600 };
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);
  return { ...base, access_token: access, refresh_token: refresh, expires_at: Math.floor(Date.now() / 1000) + 21600 };
}

describe('token refresh', () => {
  it('two concurrent jobs with an expired token make exactly one refresh call, and persist the rotated token', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, {
      accessToken: 'old-access',
      refreshToken: 'old-refresh',
      expiresAt: new Date(Date.now() - 60_000),
    });
    // Strava's behaviour: the first refresh rotates the token; the old refresh token is dead after.
    let refreshCalls = 0;
    let rotated = false;
    nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token')
      .times(3)
      .delay(300)
      .reply((_uri, body) => {
        refreshCalls += 1;
        const rt = new URLSearchParams(body as string).get('refresh_token');
        if (rt === 'old-refresh' && !rotated) {
          rotated = true;
          return [200, refreshAnswer('new-access', 'new-refresh')];
        }
        return [400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] }];
      });
    const api = stravaApi({ token: 'new-access' });
    for (const id of [9_300_000_001, 9_300_000_002]) {
      api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id), RATE_HEADERS);
      interceptStreams(api, id).reply(200, stravaStreamsJson(), RATE_HEADERS);
    }
    await Promise.all([
      post(stravaEventBody({ objectId: 9_300_000_001, ownerId: conn.externalAthleteId })),
      post(stravaEventBody({ objectId: 9_300_000_002, ownerId: conn.externalAthleteId })),
    ]);
    await ctx.drain();

    expect(refreshCalls).toBe(1);
    expect(api.isDone()).toBe(true);
    expect((await activityOf(conn.runnerId, 9_300_000_001))?.status).toBe('ready');
    expect((await activityOf(conn.runnerId, 9_300_000_002))?.status).toBe('ready');
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(decryptSecret(row!.refreshTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('new-refresh');
    expect(decryptSecret(row!.accessTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('new-access');
    expect(row!.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 5 * 3600_000);
  });

  it('a refused refresh marks the connection needs_reauth and keeps its data', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { expiresAt: new Date(Date.now() - 1000) });
    const [kept] = await ctx.deps.db
      .insert(activities)
      .values({ runnerId: conn.runnerId, connectionId: conn.id, source: 'strava', externalId: '1', status: 'ready' })
      .returning();
    const oauth = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token')
      .reply(400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] });
    await post(stravaEventBody({ objectId: 9_300_000_003, ownerId: conn.externalAthleteId }));
    await ctx.drain();
    expect(oauth.isDone()).toBe(true);
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'needs_reauth', statusReason: 'refresh_refused' });
    expect(row!.refreshTokenEnc).not.toBeNull();
    expect(await activityOf(conn.runnerId, 1)).toMatchObject({ id: kept!.id });
  });

  it('a 401 with a freshly refreshed token means access was revoked: needs_reauth, job not retried', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'stale' });
    const id = 9_300_000_004;
    const unauthorized = HAS_FIXTURES ? readStravaJson('error_401_authorization.json') : { message: 'Authorization Error' };
    const api = stravaApi();
    api
      .get(`/api/v3/activities/${id}`)
      .matchHeader('authorization', 'Bearer stale')
      .reply(401, unauthorized as object);
    nock(STRAVA_TEST_ORIGIN).post('/oauth/token').reply(200, refreshAnswer('fresh', 'refresh-2'));
    api
      .get(`/api/v3/activities/${id}`)
      .matchHeader('authorization', 'Bearer fresh')
      .reply(401, unauthorized as object);
    await post(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }));
    await ctx.drain();
    expect(api.isDone()).toBe(true);
    const [row] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(row).toMatchObject({ status: 'needs_reauth', statusReason: 'unauthorized_after_refresh' });
    const failed = (await ctx.deps.queues['strava-api'].getFailed()).find((j) => j.data.stravaActivityId === String(id));
    expect(failed?.attemptsMade).toBe(1);
  });
});

describe('rate limits', () => {
  it('a 429 delays the job to the next 15-minute window (injected clock) and it completes after it', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-429' });
    const id = 9_300_000_005;
    const boundary = nextWindow15m(new Date(Date.now() + 60_000)).getTime();
    const api = stravaApi({ token: 'tok-429' });
    api
      .get(`/api/v3/activities/${id}`)
      .reply(429, { message: 'Rate Limit Exceeded' }, { ...RATE_HEADERS, 'X-RateLimit-Usage': '200,900', 'X-ReadRateLimit-Usage': '101,500' });
    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id), RATE_HEADERS);
    interceptStreams(api, id).reply(200, stravaStreamsJson(), RATE_HEADERS);

    await post(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }));
    // The fetch first waits out its debounce window; run it now, with the injected clock put 1.5 s
    // before a quarter hour.
    const debounced = await waitFor(
      async () => (await ctx.deps.queues['strava-api'].getDelayed()).find((j) => j.data.stravaActivityId === String(id)),
      10_000,
      'the debounced fetch',
    );
    clockOffsetMs = boundary - 1500 - Date.now();
    await debounced.promote();
    const delayed = await waitFor(
      async () => (await ctx.deps.queues['strava-api'].getDelayed()).find((j) => j.data.stravaActivityId === String(id) && j.processedOn),
      10_000,
      'the delayed job',
    );
    const wait = delayed.timestamp + delayed.delay - Date.now();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThan(2_000);
    // meanwhile every other Strava call waits too
    expect((await rateLimitsFor(ctx.deps).check('webhook')).ok).toBe(false);

    await ctx.drain();
    expect(api.isDone()).toBe(true);
    expect((await activityOf(conn.runnerId, id))?.status).toBe('ready');
    const job = await ctx.deps.queues['strava-api'].getJob(delayed.id!);
    expect(await job?.getState()).toBe('completed');
  });

  it('shared counters from the headers stop backfill before webhook fetches, and reset with the window', async () => {
    const limits = rateLimitsFor(ctx.deps);
    clockOffsetMs = nextWindow15m(new Date()).getTime() - 120_000 - Date.now();
    await limits.record({ ...RATE_HEADERS, 'X-ReadRateLimit-Usage': '80,300' });
    expect((await limits.check('webhook')).ok).toBe(true);
    const backfill = await limits.check('backfill');
    expect(backfill).toMatchObject({ ok: false, window: '15m' });
    // two minutes later a new window has started: nothing recorded for it yet
    clockOffsetMs += 120_000;
    expect((await limits.check('backfill')).ok).toBe(true);
  });
});

describe('streams', () => {
  it('empty streams after create are retried at 5/15/45 min, then the run falls back to its summary', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-empty' });
    const id = 9_300_000_006;
    const api = stravaApi({ token: 'tok-empty' });
    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id, { average_cadence: 86 }), RATE_HEADERS);
    interceptStreams(api, id).times(4).reply(200, {}, RATE_HEADERS);

    await post(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }));
    const queue = ctx.deps.queues['strava-api'];
    const seen: number[] = [];
    for (const expected of STREAM_RETRY_DELAYS_MS) {
      const job = await waitFor(
        async () => (await queue.getDelayed()).find((j) => j.data.stravaActivityId === String(id) && j.data.streamAttempt === seen.length + 1),
        10_000,
        `stream retry ${seen.length + 1}`,
      );
      seen.push(job.delay);
      expect(job.delay).toBe(expected);
      expect((await activityOf(conn.runnerId, id))?.status).toBe('processing');
      await job.promote();
    }
    expect(seen).toEqual([300_000, 900_000, 2_700_000]);
    await ctx.drain();
    expect(api.isDone()).toBe(true);
    const row = await activityOf(conn.runnerId, id);
    expect(row).toMatchObject({ status: 'ready', countedInLoad: true });
    expect((row!.raw as { streamsStatus: string }).streamsStatus).toBe('empty');
    const [m] = await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, row!.id));
    expect(m).toMatchObject({ cadenceSource: 'strava-summary', elevationSource: 'none', avgCadenceSpm: 172 });
  });
});
