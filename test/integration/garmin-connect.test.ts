import { eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../src/db/schema/index.js';
import { pkceChallenge } from '../../src/integrations/garmin/oauth.js';
import { decryptSecret } from '../../src/lib/crypto.js';
import { GARMIN_API_ORIGIN, GARMIN_OAUTH_ORIGIN, GARMIN_TEST_ENV, GARMIN_TOKEN_ORIGIN, GARMIN_TOKEN_PATH } from '../factories/garmin.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext(GARMIN_TEST_ENV);
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(() => {
  nock.cleanAll();
});

/** The connect cookie of the last browser that started a connect (sent with callbacks). */
let browserCookie = '';
const callback = () => request(ctx.app).get('/connect/garmin/callback').set('Cookie', browserCookie);

async function startConnect(runnerId: string): Promise<{ location: URL; state: string }> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/connect-links`).set(ctx.auth).send({ provider: 'garmin' });
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

/** Token exchange (checking the PKCE verifier matches the challenge sent), user id and permissions. */
function garminAnswers(o: { userId: string; permissions?: string[]; challenge: string; access?: string; refresh?: string }) {
  const sent: Record<string, string>[] = [];
  const token = nock(GARMIN_TOKEN_ORIGIN)
    .post(GARMIN_TOKEN_PATH, (body: Record<string, string>) => {
      sent.push(body);
      return body.grant_type === 'authorization_code' && pkceChallenge(body.code_verifier ?? '') === o.challenge;
    })
    .reply(200, {
      access_token: o.access ?? 'garmin-access-abc',
      token_type: 'bearer',
      expires_in: 86400,
      refresh_token: o.refresh ?? 'garmin-refresh-xyz',
      refresh_token_expires_in: 7775998,
      scope: 'x',
    });
  const api = nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: `Bearer ${o.access ?? 'garmin-access-abc'}` } })
    .get('/wellness-api/rest/user/id')
    .reply(200, { userId: o.userId })
    .get('/wellness-api/rest/user/permissions')
    .reply(200, o.permissions ?? ['ACTIVITY_EXPORT', 'HEALTH_EXPORT']);
  return { token, api, sent };
}

describe('GET /connect/garmin', () => {
  it('redirects to oauth2Confirm with an S256 challenge and a signed state; the verifier stays on the server', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { location, state } = await startConnect(runner.id);
    expect(`${location.origin}${location.pathname}`).toBe(`${GARMIN_OAUTH_ORIGIN}/oauth2Confirm`);
    expect(location.searchParams.get('client_id')).toBe('garmin-client');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('redirect_uri')).toBe('https://app.example/connect/garmin/callback');
    expect(location.searchParams.has('code_verifier')).toBe(false);
    expect(state).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it('gives no connect link for an unknown runner (404), and refuses a bare ?runner= without a link (400)', async () => {
    const link = await request(ctx.app).post('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-000000000000/connect-links').set(ctx.auth).send({ provider: 'garmin' });
    expect(link.status).toBe(404);
    const runner = await buildRunner(ctx.deps.db);
    const bare = await request(ctx.app).get('/connect/garmin').query({ runner: runner.id });
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe('connect_link_required');
    expect(bare.headers['set-cookie']).toBeUndefined();
  });
});

describe('GET /connect/garmin/callback', () => {
  it('exchanges the code with the PKCE verifier, keys the connection by userId and stores tokens encrypted', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { location, state } = await startConnect(runner.id);
    const g = garminAnswers({ userId: 'd3315b10-user-1', challenge: location.searchParams.get('code_challenge')! });

    const res = await callback().query({ state, code: 'auth-code-1' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Garmin connected');
    // a backfill was just queued: the page says history is on its way, not only "from now on"
    expect(res.text).toContain('last 12 weeks');
    expect(res.text).not.toContain('from now on');
    expect(g.token.isDone() && g.api.isDone()).toBe(true);
    expect(g.sent[0]).toMatchObject({
      code: 'auth-code-1',
      client_id: 'garmin-client',
      client_secret: 'garmin-client-secret',
      redirect_uri: 'https://app.example/connect/garmin/callback',
    });

    const [conn] = await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runner.id));
    expect(conn).toMatchObject({ provider: 'garmin', externalAthleteId: 'd3315b10-user-1', status: 'active', scopes: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    const rowText = JSON.stringify(conn);
    expect(rowText).not.toContain('garmin-access-abc');
    expect(rowText).not.toContain('garmin-refresh-xyz');
    expect(decryptSecret(conn!.accessTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('garmin-access-abc');
    expect(decryptSecret(conn!.refreshTokenEnc!, ctx.env.tokenEncryptionKey)).toBe('garmin-refresh-xyz');
    expect(conn!.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // 12 weeks of history are requested so the weekly rules have a baseline from day one.
    expect(conn!.backfillStatus).toBe('queued');
    const backfill = await ctx.deps.queues['garmin-api'].getJob(`garmin.backfill-${conn!.id}`);
    expect(backfill?.data).toEqual({ connectionId: conn!.id, days: 84 });

    // The state was single-use: replaying the callback is refused before Garmin is called.
    const replay = await callback().query({ state, code: 'auth-code-1' });
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('invalid_state');
  });

  it('without ACTIVITY_EXPORT: a page saying what to do, nothing stored', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { location, state } = await startConnect(runner.id);
    garminAnswers({ userId: 'user-no-export', permissions: ['HEALTH_EXPORT'], challenge: location.searchParams.get('code_challenge')! });
    const res = await callback().query({ state, code: 'c' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Activity sharing is switched off');
    expect(res.text).toContain('ACTIVITY_EXPORT');
    expect(res.text).toContain('/connect/garmin?link=');
    expect(await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, runner.id))).toHaveLength(0);
  });

  it('refuses a tampered, foreign or missing state with 400 and calls nobody', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const [body, mac] = state.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), r: 'someone-else' })).toString('base64url')}.${mac}`;
    for (const q of [{ state: tampered, code: 'c' }, { state: 'garbage', code: 'c' }, { code: 'c' }]) {
      const res = await callback().query(q);
      expect(res.status).toBe(400);
      expect(res.text).toContain('invalid_state');
    }
  });

  it('a denied authorisation says so; the state is spent', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { state } = await startConnect(runner.id);
    const res = await callback().query({ state, error: 'access_denied' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Garmin was not connected');
  });

  it('409 when the Garmin user is linked to another runner', async () => {
    const first = await buildRunner(ctx.deps.db);
    const second = await buildRunner(ctx.deps.db);
    for (const [runner, status] of [
      [first, 200],
      [second, 409],
    ] as const) {
      const { location, state } = await startConnect(runner.id);
      garminAnswers({ userId: 'shared-garmin-user', challenge: location.searchParams.get('code_challenge')! });
      const res = await callback().query({ state, code: 'c' });
      expect(res.status).toBe(status);
    }
    expect(await ctx.deps.db.select().from(connections).where(eq(connections.runnerId, second.id))).toHaveLength(0);
  });
});
