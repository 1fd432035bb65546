import { eq } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerLinks, runnerSessions, runnerShares } from '../../src/db/schema/index.js';
import { hashToken } from '../../src/services/sessions/index.js';
import { buildRunner } from '../factories/runners.js';
import { buildStravaConnection, STRAVA_TEST_ENV, STRAVA_TEST_ORIGIN } from '../factories/strava.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV });
});
afterAll(async () => {
  await ctx?.close();
});

/**
 * Uses a magic link as its Continue form does: a POST with the login cookie and the same value in the
 * form (any matching pair passes, as with every double-submit check; the GET is tested below). One
 * request per sign-in keeps this file under the per-IP limit on opening links.
 */
function openLink(path: string): Promise<request.Response> {
  return openMagicLink(ctx.app, ctx.env.PUBLIC_URL, path);
}

async function signIn(runnerId: string): Promise<{ cookie: string; csrf: string }> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
  expect(link.status).toBe(201);
  const opened = await openLink(new URL(link.body.url as string).pathname);
  expect(opened.status).toBe(303);
  const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
  const home = await request(ctx.app).get('/').set('Cookie', cookie);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1]!;
  return { cookie, csrf };
}

describe('magic links and sessions', () => {
  it('a link shows a Continue page on GET, signs in once on its POST, sets a HttpOnly SameSite=Lax cookie and shows the home page', async () => {
    const runner = await buildRunner(ctx.deps.db, { name: 'Ana <b>' });
    const link = await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth);
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^${ctx.env.PUBLIC_URL}/login/[A-Za-z0-9_-]{43}$`));
    const expiresIn = new Date(link.body.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const token = (link.body.url as string).split('/').pop()!;
    // only the hash is stored
    const [row] = await ctx.deps.db
      .select()
      .from(runnerLinks)
      .where(eq(runnerLinks.tokenHash, hashToken(token)));
    expect(row?.runnerId).toBe(runner.id);

    // the GET only shows a Continue button (a mail scanner fetching the link does not use it up)
    const shown = await request(ctx.app).get(`/login/${token}`);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(`<form method="post" action="/login/${token}">`);
    expect(shown.text).toContain('>Continue</button>');
    const loginSetCookie = (shown.headers['set-cookie'] as unknown as string[])[0]!;
    expect(loginSetCookie).toMatch(/^__Host-stridesync_login=[A-Za-z0-9_-]+; Path=\/; Expires=.*; HttpOnly; SameSite=Strict; Secure$/);
    expect((await request(ctx.app).get(`/login/${token}`)).status).toBe(200);
    const [unused] = await ctx.deps.db
      .select()
      .from(runnerLinks)
      .where(eq(runnerLinks.tokenHash, hashToken(token)));
    expect(unused?.usedAt).toBeNull();
    const loginCookie = loginSetCookie.split(';')[0]!;
    const nonce = /name="_csrf" value="([^"]+)"/.exec(shown.text)![1]!;

    // the POST needs the login cookie and the form's matching value, and no foreign Origin
    expect((await request(ctx.app).post(`/login/${token}`).type('form').send({ _csrf: nonce })).status).toBe(403);
    expect(
      (await request(ctx.app).post(`/login/${token}`).set('Cookie', loginCookie).type('form').send({ _csrf: 'forged-value-that-is-long-enough' })).status,
    ).toBe(403);
    expect(
      (await request(ctx.app).post(`/login/${token}`).set('Cookie', loginCookie).set('Origin', 'https://evil.example').type('form').send({ _csrf: nonce }))
        .status,
    ).toBe(403);

    const opened = await request(ctx.app).post(`/login/${token}`).set('Cookie', loginCookie).type('form').send({ _csrf: nonce });
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/');
    const setCookie = (opened.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('__Host-stridesync_session='))!;
    // PUBLIC_URL is https here: the cookie is Secure and __Host- prefixed
    expect(setCookie).toMatch(/^__Host-stridesync_session=[A-Za-z0-9_-]+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax; Secure$/);
    const cookie = setCookie.split(';')[0]!;

    const home = await request(ctx.app).get('/').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Ana &lt;b&gt;');
    expect(home.text).toContain('Distance (km)');
    expect(home.headers['content-security-policy']).toContain("default-src 'self'");
    expect(home.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(home.headers['cache-control']).toBe('no-store');

    const again = await request(ctx.app).get(`/login/${token}`);
    expect(again.status).toBe(400);
    expect(again.headers['set-cookie']).toBeUndefined();
    const replay = await request(ctx.app).post(`/login/${token}`).set('Cookie', loginCookie).type('form').send({ _csrf: nonce });
    expect(replay.status).toBe(400);
    expect(replay.headers['set-cookie']).toBeUndefined();
  });

  it('expired and revoked links do not sign in; pages without a session answer 401', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const a = await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth);
    await ctx.deps.db
      .update(runnerLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(runnerLinks.runnerId, runner.id));
    expect((await request(ctx.app).get(new URL(a.body.url).pathname)).status).toBe(400);
    const b = await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth);
    expect((await request(ctx.app).delete(`/v1/runners/${runner.id}/links`).set(ctx.auth)).body).toEqual({ revoked: 1 });
    expect((await request(ctx.app).get(new URL(b.body.url).pathname)).status).toBe(400);
    const none = await request(ctx.app).get('/');
    expect(none.status).toBe(401);
    expect(none.text).toContain('sign-in link');
    expect((await request(ctx.app).get('/').set('Cookie', '__Host-stridesync_session=forged-value-that-is-long-enough')).status).toBe(401);
    expect((await request(ctx.app).post(`/v1/runners/00000000-0000-0000-0000-000000000000/links`).set(ctx.auth)).status).toBe(404);
  });

  it('every POST needs the session CSRF token; sign-out ends the session', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie, csrf } = await signIn(runner.id);
    const forged = await request(ctx.app).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: 'wrong' });
    expect(forged.status).toBe(403);
    const crossSite = await request(ctx.app).post('/logout').set('Cookie', cookie).set('Origin', 'https://evil.example').type('form').send({ _csrf: csrf });
    expect(crossSite.status).toBe(403);
    expect((await request(ctx.app).get('/').set('Cookie', cookie)).status).toBe(200);
    const out = await request(ctx.app).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(out.status).toBe(200);
    expect((await request(ctx.app).get('/').set('Cookie', cookie)).status).toBe(401);
    const [s] = await ctx.deps.db.select().from(runnerSessions).where(eq(runnerSessions.runnerId, runner.id));
    expect(s?.revokedAt).not.toBeNull();
  });
});

describe('connect page', () => {
  it('connect buttons start OAuth from the session; disconnect explains, then confirms with CSRF', async () => {
    const conn = await buildStravaConnection(ctx.deps.db, ctx.env.tokenEncryptionKey, {});
    const { cookie, csrf } = await signIn(conn.runnerId);
    const page = await request(ctx.app).get('/connect').set('Cookie', cookie);
    expect(page.text).toContain('Connected.');
    expect(page.text).toContain('Powered by Strava');
    expect(page.text).not.toContain(conn.runnerId);
    const other = await buildRunner(ctx.deps.db);
    const { cookie: otherCookie } = await signIn(other.id);
    const otherPage = await request(ctx.app).get('/connect').set('Cookie', otherCookie);
    expect(otherPage.text).toContain('href="/connect/start/strava"');
    const start = await request(ctx.app).get('/connect/start/strava').set('Cookie', otherCookie);
    expect(start.status).toBe(302);
    expect(start.headers.location).toMatch(/^https:\/\/strava\.test\/oauth\/authorize\?/);

    const confirm = await request(ctx.app).get('/connect/disconnect/strava').set('Cookie', cookie);
    expect(confirm.text).toContain('Every run we received from Strava is deleted');
    expect((await request(ctx.app).post('/connect/disconnect/strava').set('Cookie', cookie).type('form').send({})).status).toBe(403);
    const revoke = nock(STRAVA_TEST_ORIGIN).post('/oauth/revoke').reply(200, {});
    const done = await request(ctx.app).post('/connect/disconnect/strava').set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/connect?disconnected=strava');
    expect(revoke.isDone()).toBe(true);
    const after = await request(ctx.app).get(done.headers.location!).set('Cookie', cookie);
    expect(after.text).toContain('Strava is disconnected');
    expect(after.text).toContain('Not connected.');
  });
});

describe('share links', () => {
  it('need explicit consent; the share page is read-only and noindex; revoking ends it', async () => {
    const runner = await buildRunner(ctx.deps.db, { name: 'Bea' });
    const noConsent = await request(ctx.app).post(`/v1/runners/${runner.id}/shares`).set(ctx.auth).send({ recipient: 'Kari, physio' });
    expect(noConsent.status).toBe(422);
    const created = await request(ctx.app)
      .post(`/v1/runners/${runner.id}/shares`)
      .set(ctx.auth)
      .send({ recipient: 'Kari, physio', consent: true, sections: ['weeks', 'diary'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ recipient: 'Kari, physio', sections: ['diary', 'weeks'], status: 'active' });
    const path = new URL(created.body.url).pathname;
    const page = await request(ctx.app).get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Shared by Bea with <strong>Kari, physio</strong>');
    expect(page.text).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(page.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(page.text).not.toContain('<form');
    expect(page.text).not.toContain('Warnings</h2>');

    // the runner's own page lists it and can revoke it
    const { cookie, csrf } = await signIn(runner.id);
    const list = await request(ctx.app).get('/share').set('Cookie', cookie);
    expect(list.text).toContain('Kari, physio');
    const refused = await request(ctx.app).post('/share').set('Cookie', cookie).type('form').send({ _csrf: csrf, recipient: 'Ola', sections: 'diary' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('tick the consent box');
    const revoke = await request(ctx.app).post(`/share/${created.body.id}/revoke`).set('Cookie', cookie).type('form').send({ _csrf: csrf });
    expect(revoke.status).toBe(200);
    const gone = await request(ctx.app).get(path);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('withdrawn');
    const listed = await request(ctx.app).get(`/v1/runners/${runner.id}/shares`).set(ctx.auth);
    expect(listed.body.shares.map((s: { status: string }) => s.status)).toEqual(['revoked']);
  });
});

describe('dead share links', () => {
  it('an expired link answers 410 Gone with how to get a new one; an unknown token stays 404', async () => {
    const runner = await buildRunner(ctx.deps.db, { name: 'Cleo' });
    const created = await request(ctx.app)
      .post(`/v1/runners/${runner.id}/shares`)
      .set(ctx.auth)
      .send({ recipient: 'Per, physio', consent: true, sections: ['weeks'] });
    expect(created.status).toBe(201);
    await ctx.deps.db
      .update(runnerShares)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(runnerShares.id, created.body.id));
    const expired = await request(ctx.app).get(new URL(created.body.url).pathname);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This share link has expired');
    expect(expired.text).toContain('ask the runner for a new link');
    expect(expired.text).not.toContain('Cleo');
    expect(expired.headers['x-robots-tag']).toBe('noindex, nofollow');
    const unknown = await request(ctx.app).get('/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link does not work');
  });
});

describe('diary CSV', () => {
  it('downloads the diary with stable columns for the signed-in runner only', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie } = await signIn(runner.id);
    const csv = await request(ctx.app).get('/diary.csv?from=2026-01-01&to=2026-02-01').set('Cookie', cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe(
      'date,distance_km,moving_time_min,pace_min_per_km,descent_m,cadence_spm,pain_during_0_10,settled_after_min,next_morning_0_10,next_morning_vs_yesterday,calf_during_0_10,light,note,source',
    );
  });
});
