import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activities, connections, painPrompts, runners, runnerShares } from '../../src/db/schema/index.js';
import { listRoutes, routeMatcher, type RouteEntry } from '../../src/http/route-table.js';
import { createApiKey, revokeApiKey } from '../../src/services/api-keys.js';
import { createShare } from '../../src/services/shares.js';
import { buildRunner } from '../factories/runners.js';
import { buildGarminConnection, GARMIN_HOOK_SECRET, GARMIN_TEST_ENV } from '../factories/garmin.js';
import { buildStravaConnection, STRAVA_TEST_ENV } from '../factories/strava.js';
import { createTestContext, TEST_API_KEY, type TestContext } from '../setup/context.js';

/**
 * Matrices over the app's real route table (read from express's router stack), so a route added
 * later is covered without being listed here: authorization for every /v1 route, and hostile input
 * (non-UUID ids, NUL bytes, deep nesting, oversized and compressed bodies) for every route.
 */

let ctx: TestContext;
let routes: RouteEntry[];
const fixture = { runnerA: '', runnerB: '', runnerBName: 'Bea Private-Runner', activityA: '', activityB: '' };
/** The scope matrix: each runner's prompt and share, a third runner for the operator's and the read key's requests, and one key of each kind. */
const scoped = {
  promptA: '',
  promptB: '',
  shareA: '',
  shareB: '',
  runnerC: '',
  keys: { operator: '', read: '', runnerA: '', runnerAReadOnly: '', revoked: '' },
};

beforeAll(async () => {
  ctx = await createTestContext({
    ...STRAVA_TEST_ENV,
    ...GARMIN_TEST_ENV,
    UPLOAD_BODY_LIMIT: '2mb',
    JSON_BODY_LIMIT: '256kb',
    // the matrices send hundreds of refused requests from one address; limits are tested elsewhere
    RATE_LIMIT_AUTH_FAILURES_PER_MIN: '0',
    RATE_LIMIT_CONNECT_PER_MIN: '0',
    RATE_LIMIT_WEBHOOKS_PER_MIN: '0',
  });
  routes = listRoutes(ctx.app);
  const a = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
  const b = await buildGarminConnection(ctx.deps.db, ctx.env.tokenEncryptionKey);
  await ctx.deps.db.update(runners).set({ name: fixture.runnerBName }).where(eq(runners.id, b.runnerId));
  fixture.runnerA = a.runnerId;
  fixture.runnerB = b.runnerId;
  const [actA] = await ctx.deps.db
    .insert(activities)
    .values({ runnerId: a.runnerId, source: 'strava', externalId: '111', status: 'ready', name: 'A run' })
    .returning();
  const [actB] = await ctx.deps.db
    .insert(activities)
    .values({ runnerId: b.runnerId, source: 'garmin', externalId: '222', status: 'ready', name: 'B secret run' })
    .returning();
  fixture.activityA = actA!.id;
  fixture.activityB = actB!.id;

  const now = Date.now();
  const prompt = (runnerId: string, activityId: string) => ({
    runnerId,
    activityId,
    kind: 'after_run' as const,
    status: 'sent' as const,
    dueAt: new Date(now - 60_000),
    expiresAt: new Date(now + 86_400_000),
  });
  const [pA, pB] = await ctx.deps.db
    .insert(painPrompts)
    .values([prompt(a.runnerId, actA!.id), prompt(b.runnerId, actB!.id)])
    .returning();
  scoped.promptA = pA!.id;
  scoped.promptB = pB!.id;
  const share = { recipient: 'Physio', sections: ['diary'] as const, consent: true };
  scoped.shareA = (await createShare(ctx.deps, a.runnerId, share)).id;
  scoped.shareB = (await createShare(ctx.deps, b.runnerId, share)).id;
  scoped.runnerC = (await buildRunner(ctx.deps.db)).id;
  scoped.keys.operator = (await createApiKey(ctx.deps, { name: 'ops-robot', scope: 'operator' })).key;
  scoped.keys.read = (await createApiKey(ctx.deps, { name: 'dashboard', scope: 'read' })).key;
  scoped.keys.runnerA = (await createApiKey(ctx.deps, { name: 'runner-a-app', scope: 'runner', runnerId: a.runnerId })).key;
  scoped.keys.runnerAReadOnly = (await createApiKey(ctx.deps, { name: 'runner-a-viewer', scope: 'runner', runnerId: a.runnerId, readOnly: true })).key;
  scoped.keys.revoked = (await createApiKey(ctx.deps, { name: 'old-client', scope: 'operator' })).key;
  await revokeApiKey(ctx.deps, 'old-client');
});
afterAll(async () => {
  await ctx?.close();
});

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? randomUUID()));
}

const ownValues = () => ({ runnerId: fixture.runnerA, activityId: fixture.activityA, provider: 'garmin', secret: GARMIN_HOOK_SECRET, kind: 'activity-files' });

function send(r: RouteEntry, path: string) {
  const agent = request(ctx.app);
  const m = r.method.toLowerCase() as 'get' | 'post' | 'delete' | 'put' | 'patch';
  return agent[m](path);
}

const isV1 = (r: RouteEntry) => r.path.startsWith('/v1/');
/** Routes whose answers are JSON (everything else is a page or an asset for a person's browser). */
const API_PREFIXES = ['/v1/', '/webhooks/', '/health', '/metrics', '/openapi.json', '/connect/strava', '/connect/garmin'];
/** Pages for a person's browser answer HTML, not JSON. */
const isPage = (r: RouteEntry) => r.path.endsWith('/callback') || r.path.endsWith('.html') || !API_PREFIXES.some((p) => r.path.startsWith(p));

function expectErrorShape(r: RouteEntry, res: request.Response, what: string) {
  expect(res.status, `${r.method} ${r.path} ${what}: ${res.status} ${(res.text ?? '').slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400 && !isPage(r)) {
    expect(res.headers['content-type'], `${r.method} ${r.path} ${what}`).toMatch(/application\/json/);
    expect(typeof res.body?.error?.code, `${r.method} ${r.path} ${what}: ${(res.text ?? '').slice(0, 200)}`).toBe('string');
    expect(typeof res.body.error.message).toBe('string');
  }
}

describe('the route table', () => {
  it('is read from the app and includes every /v1 route', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const k of [
      'POST /v1/runners',
      'GET /v1/runners/:runnerId',
      'GET /v1/runners/:runnerId/activities/:activityId',
      'POST /v1/runners/:runnerId/connect-links',
      'POST /webhooks/garmin/:secret/:kind',
    ]) {
      expect(keys).toContain(k);
    }
    expect(routes.filter(isV1).length).toBeGreaterThanOrEqual(9);
  });
});

describe('authorization matrix (every /v1 route)', () => {
  it('no key and a wrong key → 401 with the error shape, never data', async () => {
    for (const r of routes.filter(isV1)) {
      for (const auth of [undefined, 'Bearer wrong-key', `Bearer ${TEST_API_KEY}x`, 'Basic dGVzdA==', `Bearer`]) {
        const req = send(r, fill(r.path, ownValues()));
        const res = await (auth ? req.set('Authorization', auth) : req).send({ provider: 'strava', name: 'x', timezone: 'UTC' });
        expect(res.status, `${r.method} ${r.path} with ${auth ?? 'no key'}`).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
        expect(res.text).not.toContain(fixture.runnerA);
      }
    }
  });

  it('another runner’s id, an unknown runner or another runner’s activity → 404, never that runner’s data', async () => {
    const before = await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, fixture.runnerB));
    for (const r of routes.filter((x) => isV1(x) && x.path.includes(':runnerId'))) {
      const variants: Array<Record<string, string>> = [
        { ...ownValues(), runnerId: randomUUID() },
        ...(r.path.includes(':activityId') ? [{ ...ownValues(), activityId: fixture.activityB }] : []),
        ...(r.path.includes(':provider') ? [{ ...ownValues(), provider: 'strava', runnerId: fixture.runnerB }] : []),
      ];
      for (const values of variants) {
        const res = await send(r, fill(r.path, values)).set(ctx.auth).send({ provider: 'strava' });
        expect(res.status, `${r.method} ${fill(r.path, values)}: ${(res.text ?? '').slice(0, 200)}`).toBe(404);
        expect(res.body.error.code).toMatch(/not_found/);
        expect(res.text).not.toContain(fixture.runnerBName);
        expect(res.text).not.toContain('B secret run');
      }
    }
    // runner B's Garmin connection was not touched by the DELETE aimed at its Strava one
    expect(await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, fixture.runnerB))).toEqual(before);
  });
});

describe('API key scopes on every /v1 route (expectations derived from the method and the path params)', () => {
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const isRead = (r: RouteEntry) => r.method === 'GET' || r.method === 'HEAD';
  /** Deletes last, the shortest path (the runner itself) at the very end, so no request removes what a later one needs. */
  const ordered = (rs: RouteEntry[]) =>
    [...rs].sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE') || (x.method === 'DELETE' ? y.path.length - x.path.length : 0));
  const v1Routes = () => ordered(routes.filter(isV1));
  /** A route about one runner: by its `:runnerId`, or by a resource whose runner the route resolves (e.g. a prompt). */
  const aboutOneRunner = (r: RouteEntry) => {
    if (r.path.includes(':runnerId')) return true;
    const found = routeMatcher((ctx.app as unknown as { router: { stack?: unknown } }).router)(r.method, fill(r.path, {}));
    return Boolean(found?.resolvesRunner);
  };
  const valuesOf = (who: 'A' | 'B' | 'C') => ({
    ...ownValues(),
    runnerId: who === 'A' ? fixture.runnerA : who === 'B' ? fixture.runnerB : scoped.runnerC,
    activityId: who === 'B' ? fixture.activityB : fixture.activityA,
    promptId: who === 'B' ? scoped.promptB : scoped.promptA,
    shareId: who === 'B' ? scoped.shareB : scoped.shareA,
    provider: 'garmin',
  });
  const body = { provider: 'strava', name: 'Scope Check', timezone: 'UTC' };
  const where = (r: RouteEntry, res: request.Response) => `${r.method} ${r.path}: ${res.status} ${(res.text ?? '').slice(0, 200)}`;

  it('a route addressed by a prompt id alone resolves the prompt’s runner, so runner keys reach it', () => {
    expect(aboutOneRunner({ method: 'POST', path: '/v1/prompts/:promptId/answer' })).toBe(true);
    expect(aboutOneRunner({ method: 'POST', path: '/v1/runners' })).toBe(false);
  });

  it('an API_KEYS key and an operator key from the database → never 401 or 403', async () => {
    for (const r of v1Routes()) {
      for (const key of [TEST_API_KEY, scoped.keys.operator]) {
        const res = await send(r, fill(r.path, valuesOf('C')))
          .set(bearer(key))
          .send(body);
        expect([401, 403], where(r, res)).not.toContain(res.status);
      }
    }
  });

  it('a read key → 403 read_only_key on every non-GET route, never 401 or 403 on GETs', async () => {
    for (const r of v1Routes()) {
      const res = await send(r, fill(r.path, valuesOf('C')))
        .set(bearer(scoped.keys.read))
        .send(body);
      if (isRead(r)) expect([401, 403], where(r, res)).not.toContain(res.status);
      else {
        expect(res.status, where(r, res)).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'read_only_key', message: expect.stringMatching(/read-only/) });
      }
    }
  });

  it('a runner key for A, with runner B’s ids → 404 (as for an unknown id) on every route about one runner, 403 on the others; B is untouched', async () => {
    const before = {
      connections: await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, fixture.runnerB)),
      shares: await ctx.deps.db.select().from(runnerShares).where(eq(runnerShares.runnerId, fixture.runnerB)),
      prompts: await ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.runnerId, fixture.runnerB)),
      runner: await ctx.deps.db.select().from(runners).where(eq(runners.id, fixture.runnerB)),
    };
    let checked = 0;
    for (const r of v1Routes()) {
      for (const key of [scoped.keys.runnerA, scoped.keys.runnerAReadOnly]) {
        const res = await send(r, fill(r.path, valuesOf('B')))
          .set(bearer(key))
          .send(body);
        expect(res.text).not.toContain(fixture.runnerBName);
        expect(res.text).not.toContain('B secret run');
        if (key === scoped.keys.runnerAReadOnly && !isRead(r)) {
          expect(res.status, where(r, res)).toBe(403);
          expect(res.body.error.code).toBe('read_only_key');
        } else if (aboutOneRunner(r)) {
          expect(res.status, where(r, res)).toBe(404);
          expect(res.body.error.code).toMatch(/not_found/);
          // the very answer an operator gets for an id that does not exist
          const unknown = await send(r, fill(r.path, { ...valuesOf('B'), runnerId: randomUUID(), promptId: randomUUID() }))
            .set(ctx.auth)
            .send(body);
          if (!r.path.includes(':runnerId')) expect(res.body.error.code).toBe(unknown.body.error.code);
          checked++;
        } else {
          expect(res.status, where(r, res)).toBe(403);
          expect(res.body.error.code).toBe('runner_key');
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    // its own runner's path with runner B's activity, share or prompt: 404 too (sub-resources are looked up with the runner)
    let mixed = 0;
    for (const r of v1Routes().filter((x) => x.path.includes(':runnerId') && /:(activityId|shareId|promptId)\b/.test(x.path))) {
      const res = await send(r, fill(r.path, { ...valuesOf('B'), runnerId: fixture.runnerA }))
        .set(bearer(scoped.keys.runnerA))
        .send(body);
      expect(res.status, where(r, res)).toBe(404);
      expect(res.text).not.toContain('B secret run');
      mixed++;
    }
    expect(mixed).toBeGreaterThanOrEqual(3);
    expect(await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, fixture.runnerB))).toEqual(before.connections);
    expect(await ctx.deps.db.select().from(runnerShares).where(eq(runnerShares.runnerId, fixture.runnerB))).toEqual(before.shares);
    expect(await ctx.deps.db.select().from(painPrompts).where(eq(painPrompts.runnerId, fixture.runnerB))).toEqual(before.prompts);
    expect(await ctx.deps.db.select().from(runners).where(eq(runners.id, fixture.runnerB))).toEqual(before.runner);
  });

  it('a runner key for A on A’s own ids → never refused by its scope (a 404 is one an operator key gets too); 403 off runner routes', async () => {
    for (const r of v1Routes()) {
      for (const key of [scoped.keys.runnerAReadOnly, scoped.keys.runnerA]) {
        const path = fill(r.path, valuesOf('A'));
        const res = await send(r, path).set(bearer(key)).send(body);
        if (key === scoped.keys.runnerAReadOnly && !isRead(r)) {
          expect(res.status, where(r, res)).toBe(403);
          expect(res.body.error.code).toBe('read_only_key');
        } else if (aboutOneRunner(r)) {
          expect([401, 403], where(r, res)).not.toContain(res.status);
          if (res.status === 404) expect((await send(r, path).set(ctx.auth).send(body)).status, `${where(r, res)} (operator)`).toBe(404);
        } else {
          expect(res.status, where(r, res)).toBe(403);
          expect(res.body.error).toMatchObject({ code: 'runner_key', message: expect.stringMatching(/bound to one runner/) });
        }
      }
    }
  });

  it('a revoked key → 401 on every /v1 route and on the operator routes', async () => {
    for (const r of v1Routes()) {
      const res = await send(r, fill(r.path, valuesOf('C')))
        .set(bearer(scoped.keys.revoked))
        .send(body);
      expect(res.status, where(r, res)).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthorized', message: 'API key revoked' });
    }
    for (const path of ['/metrics', '/admin/queues']) expect((await request(ctx.app).get(path).set(bearer(scoped.keys.revoked))).status).toBe(401);
  });
});

describe('hostile input on every route → 4xx with the error shape, never 500', () => {
  const badIds = [
    '------------------------------------',
    'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
    '6f1c1a4e-2b9f-4c1e-9d7a-00000000000\u0000',
    "1' or '1'='1",
    'x'.repeat(3000),
  ];

  it('non-UUID ids in every id of every path', async () => {
    for (const r of routes.filter((x) => /:(runnerId|activityId|shareId)/.test(x.path))) {
      for (const bad of badIds) {
        for (const name of ['runnerId', 'activityId', 'shareId']) {
          if (!r.path.includes(`:${name}`)) continue;
          const res = await send(r, fill(r.path, { ...ownValues(), [name]: bad }))
            .set(ctx.auth)
            .send({ provider: 'strava' });
          expectErrorShape(r, res, `${name}=${JSON.stringify(bad.slice(0, 40))}`);
          // a page without a session is refused before any id is looked at
          if (!isPage(r)) expect(res.status).toBe(404);
        }
      }
    }
  });

  it('NUL bytes in every string field and in the query string', async () => {
    const nulBody = JSON.stringify({
      name: 'Ana\u0000',
      timezone: 'Europe/Oslo\u0000',
      provider: 'strava\u0000',
      object_type: 'activity\u0000',
      title: 'x\u0000',
    });
    for (const r of routes) {
      const res = await send(r, fill(r.path, ownValues()) + '?from=2026-01-01%00&link=%00&runner=%00&state=%00')
        .set(ctx.auth)
        .set('Content-Type', 'application/json')
        .send(nulBody);
      expectErrorShape(r, res, 'NUL');
      if (r.method !== 'GET' && r.method !== 'DELETE') expect(res.status, `${r.method} ${r.path}`).toBeGreaterThanOrEqual(400);
    }
  });

  it('30,000-deep nesting', async () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const deepObject = '{"a":'.repeat(30_000) + '1' + '}'.repeat(30_000);
    for (const r of routes) {
      for (const body of [deep, deepObject]) {
        const res = await send(r, fill(r.path, ownValues())).set(ctx.auth).set('Content-Type', 'application/json').send(body);
        expectErrorShape(r, res, 'deep nesting');
      }
    }
  });

  it('oversized, gzip-compressed, gzip bombs and broken gzip bodies', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(3 * 2 ** 20), timezone: 'UTC' });
    const bomb = gzipSync(Buffer.alloc(110 * 2 ** 20));
    const bodies: Array<{ what: string; body: Buffer | string; headers: Record<string, string> }> = [
      { what: 'oversized', body: big, headers: { 'Content-Type': 'application/json' } },
      {
        what: 'gzip JSON',
        body: gzipSync(Buffer.from('{"name":"Ana","timezone":"Nowhere/Atlantis","provider":"nope"}')),
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      },
      { what: 'gzip bomb', body: bomb, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } },
      { what: 'broken gzip', body: Buffer.from('not gzip at all'), headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } },
      { what: 'unknown encoding', body: Buffer.from('{}'), headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' } },
    ];
    for (const r of routes) {
      for (const b of bodies) {
        const req = send(r, fill(r.path, ownValues())).set(ctx.auth);
        for (const [k, v] of Object.entries(b.headers)) req.set(k, v);
        const res = await req.send(b.body);
        expectErrorShape(r, res, b.what);
        if (b.what === 'oversized' && r.method === 'POST' && isV1(r)) expect(res.status, `${r.path} oversized`).toBe(413);
        if (b.what === 'gzip bomb' && r.method === 'POST' && !r.path.endsWith('/uploads') && !r.path.startsWith('/webhooks/garmin'))
          expect(res.status, `${r.path} bomb`).toBeGreaterThanOrEqual(400);
      }
    }
  }, 120_000);
});

describe('security headers on every answer', () => {
  it('API answers carry CSP default-src none + frame-ancestors none, nosniff, no-referrer and HSTS (https PUBLIC_URL)', async () => {
    for (const r of routes.filter((x) => !isPage(x))) {
      const res = await send(r, fill(r.path, ownValues())).set(ctx.auth).send({});
      const where = `${r.method} ${r.path} (${res.status})`;
      expect(res.headers['content-security-policy'], where).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], where).toBe('nosniff');
      expect(res.headers['referrer-policy'], where).toBe('no-referrer');
      expect(res.headers['strict-transport-security'], where).toMatch(/max-age=\d+/);
      expect(res.headers['x-frame-options'], where).toBe('DENY');
    }
  });

  it('every page and asset: no framing, no inline script, nosniff, and never a 500', async () => {
    const pages = routes.filter(isPage);
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const r of pages) {
      const res = await send(r, fill(r.path, ownValues())).send({});
      const where = `${r.method} ${r.path} (${res.status})`;
      expect(res.status, where).toBeLessThan(500);
      const csp = String(res.headers['content-security-policy'] ?? '');
      expect(csp, where).toContain("frame-ancestors 'none'");
      expect(csp, where).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers['x-content-type-options'], where).toBe('nosniff');
    }
  });

  it('HTML pages get the page variant: still no framing, no scripts', async () => {
    const res = await request(ctx.app).get('/connect/strava/callback').query({ state: 'x', code: 'y' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
