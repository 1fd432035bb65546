import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { createApp } from '../../src/http/app.js';
import { rateLimit } from '../../src/http/middleware/rate-limit.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createRedis } from '../../src/lib/redis.js';
import { buildRunner } from '../factories/runners.js';
import { stravaEventBody, STRAVA_TEST_ENV } from '../factories/strava.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({
    ...STRAVA_TEST_ENV,
    RATE_LIMIT_AUTH_FAILURES_PER_MIN: '3',
    RATE_LIMIT_CONNECT_PER_MIN: '3',
    RATE_LIMIT_WEBHOOKS_PER_MIN: '5',
  });
});
afterAll(async () => {
  await ctx?.close();
});

function expect429(res: request.Response) {
  expect(res.status).toBe(429);
  expect(res.body.error.code).toBe('rate_limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
}

describe('rate limits (Redis store, per client IP)', () => {
  it('wrong API keys: 401 up to the limit, then 429 with Retry-After; a valid key is never limited', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(ctx.app).get('/v1/runners/x').set('Authorization', `Bearer guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect429(await request(ctx.app).get('/v1/runners/x').set('Authorization', 'Bearer guess-again'));
    const runner = await buildRunner(ctx.deps.db);
    for (let i = 0; i < 5; i++) expect((await request(ctx.app).get(`/v1/runners/${runner.id}`).set(ctx.auth)).status).toBe(200);
    // the counter lives in Redis under this deployment's prefix
    expect((await ctx.deps.redis.keys(`${ctx.prefix}:rl:auth-failure:*`)).length).toBeGreaterThan(0);
  });

  it('connect-links and connect starts', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const links = [];
    for (let i = 0; i < 4; i++) links.push(await request(ctx.app).post(`/v1/runners/${runner.id}/connect-links`).set(ctx.auth).send({ provider: 'strava' }));
    expect(links.slice(0, 3).map((r) => r.status)).toEqual([201, 201, 201]);
    expect429(links[3]!);
    const starts = [];
    for (let i = 0; i < 4; i++) starts.push(await request(ctx.app).get('/connect/strava').query({ link: 'x' }));
    expect(starts.slice(0, 3).map((r) => r.status)).toEqual([400, 400, 400]);
    expect429(starts[3]!);
  });

  it('webhooks: 429 past the limit (600/min per IP by default)', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(
        await request(ctx.app)
          .post('/webhooks/strava')
          .send(stravaEventBody({ objectId: 70_000 + i, ownerId: 1 })),
      );
    expect(answers.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect429(answers[5]!);
  });
});

describe('the answer page /p/:token', () => {
  it('is limited per IP (page-answer, 60 per 15 minutes): opening and posting count, then a 429 page', async () => {
    const guess = (i: number) => `${'A'.repeat(40)}${String(i).padStart(3, '0')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await request(ctx.app).get(`/p/${guess(i)}`)).status);
    for (let i = 30; i < 60; i++)
      statuses.push(
        (
          await request(ctx.app)
            .post(`/p/${guess(i)}`)
            .type('form')
            .send('nextMorning=1')
        ).status,
      );
    expect(new Set(statuses)).toEqual(new Set([404]));
    for (const res of [
      await request(ctx.app).get(`/p/${guess(60)}`),
      await request(ctx.app)
        .post(`/p/${guess(61)}`)
        .type('form')
        .send('nextMorning=1'),
    ]) {
      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('Too many attempts');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect((await ctx.deps.redis.keys(`${ctx.prefix}:rl:page-answer:*`)).length).toBeGreaterThan(0);
  });
});

describe('TRUST_PROXY decides the client address the limits count', () => {
  /** The app with TRUST_PROXY set, its own counters; the addresses the connect limiter counted, after `forwarded` requests. */
  async function countedAddresses(trustProxy: string, forwarded: string[]): Promise<{ addresses: string[]; statuses: number[] }> {
    const prefix = `${ctx.prefix}:tp-${randomBytes(3).toString('hex')}`;
    const app = createApp({ ...ctx.deps, env: { ...ctx.deps.env, TRUST_PROXY: loadEnv({ TRUST_PROXY: trustProxy }).TRUST_PROXY, REDIS_PREFIX: prefix } });
    const statuses: number[] = [];
    for (const xff of forwarded) statuses.push((await request(app).get('/connect/strava').set('X-Forwarded-For', xff).query({ link: 'x' })).status);
    const keys = await ctx.deps.redis.keys(`${prefix}:rl:connect:*`);
    return { addresses: keys.map((k) => k.slice(`${prefix}:rl:connect:`.length)).sort(), statuses };
  }

  it('loopback (default): the address a local proxy forwards; each client has its own count', async () => {
    const r = await countedAddresses('loopback', ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(r.addresses).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(r.statuses).toEqual([400, 400, 400, 400]);
  });

  it('false: the socket address, whatever X-Forwarded-For says, so forged headers share one count', async () => {
    const r = await countedAddresses('false', ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(r.addresses).toHaveLength(1);
    expect(r.addresses[0]).toMatch(/127\.0\.0\.1$/);
    expect(r.statuses).toEqual([400, 400, 400, 429]);
  });

  it('a hop count trusts that many proxies; a list trusts the proxies named', async () => {
    expect((await countedAddresses('1', ['198.51.100.7, 203.0.113.9'])).addresses).toEqual(['203.0.113.9']);
    expect((await countedAddresses('2', ['198.51.100.7, 203.0.113.9'])).addresses).toEqual(['198.51.100.7']);
    expect((await countedAddresses('127.0.0.1, 203.0.113.0/24', ['198.51.100.7, 203.0.113.9'])).addresses).toEqual(['198.51.100.7']);
    const notTrusted = await countedAddresses('10.0.0.0/8', ['198.51.100.7, 203.0.113.9']);
    expect(notTrusted.addresses[0]).toMatch(/127\.0\.0\.1$/);
  });
});

describe('when Redis is down', () => {
  it('the limiter fails open quickly: requests go through, never a 500', async () => {
    const env = loadEnv({
      NODE_ENV: 'test',
      API_KEYS: 'k',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
      RATE_LIMIT_WEBHOOKS_PER_MIN: '2',
      REDIS_URL: 'redis://127.0.0.1:2',
    });
    const redis = createRedis(env.REDIS_URL);
    try {
      const app = express();
      app.post('/hook', rateLimit({ env, redis, log: silentLogger }, 'webhook'), (_req, res) => {
        res.json({ ok: true });
      });
      const started = Date.now();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await request(app).post('/hook')).status);
      const elapsed = Date.now() - started;
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      // each request waits at most the store timeout (250 ms), not Redis's reconnect back-off
      expect(elapsed).toBeLessThan(5 * 1000);
    } finally {
      redis.disconnect();
    }
  });
});
