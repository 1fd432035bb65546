import { eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activities, connections } from '../../src/db/schema/index.js';
import { decryptSecret } from '../../src/lib/crypto.js';
import { buildRunner } from '../factories/runners.js';
import {
  interceptStreams,
  RATE_HEADERS,
  stravaActivityJson,
  stravaApi,
  STRAVA_TEST_ENV,
  STRAVA_TEST_ORIGIN,
  stravaStreamsJson,
  waitFor,
} from '../factories/strava.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readStravaJson } from '../fixtures.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let clockOffsetMs = 0;
beforeAll(async () => {
  ctx = await createTestContext(STRAVA_TEST_ENV, { now: () => new Date(Date.now() + clockOffsetMs) });
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
  clockOffsetMs = 0;
});

/** The connect cookie of the last browser that started a connect (sent with callbacks). */
let browserCookie = '';
const callback = () => request(ctx.app).get('/connect/strava/callback').set('Cookie', browserCookie);

/** GET /connect/strava and return the state from the Location it redirects to. */
async function startConnect(runnerId: string): Promise<{ location: URL; state: string }> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/connect-links`).set(ctx.auth).send({ provider: 'strava' });
  expect(link.status).toBe(201);
  const linkUrl = new URL(link.body.url);
  const res = await request(ctx.app).get(linkUrl.pathname + linkUrl.search);
  expect(res.status).toBe(302);
  browserCookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const location = new URL(res.headers.location!);
  return { location, state: location.searchParams.get('state')! };
}

/** The token exchange answer: the shared fixture when present (real shape), else the same shape. */
function tokenAnswer(athleteId: number): { access_token: string; refresh_token: string; expires_at: number; athlete: { id: number } } {
  const base: Record<string, unknown> = HAS_FIXTURES
    ? readStravaJson<Record<string, unknown>>('oauth_token_authorization_code.json')
    : {
        token_type: 'Bearer',
        expires_in: 21600,
        access_token: 'deadbeefd7ab44704fb2a146bd98c7a349a2b43d',
        refresh_token: 'deadbeef9d64b225d0c50db4854a8d6c8757702d',
        athlete: {},
      };
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);
  return { ...base, expires_at: Math.floor(Date.now() / 1000) + 21600, athlete: { ...(base.athlete as object), id: athleteId } } as ReturnType<
    typeof tokenAnswer
  >;
}

describe('GET /connect/strava', () => {
  it('redirects to the configured authorize URL with read,activity:read_all and a signed state', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { location, state } = await startConnect(runner.id);
    expect(`${location.origin}${location.pathname}`).toBe(`${STRAVA_TEST_ORIGIN}/oauth/authorize`);
    expect(location.searchParams.get('scope')).toBe('read,activity:read_all');
    expect(location.searchParams.get('client_id')).toBe('4242');
    expect(location.searchParams.get('redirect_uri')).toBe('https://app.example/connect/strava/callback');
    expect(state).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it('gives no connect link for an unknown runner (404), and refuses a bare ?runner= without a link (400)', async () => {
    const link = await request(ctx.app).post('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-000000000000/connect-links').set(ctx.auth).send({ provider: 'strava' });
    expect(link.status).toBe(404);
    const runner = await buildRunner(ctx.deps.db);
    const bare = await request(ctx.app).get('/connect/strava').query({ runner: runner.id });
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe('connect_link_required');
    expect(bare.headers['set-cookie']).toBeUndefined();
  });
});

describe('GET /connect/strava/callback', () => {
  it('exchanges the code, stores encrypted tokens, and backfills 12 weeks of runs with progress', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const answer = tokenAnswer(31_000_001);
    const oauth = nock(STRAVA_TEST_ORIGIN)
      .post('/oauth/token', (body) => body.grant_type === 'authorization_code' && body.code === 'the-code' && body.client_secret === 'client-secret')
      .reply(200, answer);
    const token = answer.access_token;
    const api = stravaApi({ token });
    // page 1 lists two runs and a ride (the ride is not fetched); fewer than 100 items = last page
    api
      .get('/api/v3/athlete/activities')
      .query((q) => q.page === '1' && q.per_page === '100' && Number(q.before) - Number(q.after) === 12 * 7 * 86_400)
      .reply(
        200,
        [
          stravaActivityJson(7001, { start_date: '2026-04-01T05:00:00Z' }),
          stravaActivityJson(7002, { sport_type: 'Ride', type: 'Ride' }),
          stravaActivityJson(7003, { start_date: '2026-04-08T05:00:00Z' }),
        ],
        RATE_HEADERS,
      );
    interceptStreams(api, 7001).reply(200, stravaStreamsJson(), RATE_HEADERS);
    interceptStreams(api, 7003).reply(200, stravaStreamsJson(), RATE_HEADERS);

    const res = await callback().query({ state, code: 'the-code', scope: 'read,activity:read_all' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Strava connected');
    expect(oauth.isDone()).toBe(true);

    const [conn] = await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runner.id));
    expect(conn).toMatchObject({
      provider: 'strava',
      externalAthleteId: '31000001',
      status: 'active',
      scopes: ['read', 'activity:read_all'],
      backfillStatus: 'queued',
    });
    // encrypted at rest: the plain tokens appear nowhere in the row
    const stored = JSON.stringify(conn);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(answer.refresh_token);
    expect(decryptSecret(conn!.accessTokenEnc!, ctx.env.tokenEncryptionKey)).toBe(token);
    expect(decryptSecret(conn!.refreshTokenEnc!, ctx.env.tokenEncryptionKey)).toBe(answer.refresh_token);

    const workers = ctx.startWorkers();
    try {
      await ctx.drain();
    } finally {
      await workers.close();
    }
    expect(api.isDone()).toBe(true);
    const [after] = await ctx.deps.db.select().from(connections).where(eq(connections.id, conn!.id));
    expect(after).toMatchObject({ backfillStatus: 'done', backfillTotal: 2, backfillDone: 2 });
    const rows = await ctx.deps.db.select().from(activities).where(eq(activities.runnerId, runner.id));
    expect(rows.map((r) => [r.externalId, r.status, r.countedInLoad]).sort()).toEqual([
      ['7001', 'ready', true],
      ['7003', 'ready', true],
    ]);
    const view = await request(ctx.app).get(`/v1/runners/${runner.id}`).set(ctx.auth);
    expect(view.body.connections[0].backfill).toEqual({ status: 'done', total: 2, done: 2 });
  });

  it('shows what to do when activity:read_all was not granted, and stores nothing', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const res = await callback().query({ state, code: 'c', scope: 'read,activity:read' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('activity:read_all');
    expect(res.text).toMatch(/connect again and leave every box/i);
    expect(res.text).toContain('/connect/strava?link=');
    expect(await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runner.id))).toHaveLength(0);
  });

  it('refuses a replayed state with 400', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const first = await callback().query({ state, error: 'access_denied' });
    expect(first.status).toBe(400);
    expect(first.text).toContain('not connected');
    const replay = await callback().query({ state, code: 'c', scope: 'read,activity:read_all' });
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('invalid_state');
  });

  it('refuses an expired, a tampered and an unknown state with 400', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const [body, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ r: runner.id, n: 'made-up', e: 9_999_999_999 })).toString('base64url');
    for (const s of [`${forged}.${mac}`, 'nonsense', `${body}.AAAA`]) {
      const res = await callback().query({ state: s, code: 'c', scope: 'read,activity:read_all' });
      expect(res.status).toBe(400);
    }
    clockOffsetMs = 11 * 60_000;
    const expired = await callback().query({ state, code: 'c', scope: 'read,activity:read_all' });
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('expired');
  });

  it('does not let a second runner take a Strava account that is already connected', async () => {
    const [a, b] = [await buildRunner(ctx.deps.db), await buildRunner(ctx.deps.db)];
    for (const [runner, status] of [
      [a, 200],
      [b, 409],
    ] as const) {
      const { state } = await startConnect(runner.id);
      nock(STRAVA_TEST_ORIGIN).post('/oauth/token').reply(200, tokenAnswer(31_000_002));
      nock(STRAVA_TEST_ORIGIN).get('/api/v3/athlete/activities').query(true).optionally().reply(200, [], RATE_HEADERS);
      const res = await callback().query({ state, code: 'c', scope: 'read,activity:read_all' });
      expect(res.status).toBe(status);
    }
    await waitFor(async () => (await ctx.deps.db.select().from(connections).where(eq(connections.externalAthleteId, '31000002'))).length === 1);
    expect((await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, b.id))).length).toBe(0);
  });
});
