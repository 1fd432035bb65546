import { and, eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, webhookEvents } from '../../src/db/schema/index.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { activityFilePing, buildGarminConnection, GARMIN_HOOK_SECRET, GARMIN_TEST_ENV, interceptDownload } from '../factories/garmin.js';
import { buildStravaConnection, STRAVA_TEST_ENV, stravaEventBody } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { activityCensus, FAST_RECOVERY_ENV, fakeStrava, figures, waitUntil, type StravaFake } from './fakes.js';
import { report } from './stores.js';

/** URLs (substring match) whose next call times out, like AbortSignal.timeout does. */
const timeoutOnce = new Map<string, number>();
const faultyFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  for (const [part, left] of timeoutOnce) {
    if (left > 0 && url.includes(part)) {
      timeoutOnce.set(part, left - 1);
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    }
  }
  return globalThis.fetch(input, init);
};

let ctx: TestContext;
let strava: StravaFake;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV, ...FAST_RECOVERY_ENV }, { fetch: faultyFetch });
  ctx.startWorkers();
});
afterEach(() => {
  nock.cleanAll();
  timeoutOnce.clear();
});
afterAll(async () => {
  await ctx?.close();
});

function postStrava(body: ReturnType<typeof stravaEventBody>) {
  return request(ctx.app).post('/webhooks/strava').send(body);
}

async function strava1(externalId: string, runnerId: string) {
  return figures([externalId], await activityCensus(ctx.deps.db, runnerId, 'strava'));
}

describe('the same Strava webhook 5× concurrently, and five events for one run', () => {
  it('records one event, fetches once and stores one activity', async () => {
    strava = fakeStrava();
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const body = stravaEventBody({ objectId: 9001, ownerId: conn.externalAthleteId, eventTime: 1_777_950_001 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => postStrava(body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await waitUntil(async () => (await strava1('9001', conn.runnerId)).processed === 1, 30_000)).toBeGreaterThanOrEqual(0);
    await ctx.drain();
    const rows = (await ctx.deps.db.select().from(webhookEvents)).filter((e) => String((e.payload as { object_id?: number | string }).object_id) === '9001');
    const f = await strava1('9001', conn.runnerId);
    report('same webhook 5× concurrently', {
      'inbox rows': { sent: 5, processed: rows.length, lost: 1 - rows.length, duplicated: Math.max(0, rows.length - 1) },
      'strava fetches': { sent: 5, processed: strava.detailCalls.get('9001') ?? 0, lost: 0, duplicated: (strava.detailCalls.get('9001') ?? 0) - 1 },
      activities: f,
    });
    expect(rows).toHaveLength(1);
    expect(strava.detailCalls.get('9001')).toBe(1);
    expect(f).toMatchObject({ processed: 1, lost: 0, duplicated: 0 });
  });

  it('five distinct events (create, then updates) for the same run make one fetch; a later event makes a new one', async () => {
    strava = fakeStrava();
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const events = [
      stravaEventBody({ objectId: 9002, ownerId: conn.externalAthleteId, aspect: 'create', eventTime: 1_777_950_100 }),
      ...[1, 2, 3, 4].map((i) =>
        stravaEventBody({ objectId: 9002, ownerId: conn.externalAthleteId, aspect: 'update', updates: { title: `Run ${i}` }, eventTime: 1_777_950_100 + i }),
      ),
    ];
    const answers = await Promise.all(events.map(postStrava));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await waitUntil(async () => (await strava1('9002', conn.runnerId)).processed === 1, 30_000);
    await ctx.drain();
    const fetches = strava.detailCalls.get('9002') ?? 0;
    const f = await strava1('9002', conn.runnerId);
    report('5 distinct events for one run', { 'strava fetches': { sent: 5, processed: fetches, lost: 0, duplicated: fetches - 1 }, activities: f });
    expect(fetches).toBe(1);
    expect(f).toMatchObject({ processed: 1, duplicated: 0 });

    // After that fetch finished, a new event still fetches again.
    expect(
      (
        await postStrava(
          stravaEventBody({ objectId: 9002, ownerId: conn.externalAthleteId, aspect: 'update', updates: { title: 'Later' }, eventTime: 1_777_950_200 }),
        )
      ).status,
    ).toBe(200);
    await waitUntil(async () => (strava.detailCalls.get('9002') ?? 0) === 2, 30_000);
    await ctx.drain();
    expect(strava.detailCalls.get('9002')).toBe(2);
  }, 60_000);
});

describe('Strava 500, 429 and timeouts; Garmin 410 and timeouts', () => {
  it('retries 500s and timeouts, waits out 429s, records 410 as a failed run with its reason, and loses nothing', async () => {
    strava = fakeStrava();
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    strava.failNext('9101', 500, 1);
    timeoutOnce.set('/activities/9102', 1);
    strava.failNext('9103', 429, 1);

    const garmin = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const fit = Buffer.from(buildSyntheticRunFit({ seconds: 1200, startTime: new Date('2026-03-09T06:00:00Z') }));
    interceptDownload(501).times(1).reply(410, 'gone');
    const slow = interceptDownload(502).times(1).reply(200, fit);
    timeoutOnce.set('activityFile?id=502', 1);

    for (const id of ['9101', '9102', '9103']) expect((await postStrava(stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }))).status).toBe(200);
    for (const [activityId, fileId] of [
      [501, '501'],
      [502, '502'],
    ] as const) {
      const res = await request(ctx.app)
        .post(`/webhooks/garmin/${GARMIN_HOOK_SECRET}/activity-files`)
        .set('garmin-client-id', 'garmin-client')
        .send(activityFilePing(garmin.externalAthleteId, { activityId, fileId, startTimeInSeconds: 1_773_036_000 + activityId }));
      expect(res.status).toBe(200);
    }

    // 429: the fetch waits for the next budget window (delayed, no attempt spent), not failed.
    const delayed = await waitUntil(
      async () =>
        (await ctx.deps.queues['strava-api'].getDelayed()).some(
          (j) => j.data.stravaActivityId === '9103' && j.attemptsMade === 0 && (strava.detailCalls.get('9103') ?? 0) === 1,
        ),
      30_000,
    );
    expect(delayed).toBeGreaterThanOrEqual(0);
    // Fast-forward the window: clear the shared budget and run the delayed job now.
    const keys = await ctx.deps.redis.keys(`${ctx.prefix}:strava:rl:*`);
    if (keys.length) await ctx.deps.redis.del(...keys);
    for (const j of await ctx.deps.queues['strava-api'].getDelayed()) if (j.data.stravaActivityId === '9103') await j.promote();

    const stravaIds = ['9101', '9102', '9103'];
    const stravaDone = await waitUntil(async () => figures(stravaIds, await activityCensus(ctx.deps.db, conn.runnerId, 'strava')).lost === 0, 90_000);
    const garminDone = await waitUntil(async () => {
      const rows = await ctx.deps.db
        .select({ status: activities.status, externalId: activities.externalId })
        .from(activities)
        .where(and(eq(activities.runnerId, garmin.runnerId), eq(activities.source, 'garmin')));
      return rows.length === 2 && rows.every((r) => r.status === 'ready' || r.status === 'failed');
    }, 90_000);
    const s = figures(stravaIds, await activityCensus(ctx.deps.db, conn.runnerId, 'strava'));
    const g = await ctx.deps.db
      .select()
      .from(activities)
      .where(and(eq(activities.runnerId, garmin.runnerId), eq(activities.source, 'garmin')));
    const gone = g.find((r) => r.externalId === '501');
    const retried = g.find((r) => r.externalId === '502');
    report('strava 500 / timeout / 429', {
      activities: s,
      'strava fetch calls (500 and 429 answered once each, timeout once)': {
        sent: 3,
        processed: stravaIds.filter((i) => (strava.detailCalls.get(i) ?? 0) >= 1).length,
        lost: s.lost,
        duplicated: 0,
      },
    });
    report('garmin 410 / timeout', {
      'activity files': {
        sent: 2,
        processed: g.filter((r) => r.status === 'ready' || (r.status === 'failed' && r.error)).length,
        lost: 2 - g.length,
        duplicated: g.length > 2 ? g.length - 2 : 0,
      },
    });
    expect(stravaDone).toBeGreaterThanOrEqual(0);
    expect(garminDone).toBeGreaterThanOrEqual(0);
    expect(s).toMatchObject({ processed: 3, lost: 0, duplicated: 0 });
    expect(strava.detailCalls.get('9101')).toBe(2); // 500, then the retry
    expect(strava.detailCalls.get('9103')).toBe(2); // 429, then after the window
    expect(gone).toMatchObject({ status: 'failed', error: { code: 'garmin_file_gone' } });
    expect(retried?.status).toBe('ready');
    expect(slow.isDone()).toBe(true);
  }, 150_000);
});
