import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runnerSessions, runnerShares } from '../../src/db/schema/index.js';
import { loginCookieName } from '../../src/http/pages/login.js';
import { buildRunner } from '../factories/runners.js';
import { sessionCookieOf } from '../setup/sign-in.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * Ending sessions as a whole: the idle timeout beside the 30-day lifetime, "sign out everywhere" from
 * the Devices page and through the API, and the share links made from other devices withdrawn with it.
 */

const FIREFOX_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let ctx: TestContext;
/** the app's clock; tests move it forward */
let clock = new Date();
const IDLE_MIN = 60;

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: 'http://runner.test', SESSION_IDLE_TIMEOUT_MIN: String(IDLE_MIN) }, { now: () => clock });
});
afterAll(async () => {
  await ctx?.close();
});
// every test signs in several times and opens share links from one address: start each under the per-IP page limits
beforeEach(async () => {
  const keys = await ctx.deps.redis.keys(`${ctx.env.REDIS_PREFIX}:rl:*`);
  if (keys.length) await ctx.deps.redis.del(...keys);
});

const minutes = (n: number) => n * 60_000;

interface Browser {
  cookie: string;
  csrf: string;
  sessionId: string;
}

/** A sign-in from a browser with this User-Agent: the link, its Continue POST, then the home page for the CSRF token. */
async function signIn(runnerId: string, userAgent: string): Promise<Browser> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
  expect(link.status).toBe(201);
  const nonce = 'test-login-nonce-0123456789abcdef';
  const opened = await request(ctx.app)
    .post(new URL(link.body.url as string).pathname)
    .set('User-Agent', userAgent)
    .set('Cookie', `${loginCookieName(ctx.env.PUBLIC_URL)}=${nonce}`)
    .type('form')
    .send({ _csrf: nonce });
  expect(opened.status).toBe(303);
  const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
  const home = await request(ctx.app).get('/').set('Cookie', cookie);
  expect(home.status).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1]!;
  const [row] = await ctx.deps.db.select().from(runnerSessions).where(eq(runnerSessions.csrfToken, csrf));
  return { cookie, csrf, sessionId: row!.id };
}

async function shareFromPage(b: Browser, recipient: string): Promise<string> {
  const res = await request(ctx.app)
    .post('/share')
    .set('Cookie', b.cookie)
    .type('form')
    .send({ _csrf: b.csrf, recipient, sections: ['diary'], expiresInDays: '30', consent: 'yes' });
  expect(res.status).toBe(200);
  return new URL(/value="(http:\/\/runner\.test\/s\/[A-Za-z0-9_-]+)"/.exec(res.text)![1]!).pathname;
}

async function shareFromApi(runnerId: string, recipient: string): Promise<string> {
  const res = await request(ctx.app)
    .post(`/v1/runners/${runnerId}/shares`)
    .set(ctx.auth)
    .send({ recipient, sections: ['diary'], consent: true });
  expect(res.status).toBe(201);
  return new URL(res.body.url as string).pathname;
}

const signedIn = async (b: Browser) => (await request(ctx.app).get('/').set('Cookie', b.cookie)).status === 200;

describe('idle timeout', () => {
  it('ends a session unused for SESSION_IDLE_TIMEOUT_MIN, writes "last seen" at most every few minutes, and keeps a used one alive', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const b = await signIn(runner.id, FIREFOX_ANDROID);
    const lastSeen = async () => (await ctx.deps.db.select().from(runnerSessions).where(eq(runnerSessions.id, b.sessionId)))[0]!.lastSeenAt.getTime();
    const t0 = clock.getTime();
    expect(await lastSeen()).toBe(t0);

    // a page view 4 minutes later is not a write
    clock = new Date(t0 + minutes(4));
    expect(await signedIn(b)).toBe(true);
    expect(await lastSeen()).toBe(t0);
    // after 5 minutes it is
    clock = new Date(t0 + minutes(6));
    expect(await signedIn(b)).toBe(true);
    expect(await lastSeen()).toBe(t0 + minutes(6));
    // used again within the idle timeout: still signed in, and seen again
    clock = new Date(t0 + minutes(6 + IDLE_MIN - 1));
    expect(await signedIn(b)).toBe(true);
    expect(await lastSeen()).toBe(t0 + minutes(6 + IDLE_MIN - 1));
    const listed = await request(ctx.app).get(`/v1/runners/${runner.id}/sessions`).set(ctx.auth);
    expect(listed.body.sessions.map((s: { id: string }) => s.id)).toEqual([b.sessionId]);

    // unused for longer than the idle timeout: refused like an expired session, long before its 30 days
    clock = new Date(t0 + minutes(6 + IDLE_MIN - 1 + IDLE_MIN + 1));
    const refused = await request(ctx.app).get('/').set('Cookie', b.cookie);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Please open your sign-in link');
    const post = await request(ctx.app).post('/logout').set('Cookie', b.cookie).type('form').send({ _csrf: b.csrf });
    expect(post.status).toBe(401);
    expect((await request(ctx.app).get(`/v1/runners/${runner.id}/sessions`).set(ctx.auth)).body.sessions).toEqual([]);
    // the session row was not revoked: it is the idle rule that refuses it
    const [row] = await ctx.deps.db.select().from(runnerSessions).where(eq(runnerSessions.id, b.sessionId));
    expect(row!.revokedAt).toBeNull();
    expect(row!.expiresAt.getTime()).toBeGreaterThan(clock.getTime());
  });

  it('refuses a session whose last use, edited in the database, is older than the timeout', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const b = await signIn(runner.id, SAFARI_IPHONE);
    await ctx.deps.db
      .update(runnerSessions)
      .set({ lastSeenAt: new Date(clock.getTime() - minutes(IDLE_MIN) + 30_000) })
      .where(eq(runnerSessions.id, b.sessionId));
    expect(await signedIn(b)).toBe(true);
    await ctx.deps.db
      .update(runnerSessions)
      .set({ lastSeenAt: new Date(clock.getTime() - minutes(IDLE_MIN) - 1_000) })
      .where(eq(runnerSessions.id, b.sessionId));
    expect(await signedIn(b)).toBe(false);
  });
});

describe('sign out everywhere on the Devices page', () => {
  it('shows a form POST with the CSRF token and the checkbox, listing the devices and the links made from other devices', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const phone = await signIn(runner.id, FIREFOX_ANDROID);
    const other = await signIn(runner.id, SAFARI_IPHONE);
    await shareFromPage(other, 'Kari Other-Device');
    await shareFromPage(phone, 'Ola This-Device');

    const home = await request(ctx.app).get('/').set('Cookie', phone.cookie);
    expect(home.text).toContain('<a href="/sessions">Devices</a>');
    const page = await request(ctx.app).get('/sessions').set('Cookie', phone.cookie);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    const form = /<form method="post" action="\/sessions\/revoke">([\s\S]*?)<\/form>/.exec(page.text)?.[1];
    expect(form, 'the sign-out-everywhere form').toBeDefined();
    expect(form).toContain(`<input type="hidden" name="_csrf" value="${phone.csrf}">`);
    expect(form).toMatch(/<input type="checkbox" id="withdraw-shares" name="withdrawShares" value="yes"[^>]*>/);
    expect(form).toContain('<label for="withdraw-shares" class="inline">Also withdraw links created from other devices</label>');
    expect(form).toContain('<button type="submit">Sign out everywhere</button>');
    expect(form).toContain('Kari Other-Device');
    expect(form).not.toContain('Ola This-Device');
    expect(page.text).not.toMatch(/<script(?![^>]*src="\/assets\/)/);
    expect(page.text).toContain('Firefox on Android</strong> (this device)');
    expect(page.text).toContain('Safari on iPhone</strong>');
  });

  it('refuses the POST without the session’s CSRF token, changing nothing', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const b = await signIn(runner.id, FIREFOX_ANDROID);
    const refused = await request(ctx.app).post('/sessions/revoke').set('Cookie', b.cookie).type('form').send({ withdrawShares: 'yes' });
    expect(refused.status).toBe(403);
    const foreign = await request(ctx.app)
      .post('/sessions/revoke')
      .set('Cookie', b.cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ _csrf: b.csrf });
    expect(foreign.status).toBe(403);
    expect(await signedIn(b)).toBe(true);
  });

  it('ends every session, the current one included, and with the box ticked withdraws only the links made from other devices', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const phone = await signIn(runner.id, FIREFOX_ANDROID);
    const other = await signIn(runner.id, SAFARI_IPHONE);
    const otherLink = await shareFromPage(other, 'Kari Other-Device');
    const ownLink = await shareFromPage(phone, 'Ola This-Device');
    const apiLink = await shareFromApi(runner.id, 'Per Api-Made');

    const res = await request(ctx.app).post('/sessions/revoke').set('Cookie', phone.cookie).type('form').send({ _csrf: phone.csrf, withdrawShares: 'yes' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('You are signed out everywhere');
    expect(res.text).toContain('(2 in all)');
    expect(res.text).toContain('One share link created from other devices was withdrawn.');
    const cleared = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cleared.some((c) => c.startsWith('stridesync_session=;') && c.includes('Expires=Thu, 01 Jan 1970'))).toBe(true);

    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(other)).toBe(false);
    const rows = await ctx.deps.db.select().from(runnerSessions).where(eq(runnerSessions.runnerId, runner.id));
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);

    expect((await request(ctx.app).get(otherLink)).status).toBe(410);
    expect((await request(ctx.app).get(ownLink)).status).toBe(200);
    expect((await request(ctx.app).get(apiLink)).status).toBe(200);
  });

  it('without the box ticked, every link stays', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const phone = await signIn(runner.id, FIREFOX_ANDROID);
    const other = await signIn(runner.id, SAFARI_IPHONE);
    const otherLink = await shareFromPage(other, 'Kari Other-Device');
    const res = await request(ctx.app).post('/sessions/revoke').set('Cookie', phone.cookie).type('form').send({ _csrf: phone.csrf });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('withdrawn');
    expect(await signedIn(other)).toBe(false);
    expect((await request(ctx.app).get(otherLink)).status).toBe(200);
  });
});

describe('sign out everywhere through the API', () => {
  it('ends every session and, when asked, withdraws the links made on the pages but not those made through the API', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db);
    const someoneElse = await buildRunner(ctx.deps.db);
    const phone = await signIn(runner.id, FIREFOX_ANDROID);
    const other = await signIn(runner.id, SAFARI_IPHONE);
    const bystander = await signIn(someoneElse.id, FIREFOX_ANDROID);
    const pageLinks = [await shareFromPage(phone, 'Ola Page-One'), await shareFromPage(other, 'Kari Page-Two')];
    const apiLink = await shareFromApi(runner.id, 'Per Api-Made');
    const bystanderLink = await shareFromPage(bystander, 'Eva Bystander');

    const listed = await request(ctx.app).get(`/v1/runners/${runner.id}/sessions`).set(ctx.auth);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.map((s: { device: string }) => s.device).sort()).toEqual(['Firefox on Android', 'Safari on iPhone']);

    const unused = await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth);
    expect((await request(ctx.app).get(new URL(unused.body.url as string).pathname)).status).toBe(200);
    expect((await request(ctx.app).post(`/v1/runners/${runner.id}/sessions/revoke`).set(ctx.auth).send({ withdrawShares: 'yes' })).status).toBe(422);
    expect(await signedIn(phone)).toBe(true);

    const res = await request(ctx.app).post(`/v1/runners/${runner.id}/sessions/revoke`).set(ctx.auth).send({ withdrawShares: true });
    expect(res.status).toBe(200);
    expect(res.body.sessionsEnded).toBe(2);
    expect(res.body.sharesWithdrawn).toHaveLength(2);
    // a sign-in link not used yet cannot start a new session afterwards
    expect(res.body.linksRevoked).toBe(1);
    expect((await request(ctx.app).get(new URL(unused.body.url as string).pathname)).status).toBe(400);
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(other)).toBe(false);
    for (const l of pageLinks) expect((await request(ctx.app).get(l)).status).toBe(410);
    expect((await request(ctx.app).get(apiLink)).status).toBe(200);
    // another runner's sessions and links are untouched
    expect(await signedIn(bystander)).toBe(true);
    expect((await request(ctx.app).get(bystanderLink)).status).toBe(200);

    // again: nothing left to end; no body means no withdrawal
    const again = await request(ctx.app).post(`/v1/runners/${runner.id}/sessions/revoke`).set(ctx.auth);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ sessionsEnded: 0, sharesWithdrawn: [], linksRevoked: 0 });
    expect((await request(ctx.app).get(apiLink)).status).toBe(200);
  });

  it('answers 404 for an unknown runner and 401 without the key', async () => {
    const unknown = await request(ctx.app).post('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-000000000000/sessions/revoke').set(ctx.auth).send({});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('runner_not_found');
    const runner = await buildRunner(ctx.deps.db);
    expect((await request(ctx.app).post(`/v1/runners/${runner.id}/sessions/revoke`).send({})).status).toBe(401);
  });
});

describe('each share records the session that created it', () => {
  it('the share list (API and page) says from which device and since when, or that it was made outside the pages', async () => {
    clock = new Date();
    const runner = await buildRunner(ctx.deps.db, { timezone: 'UTC' });
    const phone = await signIn(runner.id, FIREFOX_ANDROID);
    const other = await signIn(runner.id, SAFARI_IPHONE);
    await shareFromPage(other, 'Kari Other-Device');
    await shareFromPage(phone, 'Ola This-Device');
    await shareFromApi(runner.id, 'Per Api-Made');

    const stored = await ctx.deps.db.select().from(runnerShares).where(eq(runnerShares.runnerId, runner.id));
    const byRecipient = Object.fromEntries(stored.map((s) => [s.recipient, s.createdBySession]));
    expect(byRecipient).toEqual({ 'Kari Other-Device': other.sessionId, 'Ola This-Device': phone.sessionId, 'Per Api-Made': null });

    const api = await request(ctx.app).get(`/v1/runners/${runner.id}/shares`).set(ctx.auth);
    const from = Object.fromEntries((api.body.shares as Array<{ recipient: string; createdFrom: unknown }>).map((s) => [s.recipient, s.createdFrom])) as Record<
      string,
      { sessionId: string; device: string; signedInAt: string } | null
    >;
    expect(from['Per Api-Made']).toBeNull();
    expect(from['Kari Other-Device']).toMatchObject({ sessionId: other.sessionId, device: 'Safari on iPhone' });
    expect(from['Ola This-Device']).toMatchObject({ sessionId: phone.sessionId, device: 'Firefox on Android' });
    expect(Number.isNaN(Date.parse(from['Ola This-Device']!.signedInAt))).toBe(false);
    const openapi = await request(ctx.app).get('/openapi.json');
    expect(JSON.stringify(openapi.body)).toContain('/v1/runners/{runnerId}/sessions/revoke');

    const page = await request(ctx.app).get('/share').set('Cookie', phone.cookie);
    expect(page.text).toContain('Created on this device (Firefox on Android).');
    expect(page.text).toMatch(/Created from Safari on iPhone \(signed in [^)]+\)\./);
    expect(page.text).toContain('Created outside these pages.');
    expect(page.text).toContain('<a href="/sessions">Sign out everywhere</a>');
  });
});
