import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { keepSchedules, type ScheduleKeeper } from '../../workers/schedules.js';
import { buildRunner } from '../factories/runners.js';
import { buildStravaConnection, STRAVA_TEST_ENV, stravaEventBody } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { activityCensus, FAST_RECOVERY_ENV, fakeStrava, figures, postStravaEvent, syntheticFit, upload, waitUntil } from './fakes.js';
import { missingBinaries, privateRedis, report, type PrivateRedis } from './stores.js';

const missing = missingBinaries();
if (missing) console.warn(missing);

let redis: PrivateRedis;
let ctx: TestContext;
let keeper: ScheduleKeeper;

beforeAll(async () => {
  if (missing) return;
  redis = await privateRedis();
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...FAST_RECOVERY_ENV, REDIS_URL: redis.url });
  const workers = ctx.startWorkers();
  keeper = keepSchedules(ctx.deps, [ctx.deps.redis, workers.connection]);
  await keeper.ready;
});
afterAll(async () => {
  keeper?.stop();
  nock.cleanAll();
  await ctx?.close();
  await redis?.stop();
});

describe.skipIf(Boolean(missing))('Redis restarted empty while webhooks and uploads arrive', () => {
  it('acks every webhook within 2 s during the outage and processes everything after Redis is back, without a restart', async () => {
    const strava = fakeStrava();
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
    const uploader = await buildRunner(ctx.deps.db);

    // Before: a few events go through normally.
    const before = ['7001', '7002', '7003'];
    for (const id of before) expect((await postStravaEvent(ctx.app, stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }))).status).toBe(200);

    await redis.stop();
    // During the outage: 12 webhooks and 3 uploads.
    const during = Array.from({ length: 12 }, (_, i) => String(7100 + i));
    const acks = [];
    for (const id of during) acks.push(await postStravaEvent(ctx.app, stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId })));
    const files = [1, 2, 3].map(syntheticFit);
    const uploads = [];
    for (const f of files) uploads.push(await upload(ctx.app, ctx.auth, uploader.id, f));
    const slowest = Math.max(...acks.map((a) => a.ms));
    process.stdout.write(
      `[fault] redis down: webhook acks ${acks.filter((a) => a.status === 200).length}/${acks.length} ok, slowest ${Math.round(slowest)} ms; uploads ${uploads.map((u) => u.status).join(',')} slowest ${Math.round(Math.max(...uploads.map((u) => u.ms)))} ms\n`,
    );
    expect(acks.every((a) => a.status === 200)).toBe(true);
    expect(slowest).toBeLessThan(2_000);
    expect(uploads.every((u) => u.status === 202)).toBe(true);

    // Redis comes back empty: no queues, no schedules, no jobs.
    await redis.start();
    const stravaIds = [...before, ...during];
    const fileIds = files.map((f) => sha256Hex(f));
    const recoveredMs = await waitUntil(async () => {
      const s = figures(stravaIds, await activityCensus(ctx.deps.db, conn.runnerId, 'strava'));
      const u = figures(fileIds, await activityCensus(ctx.deps.db, uploader.id, 'upload'));
      return s.lost === 0 && u.lost === 0;
    }, 120_000);

    const s = figures(stravaIds, await activityCensus(ctx.deps.db, conn.runnerId, 'strava'));
    const u = figures(fileIds, await activityCensus(ctx.deps.db, uploader.id, 'upload'));
    report(`redis restarted empty (recovered in ${recoveredMs} ms)`, { 'strava activities': s, 'uploaded files': u });
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(s).toMatchObject({ lost: 0, duplicated: 0 });
    expect(u).toMatchObject({ lost: 0, duplicated: 0 });
    // One fetch per activity: the sweep re-queued the lost ones once.
    const fetchesPerRun = stravaIds.map((id) => strava.detailCalls.get(id) ?? 0);
    expect(Math.max(...fetchesPerRun)).toBe(1);
    // The schedules are back in the emptied Redis.
    const schedulers = await ctx.deps.queues.events.getJobSchedulers();
    expect(schedulers.map((x) => x.key)).toContain('inbox-sweep');
  }, 180_000);
});
