import { eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, connections, webhookEvents } from '../../src/db/schema/index.js';
import {
  buildStravaConnection,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  stravaEventBody,
  STRAVA_TEST_ENV,
  STRAVA_TEST_ORIGIN,
} from '../factories/strava.js';
import { purgeDeletedActivities, purgeOldWebhookEvents } from '../../src/services/retention.js';
import { signConnectLink } from '../../src/services/connect-links.js';
import { deleteActivities } from '../../src/services/activities.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { buildRunner } from '../factories/runners.js';
import { GARMIN_TEST_ENV } from '../factories/garmin.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * Forged events and probing, as an attacker would try them against a running service. Strava's API
 * is faked with nock; everything else (Postgres, Redis, queues, workers) is real.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, ...GARMIN_TEST_ENV });
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
  const res = await request(ctx.app)
    .post('/webhooks/strava')
    .send({ ...body, event_time: t });
  expect(res.status).toBe(200);
  await ctx.drain();
  const [row] = await ctx.deps.db
    .select()
    .from(webhookEvents)
    .where(eq(webhookEvents.dedupeKey, `strava:${body.object_type}:${body.aspect_type}:${body.object_id}:${t}`));
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
    const refresh = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token')
      .reply(400, { message: 'Bad Request', errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }] });
    const event = await deliver(stravaEventBody({ objectId: 9_400_000_003, ownerId: conn.externalAthleteId, aspect: 'delete' }));
    expect(check.isDone() && refresh.isDone()).toBe(true);
    expect(event.outcome).toBe('deleted');
    expect(await visibleActivities(conn.runnerId)).toEqual([]);
  });
});

describe('forged Strava deauthorization events', () => {
  const deauth = (athleteId: string) =>
    stravaEventBody({ objectType: 'athlete', objectId: athleteId, ownerId: athleteId, aspect: 'update', updates: { authorized: 'false' } });

  it('change nothing while Strava still honours the athlete’s token', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-da1' });
    const run = await storedRun(conn, 9_400_000_011);
    const check = stravaApi({ token: 'tok-da1' })
      .get('/api/v3/athlete')
      .reply(200, { id: Number(conn.externalAthleteId), resource_state: 2 }, RATE_HEADERS);
    const event = await deliver(deauth(conn.externalAthleteId));
    expect(check.isDone()).toBe(true);
    expect(event.outcome).toBe('deauthorization_not_confirmed');
    const [after] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id));
    expect(after).toMatchObject({ status: 'active' });
    expect(after!.accessTokenEnc).not.toBeNull();
    expect((await visibleActivities(conn.runnerId)).map((a) => a.id)).toEqual([run.id]);
  });

  it('revoke once Strava refuses the token and the refresh, keeping the data recoverable until the purge', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-da2' });
    const run = await storedRun(conn, 9_400_000_012);
    const check = stravaApi({ token: 'tok-da2' }).get('/api/v3/athlete').reply(401, unauthorized, RATE_HEADERS);
    const refresh = nock(STRAVA_TEST_ORIGIN).post('/oauth/token').reply(400, { message: 'Bad Request', errors: [] });
    const event = await deliver(deauth(conn.externalAthleteId));
    expect(check.isDone() && refresh.isDone()).toBe(true);
    expect(event.outcome).toBe('revoked');
    expect((await ctx.deps.db.select().from(connections).where(eq(connections.id, conn.id)))[0]).toMatchObject({ status: 'revoked', accessTokenEnc: null });
    expect(await visibleActivities(conn.runnerId)).toEqual([]);
    // still in the table (recoverable), purged only after DELETED_RETENTION_DAYS
    const [soft] = await ctx.deps.db.select().from(activities).where(eq(activities.id, run.id));
    expect(soft!.deletedAt).not.toBeNull();
    const retention = { db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 30, WEBHOOK_RETENTION_DAYS: 30 } };
    expect(await purgeDeletedActivities({ ...retention, now: () => new Date(Date.now() + 29 * 86_400_000) })).toBe(0);
    expect(await purgeDeletedActivities({ ...retention, now: () => new Date(Date.now() + 31 * 86_400_000) })).toBeGreaterThanOrEqual(1);
    expect(await ctx.deps.db.select().from(activities).where(eq(activities.id, run.id))).toHaveLength(0);
  });
});

describe('a deleted Strava activity that comes back', () => {
  it('is fetched, restored and counted again when Strava serves it after a confirmed delete', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-back' });
    const run = await storedRun(conn, 9_400_000_021);
    stravaApi({ token: 'tok-back' }).get('/api/v3/activities/9400000021').reply(404, notFound, RATE_HEADERS);
    expect((await deliver(stravaEventBody({ objectId: 9_400_000_021, ownerId: conn.externalAthleteId, aspect: 'delete' }))).outcome).toBe('deleted');
    expect(await visibleActivities(conn.runnerId)).toEqual([]);

    const api = stravaApi({ token: 'tok-back' });
    api.get('/api/v3/activities/9400000021').reply(200, stravaActivityJson(9_400_000_021, { manual: true }), RATE_HEADERS);
    ctx.startWorkers({ queues: ['strava-api'] });
    expect((await deliver(stravaEventBody({ objectId: 9_400_000_021, ownerId: conn.externalAthleteId, aspect: 'create' }))).outcome).toBe('fetch_queued');
    await ctx.drain();
    expect(api.isDone()).toBe(true);
    const [back] = await ctx.deps.db.select().from(activities).where(eq(activities.id, run.id));
    expect(back).toMatchObject({ deletedAt: null, status: 'ready', countedInLoad: true });
    expect((await visibleActivities(conn.runnerId)).map((a) => a.id)).toEqual([run.id]);
  });
});

describe('a deleted file import that comes back', () => {
  it('a re-sent file brings its deleted row back and imports it again', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const bytes = Buffer.from(buildSyntheticRunFit({ seconds: 900, startTime: new Date('2026-05-05T06:00:00Z') }));
    const first = await request(ctx.app).post(`/v1/runners/${runner.id}/uploads`).set(ctx.auth).set('Content-Type', 'application/octet-stream').send(bytes);
    expect(first.status).toBe(202);
    await ctx.drain();
    await deleteActivities(ctx.deps, runner.id, [first.body.activityId], 'test');
    expect(await visibleActivities(runner.id)).toEqual([]);
    const again = await request(ctx.app).post(`/v1/runners/${runner.id}/uploads`).set(ctx.auth).set('Content-Type', 'application/octet-stream').send(bytes);
    expect(again.body).toEqual({ activityId: first.body.activityId, status: 'queued' });
    await ctx.drain();
    const [row] = await ctx.deps.db.select().from(activities).where(eq(activities.id, first.body.activityId));
    expect(row).toMatchObject({ deletedAt: null, status: 'ready', countedInLoad: true });
    expect((await visibleActivities(runner.id)).map((a) => a.id)).toEqual([first.body.activityId]);
  });
});

describe('probing the Strava webhook', () => {
  it('answers byte-identically whatever the subscription id, for new events and redeliveries', async () => {
    const answers: string[] = [];
    for (const subscriptionId of [120475, 1, 999_999, 120476]) {
      for (let i = 0; i < 2; i++) {
        const res = await request(ctx.app)
          .post('/webhooks/strava')
          .send(stravaEventBody({ objectId: 9_400_000_100 + subscriptionId, ownerId: 5, subscriptionId }));
        expect(res.status).toBe(200);
        answers.push(`${res.status} ${res.headers['content-type']} ${res.headers['content-length']} ${res.text}`);
      }
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toBe('200 application/json; charset=utf-8 21 {"status":"received"}');
    // the check against STRAVA_SUBSCRIPTION_ID still decides: the foreign ones were recorded as ignored
    const rows = await ctx.deps.db.select().from(webhookEvents);
    const probed = new Set([120475, 1, 999_999, 120476].map((sub) => String(9_400_000_100 + sub)));
    const foreign = rows.filter(
      (r) => probed.has((r.payload as { object_id: string }).object_id) && (r.payload as { subscription_id: string }).subscription_id !== '120475',
    );
    expect(foreign.length).toBe(3);
    expect(foreign.every((r) => r.outcome === 'ignored_subscription')).toBe(true);
  });

  it('accepts ids above 2^53 and numeric strings in every id field, keeping the ids exact', async () => {
    const body =
      '{"object_type":"activity","object_id":18014398509481985,"aspect_type":"create","updates":{},"owner_id":"777","subscription_id":"120475","event_time":"1790100000"}';
    const res = await request(ctx.app).post('/webhooks/strava').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(200);
    const [row] = await ctx.deps.db.select().from(webhookEvents).where(eq(webhookEvents.dedupeKey, 'strava:activity:create:18014398509481985:1790100000'));
    expect(row!.payload).toMatchObject({ object_id: '18014398509481985', owner_id: '777', subscription_id: '120475', event_time: 1790100000 });
  });
});

describe('webhook inbox retention', () => {
  it('purges processed and ignored events older than WEBHOOK_RETENTION_DAYS, never unprocessed ones', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const [processed, pending, recent] = await ctx.deps.db
      .insert(webhookEvents)
      .values([
        { provider: 'strava', dedupeKey: 'retention:processed', payload: {}, receivedAt: old, processedAt: old, outcome: 'ignored_subscription' },
        { provider: 'strava', dedupeKey: 'retention:pending', payload: {}, receivedAt: old },
        { provider: 'strava', dedupeKey: 'retention:recent', payload: {}, processedAt: new Date(), outcome: 'fetch_queued' },
      ])
      .returning();
    const purged = await purgeOldWebhookEvents({ db: ctx.deps.db, env: { DELETED_RETENTION_DAYS: 30, WEBHOOK_RETENTION_DAYS: 30 }, now: () => new Date() });
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = new Set((await ctx.deps.db.select({ id: webhookEvents.id }).from(webhookEvents)).map((r) => r.id));
    expect([left.has(processed!.id), left.has(pending!.id), left.has(recent!.id)]).toEqual([false, true, true]);
  });
});

describe('connecting a platform needs a connect link, and the browser that started it', () => {
  async function linkFor(runnerId: string, provider: 'strava' | 'garmin') {
    const res = await request(ctx.app).post(`/v1/runners/${runnerId}/connect-links`).set(ctx.auth).send({ provider });
    expect(res.status).toBe(201);
    const url = new URL(res.body.url);
    expect(new Date(res.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(new Date(res.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    return url.pathname + url.search;
  }

  it('refuses a bare ?runner=, a missing, tampered, expired or other-platform link; no key → 401', async () => {
    const runner = await buildRunner(ctx.deps.db);
    for (const provider of ['strava', 'garmin'] as const) {
      const bare = await request(ctx.app).get(`/connect/${provider}`).query({ runner: runner.id });
      expect([bare.status, bare.body.error.code]).toEqual([400, 'connect_link_required']);
      const path = await linkFor(runner.id, provider);
      const token = new URL(path, 'http://x').searchParams.get('link')!;
      const [body, sig] = token.split('.');
      const other = await buildRunner(ctx.deps.db);
      const forgedBody = Buffer.from(JSON.stringify({ r: other.id, p: provider, e: 9_999_999_999 })).toString('base64url');
      const expired = signConnectLink({ r: runner.id, p: provider, e: Math.floor(Date.now() / 1000) - 1 }, ctx.env.tokenEncryptionKey);
      const otherPlatform = signConnectLink({ r: runner.id, p: provider === 'strava' ? 'garmin' : 'strava', e: 9_999_999_999 }, ctx.env.tokenEncryptionKey);
      for (const bad of [`${forgedBody}.${sig}`, `${body}.AAAA`, 'nonsense', expired, otherPlatform]) {
        const res = await request(ctx.app).get(`/connect/${provider}`).query({ link: bad });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_connect_link');
        expect(res.headers.location).toBeUndefined();
      }
    }
    expect((await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).send({ provider: 'strava' })).status).toBe(401);
    expect((await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'polar' })).status).toBe(422);
  });

  it('binds the OAuth state to the browser: a callback without the starting browser’s cookie is refused and does not burn the state', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const start = await request(ctx.app).get(await linkFor(runner.id, 'strava'));
    expect(start.status).toBe(302);
    const cookies = ([] as string[]).concat(start.headers['set-cookie'] ?? []);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^stridesync_connect_strava=[\w-]{20,};/);
    expect(cookies[0]).toContain('HttpOnly');
    expect(cookies[0]).toContain('SameSite=Lax');
    expect(cookies[0]).toContain('Secure');
    expect(cookies[0]).toContain('Path=/connect/strava');
    const state = new URL(start.headers.location!).searchParams.get('state')!;
    const cookie = cookies[0]!.split(';')[0]!;

    // the attacker's browser: no cookie, or its own cookie from its own start
    const attackerStart = await request(ctx.app).get(await linkFor((await buildRunner(ctx.deps.db)).id, 'strava'));
    const attackerCookie = ([] as string[]).concat(attackerStart.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
    for (const c of [undefined, attackerCookie, 'stridesync_connect_strava=guess']) {
      const req = request(ctx.app).get('/connect/strava/callback').query({ state, code: 'c', scope: 'read,activity:read_all' });
      const res = await (c ? req.set('Cookie', c) : req);
      expect(res.status).toBe(400);
      expect(res.text).toContain('another browser');
    }
    // the runner's own browser still completes it
    nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token')
      .reply(200, {
        token_type: 'Bearer',
        access_token: 'a-1',
        refresh_token: 'r-1',
        expires_at: Math.floor(Date.now() / 1000) + 21600,
        athlete: { id: 47_000_001 },
      });
    nock(STRAVA_TEST_ORIGIN).get('/api/v3/athlete/activities').query(true).optionally().reply(200, [], RATE_HEADERS);
    const ok = await request(ctx.app).get('/connect/strava/callback').set('Cookie', cookie).query({ state, code: 'c', scope: 'read,activity:read_all' });
    expect(ok.status).toBe(200);
    expect(([] as string[]).concat(ok.headers['set-cookie'] ?? []).some((c) => c.startsWith('stridesync_connect_strava=;') && c.includes('Max-Age=0'))).toBe(
      true,
    );
    const [conn] = await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runner.id));
    expect(conn).toMatchObject({ externalAthleteId: '47000001', status: 'active' });
  });
});

describe('connect links work once', () => {
  it('the first open starts OAuth; opening the same link again (or twice at once) answers 410 connect_link_used', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const res = await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'strava' });
    expect(res.status).toBe(201);
    const url = new URL(res.body.url);
    const first = await request(ctx.app).get(url.pathname + url.search);
    expect(first.status).toBe(302);
    for (let i = 0; i < 2; i++) {
      const again = await request(ctx.app).get(url.pathname + url.search);
      expect([again.status, again.body.error.code]).toEqual([410, 'connect_link_used']);
      expect(again.headers.location).toBeUndefined();
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    // the used id is kept only as long as the link could still be opened
    const linkId = (JSON.parse(Buffer.from(url.searchParams.get('link')!.split('.')[0]!, 'base64url').toString()) as { n: string }).n;
    const ttl = await ctx.deps.redis.ttl(`${ctx.prefix}:connect-link:${linkId}`);
    expect(ttl).toBeGreaterThan(14 * 60);
    expect(ttl).toBeLessThanOrEqual(15 * 60);

    // two opens of a fresh link at the same moment: exactly one starts OAuth
    const link = await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'garmin' });
    const path = new URL(link.body.url).pathname + new URL(link.body.url).search;
    const both = await Promise.all([request(ctx.app).get(path), request(ctx.app).get(path)]);
    expect(both.map((r) => r.status).sort()).toEqual([302, 410]);
  });
});
