import { randomBytes } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { createDatabase, migrateDatabase } from '../../src/db/client.js';
import { closeDeps, createDeps, purgeRedisPrefix, type AppDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startWorkers, type WorkerHandle } from '../../workers/main.js';
import { keepSchedules, type ScheduleKeeper } from '../../workers/schedules.js';
import { buildRunner } from '../factories/runners.js';
import { buildStravaConnection, STRAVA_TEST_ENV, stravaEventBody } from '../factories/strava.js';
import { TEST_API_KEY, TEST_TOKEN_KEY } from '../setup/context.js';
import { TEST_REDIS_URL } from '../setup/pg-urls.js';
import { activityCensus, FAST_RECOVERY_ENV, fakeStrava, figures, postStravaEvent, syntheticFit, upload, waitUntil } from './fakes.js';
import { missingBinaries, privatePostgres, report, type PrivatePostgres } from './stores.js';

const missing = missingBinaries();
if (missing) console.warn(missing);

let pgServer: PrivatePostgres;
let deps: AppDeps;
let workers: WorkerHandle;
let keeper: ScheduleKeeper;
const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

beforeAll(async () => {
  if (missing) return;
  pgServer = await privatePostgres();
  const migrator = createDatabase(pgServer.url, { max: 1 });
  await migrateDatabase(migrator.db);
  await migrator.close();
  const env = loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: pgServer.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `fault-pg-${randomBytes(4).toString('hex')}`,
    API_KEYS: TEST_API_KEY,
    TOKEN_ENCRYPTION_KEY: TEST_TOKEN_KEY,
    ...STRAVA_TEST_ENV,
    ...FAST_RECOVERY_ENV,
  });
  deps = createDeps(env, silentLogger);
  workers = startWorkers(deps);
  keeper = keepSchedules(deps, [deps.redis, workers.connection]);
  await keeper.ready;
}, 120_000);
afterAll(async () => {
  keeper?.stop();
  nock.cleanAll();
  const step = async (name: string, p: Promise<unknown> | undefined) => {
    const t0 = Date.now();
    await Promise.race([p, new Promise((r) => setTimeout(r, 20_000).unref())]);
    if (Date.now() - t0 > 10_000) process.stdout.write(`[fault] postgres outage teardown: ${name} took ${Date.now() - t0} ms\n`);
  };
  await step('workers', workers?.close());
  if (deps) {
    await step('redis purge', purgeRedisPrefix(deps));
    await step('connections', closeDeps(deps));
  }
  await pgServer?.destroy();
}, 90_000);

describe.skipIf(Boolean(missing))('Postgres down during webhooks, uploads and jobs', () => {
  it('answers 503 + Retry-After while it is down, and everything accepted or redelivered is processed after it is back, without a restart', async () => {
    const app = createApp(deps);
    fakeStrava();
    const conn = await buildStravaConnection(deps.db, deps.env.tokenEncryptionKey);
    const uploader = await buildRunner(deps.db);

    // Work in flight when Postgres goes down: events routed, fetches and imports queued or running.
    const early = Array.from({ length: 6 }, (_, i) => String(8000 + i));
    for (const id of early) expect((await postStravaEvent(app, stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }))).status).toBe(200);
    const earlyFiles = [11, 12].map(syntheticFit);
    for (const f of earlyFiles) expect((await upload(app, auth, uploader.id, f)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    await pgServer.stop();

    // During the outage: every route answers 503 with Retry-After and the error shape.
    const during = Array.from({ length: 8 }, (_, i) => String(8100 + i));
    const acks = [];
    for (const id of during) acks.push(await postStravaEvent(app, stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId })));
    const lateFiles = [13, 14].map(syntheticFit);
    const uploads = [];
    for (const f of lateFiles) uploads.push(await upload(app, auth, uploader.id, f));
    const runner = await request(app).get(`/v1/runners/${uploader.id}`).set(auth);
    process.stdout.write(
      `[fault] postgres down: webhooks ${acks.map((a) => a.status).join(',')} (slowest ${Math.round(Math.max(...acks.map((a) => a.ms)))} ms), uploads ${uploads.map((u) => u.status).join(',')}, runner read ${runner.status}\n`,
    );
    for (const a of acks) expect(a).toMatchObject({ status: 503, retryAfter: expect.any(String) });
    for (const u of uploads) expect(u.status).toBe(503);
    expect(runner.status).toBe(503);
    expect(runner.headers['retry-after']).toBeDefined();
    expect(runner.body.error.code).toBe('database_unavailable');

    await new Promise((r) => setTimeout(r, 3_000));
    await pgServer.start();
    const recoveryStart = Date.now();
    // Strava and the uploader retry what was refused with 503.
    const redelivered = await waitUntil(async () => {
      const r = await postStravaEvent(app, stravaEventBody({ objectId: during[0]!, ownerId: conn.externalAthleteId, eventTime: 1 }));
      return r.status === 200;
    }, 30_000);
    expect(redelivered).toBeGreaterThanOrEqual(0);
    for (const id of during.slice(1)) expect((await postStravaEvent(app, stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId }))).status).toBe(200);
    for (const f of lateFiles) expect((await upload(app, auth, uploader.id, f)).status).toBe(202);

    const stravaIds = [...early, ...during];
    const fileIds = [...earlyFiles, ...lateFiles].map((f) => sha256Hex(f));
    const done = await waitUntil(async () => {
      const s = figures(stravaIds, await activityCensus(deps.db, conn.runnerId, 'strava'));
      const u = figures(fileIds, await activityCensus(deps.db, uploader.id, 'upload'));
      return s.lost === 0 && u.lost === 0;
    }, 120_000);
    const recoveredMs = done < 0 ? -1 : Date.now() - recoveryStart;
    const s = figures(stravaIds, await activityCensus(deps.db, conn.runnerId, 'strava'));
    const u = figures(fileIds, await activityCensus(deps.db, uploader.id, 'upload'));
    report(`postgres down ~5 s (recovered in ${recoveredMs} ms)`, { 'strava activities': s, 'uploaded files': u });
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(s).toMatchObject({ lost: 0, duplicated: 0 });
    expect(u).toMatchObject({ lost: 0, duplicated: 0 });
  }, 180_000);
});
