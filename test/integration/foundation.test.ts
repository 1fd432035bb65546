import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, closeDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { loadEnv } from '../../src/config/env.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

describe('health', () => {
  it('answers ok after really querying Postgres and Redis', async () => {
    const res = await request(ctx.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
  });

  it('answers 503 naming the part that is down (never where it is), and keeps serving', async () => {
    // Point at closed ports: nothing listens on 1 (Postgres) or 2 (Redis) on this machine.
    const env = loadEnv({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:2',
      API_KEYS: 'k',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
    });
    const deps = createDeps(env, silentLogger);
    try {
      const app = createApp(deps);
      const res = await request(app).get('/health');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('degraded');
      // exactly this, nothing more: no host, port or error text for an unauthenticated caller
      expect(res.body).toEqual({ status: 'degraded', db: 'down', redis: 'down' });
      expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:1\b|:2\b/);
      const again = await request(app).get('/health');
      expect(again.status).toBe(503);
    } finally {
      await closeDeps(deps);
    }
  });

  it('recovers when the database comes back (pool re-connects after a failure)', async () => {
    // Kill this file's own pooled connections server-side, as a Postgres restart would.
    await ctx.testDb.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [ctx.testDb.name]);
    const res = await request(ctx.app).get('/health');
    expect([200, 503]).toContain(res.status);
    const next = await request(ctx.app).get('/health');
    expect(next.status).toBe(200);
    expect(next.body.db).toBe('ok');
  });
});

describe('/v1 auth and error shape', () => {
  it('refuses a missing API key with 401 JSON', async () => {
    const res = await request(ctx.app).post('/v1/runners').send({ name: 'Ana', timezone: 'Europe/Oslo' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('refuses a wrong API key with 401', async () => {
    const res = await request(ctx.app).get('/v1/runners/00000000-0000-0000-0000-000000000000').set('Authorization', 'Bearer nope');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/invalid API key/);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await request(ctx.app).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await request(ctx.app).post('/v1/runners').set(ctx.auth).set('Content-Type', 'application/json').send('{"name": "Ana",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.message).toMatch(/not valid JSON/);
  });

  it('answers a body over the limit with 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), timezone: 'UTC' });
    const res = await request(ctx.app).post('/v1/runners').set(ctx.auth).set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('answers wrong types with 422 naming the field', async () => {
    const res = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 42, timezone: 'Europe/Oslo' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^body\.name/);
  });

  it('rejects an unknown time zone', async () => {
    const res = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Ana', timezone: 'Mars/Olympus' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/IANA/);
  });

  it('echoes a request id on every answer', async () => {
    const res = await request(ctx.app).get('/health').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('replaces an unsafe or overlong x-request-id with a generated one', async () => {
    for (const bad of ['a b', 'x'.repeat(65), 'id;x', '<script>', 'a/b']) {
      const res = await request(ctx.app).get('/health').set('x-request-id', bad);
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await request(ctx.app).get('/health').set('x-request-id', 'A.b_c-9'.padEnd(64, 'z'))).headers['x-request-id']).toBe('A.b_c-9'.padEnd(64, 'z'));
  });
});

describe('runners', () => {
  it('creates a runner and reads it back with connections and goal', async () => {
    const created = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Ana', timezone: 'Europe/Oslo' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const res = await request(ctx.app).get(`/v1/runners/${id}`).set(ctx.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name: 'Ana', timezone: 'Europe/Oslo', connections: [], cadenceGoal: null });
  });

  it('answers 404 for an unknown runner id and for a malformed one', async () => {
    const a = await request(ctx.app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-000000000000').set(ctx.auth);
    expect(a.status).toBe(404);
    expect(a.body.error.code).toBe('runner_not_found');
    const b = await request(ctx.app).get('/v1/runners/not-a-uuid').set(ctx.auth);
    expect(b.status).toBe(404);
  });
});

describe('query validation', () => {
  it('answers an impossible date with 422, not a server error', async () => {
    const created = await request(ctx.app).post('/v1/runners').set(ctx.auth).send({ name: 'Bo', timezone: 'UTC' });
    for (const q of ['from=2026-13-45', 'to=2026-02-30', 'from=yesterday']) {
      for (const path of ['weeks', 'activities']) {
        const res = await request(ctx.app).get(`/v1/runners/${created.body.id}/${path}?${q}`).set(ctx.auth);
        expect(res.status).toBe(422);
        expect(res.body.error.message).toMatch(/^query\.(from|to)/);
      }
    }
  });
});

describe('openapi', () => {
  it('documents the routes with schemas generated from zod', async () => {
    const res = await request(ctx.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const post = res.body.paths['/v1/runners'].post;
    expect(post.requestBody.content['application/json'].schema.required).toEqual(['name', 'timezone']);
    expect(res.body.paths['/v1/runners/{runnerId}'].get.parameters[0].name).toBe('runnerId');
  });
});
