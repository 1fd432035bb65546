import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { activities, activityMetrics } from '../../src/db/schema/index.js';
import {
  buildStravaConnection,
  inboxRows,
  interceptStreams,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  stravaEventBody,
  STRAVA_TEST_ENV,
  stravaStreamsJson,
  waitFor,
} from '../factories/strava.js';
import { StravaEvent } from '../../src/integrations/strava/webhook.js';
import { StravaInbox } from '../../src/services/strava/receive.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let unconfigured: TestContext;
beforeAll(async () => {
  [ctx, unconfigured] = await Promise.all([createTestContext(STRAVA_TEST_ENV), createTestContext()]);
});
afterAll(async () => {
  await Promise.all([ctx?.close(), unconfigured?.close()]);
});
afterEach(() => {
  nock.cleanAll();
});

describe('GET /webhooks/strava (subscription handshake)', () => {
  it('echoes hub.challenge as JSON when the verify token matches', async () => {
    const res = await request(ctx.app)
      .get('/webhooks/strava')
      .query({ 'hub.mode': 'subscribe', 'hub.challenge': '15f7d1a91c1f40f8', 'hub.verify_token': 'verify-me' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ 'hub.challenge': '15f7d1a91c1f40f8' });
  });

  it('answers 403 to a wrong verify token, without echoing the challenge', async () => {
    const res = await request(ctx.app).get('/webhooks/strava').query({ 'hub.mode': 'subscribe', 'hub.challenge': 'abc', 'hub.verify_token': 'guess' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('bad_verify_token');
    expect(JSON.stringify(res.body)).not.toContain('abc');
  });
});

describe('Strava routes without Strava configured', () => {
  it('answer 503 not_configured', async () => {
    for (const r of [
      request(unconfigured.app).get('/webhooks/strava').query({ 'hub.challenge': 'x', 'hub.verify_token': 'y' }),
      request(unconfigured.app)
        .post('/webhooks/strava')
        .send(stravaEventBody({ objectId: 1, ownerId: 2 })),
      request(unconfigured.app).get('/connect/strava').query({ runner: 'x' }),
      request(unconfigured.app).get('/connect/strava/callback').query({ state: 'x', code: 'y' }),
    ]) {
      const res = await r;
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('not_configured');
    }
  });
});

describe('POST /webhooks/strava (ingress)', () => {
  it('refuses malformed JSON with 400 and a non-event with 422, recording nothing', async () => {
    const bad = await request(ctx.app).post('/webhooks/strava').set('Content-Type', 'application/json').send('{"object_type": "activity",');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const wrong = await request(ctx.app).post('/webhooks/strava').send({ hello: 'world' });
    expect(wrong.status).toBe(422);
    expect(await inboxRows(ctx.deps.db)).toHaveLength(0);
  });

  it('records an event of another subscription but does not handle it', async () => {
    const res = await request(ctx.app)
      .post('/webhooks/strava')
      .send(stravaEventBody({ objectId: 77, ownerId: 1, subscriptionId: 999 }));
    expect(res.status).toBe(200);
    // the same answer as for our own subscription's events: nothing to learn by probing
    expect(res.body).toEqual({ status: 'received' });
    const [row] = (await inboxRows(ctx.deps.db)).filter((r) => r.dedupeKey.endsWith(':77:1777615181'));
    expect(row).toMatchObject({ outcome: 'ignored_subscription' });
    expect(row!.processedAt).not.toBeNull();
    expect(await ctx.deps.queues.events.getJobCounts('waiting', 'delayed', 'prioritized')).toMatchObject({ waiting: 0, delayed: 0, prioritized: 0 });
  });

  it('records and acknowledges an event for an unknown athlete, then marks it ignored', async () => {
    const workers = ctx.startWorkers({ queues: ['events'] });
    try {
      const res = await request(ctx.app)
        .post('/webhooks/strava')
        .send(stravaEventBody({ objectId: 88, ownerId: 555_555 }));
      expect(res.status).toBe(200);
      const row = await waitFor(async () =>
        (await inboxRows(ctx.deps.db)).find((r) => r.dedupeKey === 'strava:activity:create:88:1777615181' && r.processedAt),
      );
      expect(row.outcome).toBe('ignored_unknown_athlete');
    } finally {
      await workers.close();
    }
  });

  it('a concurrent burst (with redeliveries racing their originals) gives one row and one job per distinct event', async () => {
    const bodies = Array.from({ length: 60 }, (_, i) => stravaEventBody({ objectId: 5_000_000 + (i % 40), ownerId: 1, eventTime: 1_600_000_000 }));
    const answers = await Promise.all(bodies.map((b) => request(ctx.app).post('/webhooks/strava').send(b)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.every((a) => a.body.status === 'received')).toBe(true);
    const rows = (await inboxRows(ctx.deps.db)).filter((r) => r.dedupeKey.endsWith(':1600000000'));
    expect(rows).toHaveLength(40);
    const jobs = await ctx.deps.queues.events.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed']);
    const ids = new Set(rows.map((r) => r.id));
    expect(jobs.filter((j) => ids.has(j.data.eventId))).toHaveLength(40);
  });

  it('keeps the rest of a burst when one event of it is refused (a NUL character: 400 at the door, never a 500)', async () => {
    const good = Array.from({ length: 10 }, (_, i) =>
      stravaEventBody({ objectId: 6_000_000 + i, ownerId: 1, eventTime: 1_600_000_100, aspect: 'update', updates: { title: 'ok' } }),
    );
    const poison = stravaEventBody({ objectId: 6_000_099, ownerId: 1, eventTime: 1_600_000_100, aspect: 'update', updates: { title: 'bad\u0000title' } });
    const answers = await Promise.all([...good.slice(0, 5), poison, ...good.slice(5)].map((b) => request(ctx.app).post('/webhooks/strava').send(b)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 400, 200, 200, 200, 200, 200]);
    expect(answers[5]!.body.error.code).toBe('nul_byte');
    const rows = (await inboxRows(ctx.deps.db)).filter((r) => r.dedupeKey.endsWith(':1600000100'));
    expect(rows).toHaveLength(10);
  });

  it('keeps the rest of a batch when Postgres refuses one event of it', async () => {
    // Past the HTTP guard (which refuses NUL characters), jsonb refusing one row must not fail its batch.
    const inbox = new StravaInbox(ctx.deps);
    const good = Array.from({ length: 10 }, (_, i) =>
      StravaEvent.parse(stravaEventBody({ objectId: 6_100_000 + i, ownerId: 1, eventTime: 1_600_000_200, aspect: 'update', updates: { title: 'ok' } })),
    );
    const poison = StravaEvent.parse(
      stravaEventBody({ objectId: 6_100_099, ownerId: 1, eventTime: 1_600_000_200, aspect: 'update', updates: { title: 'bad\u0000title' } }),
    );
    const results = await Promise.allSettled([...good.slice(0, 5), poison, ...good.slice(5)].map((e) => inbox.receive(e)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const rows = (await inboxRows(ctx.deps.db)).filter((r) => r.dedupeKey.endsWith(':1600000200'));
    expect(rows).toHaveLength(10);
  });

  it('turns the same create event delivered three times into one inbox row, one job and one activity', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, { accessToken: 'tok-dup' });
    const id = 9_100_000_001;
    const api = stravaApi({ token: 'tok-dup' });
    api.get(`/api/v3/activities/${id}`).reply(200, stravaActivityJson(id), RATE_HEADERS);
    interceptStreams(api, id).reply(200, stravaStreamsJson(), RATE_HEADERS);
    const body = stravaEventBody({ objectId: id, ownerId: conn.externalAthleteId });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await request(ctx.app).post('/webhooks/strava').send(body));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body.status)).toEqual(['received', 'received', 'received']);
    const inbox = (await inboxRows(ctx.deps.db)).filter((r) => r.dedupeKey.includes(String(id)));
    expect(inbox).toHaveLength(1);
    const jobs = await ctx.deps.queues.events.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed']);
    expect(jobs.filter((j) => j.data.eventId === inbox[0]!.id)).toHaveLength(1);

    const workers = ctx.startWorkers();
    try {
      await ctx.drain();
      // a fourth delivery after processing changes nothing either
      expect((await request(ctx.app).post('/webhooks/strava').send(body)).body.status).toBe('received');
      await ctx.drain();
    } finally {
      await workers.close();
    }
    const rows = await ctx.deps.db
      .select()
      .from(activities)
      .where(eq(activities.externalId, String(id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'ready',
      source: 'strava',
      runnerId: conn.runnerId,
      isRun: true,
      countedInLoad: true,
      utcOffsetS: 7200,
      localDate: '2026-05-01',
    });
    const [m] = await ctx.deps.db.select().from(activityMetrics).where(eq(activityMetrics.activityId, rows[0]!.id));
    // average_cadence 84 strides/min → 168 spm; stream 85 → running cadence 170
    expect(m!.avgCadenceSpm).toBeCloseTo(168, 6);
    expect(m!.runCadenceSpm).toBeCloseTo(170, 1);
    // Strava's own gain (40 m) minus the stream's net rise (100 m → 90 m: −10 m)
    expect(m!.elevationSource).toBe('summary');
    expect(m!.elevationMethod).toBe('summary-gain-minus-net-rise');
    expect(Math.abs(m!.elevationLossM! - 50)).toBeLessThan(1);
    expect(api.isDone()).toBe(true);
  });
});
