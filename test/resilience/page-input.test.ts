import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { painPrompts, runnerShares } from '../../src/db/schema/index.js';
import { newPromptToken } from '../../src/services/prompts/tokens.js';
import { buildRunner } from '../factories/runners.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * Hostile input a signed-in runner's browser (or anyone holding an answer link) can send to the
 * pages: malformed share ids, impossible dates, NUL bytes in form fields. Each is a 4xx page, never
 * a 500 from the database.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function signIn(runnerId: string): Promise<{ cookie: string; csrf: string }> {
  const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
  expect(link.status).toBe(201);
  const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.body.url as string).pathname);
  const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);
  const home = await request(ctx.app).get('/').set('Cookie', cookie);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1]!;
  return { cookie, csrf };
}

const UUID_SHAPED = ['------------------------------------', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '0000000-00000-0000-0000-0000000000000', 'g'.repeat(36)];

describe('share ids that are not canonical UUIDs', () => {
  it('revoking one (API and page) is a 404, never a database error', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie, csrf } = await signIn(runner.id);
    for (const bad of UUID_SHAPED) {
      const api = await request(ctx.app)
        .delete(`/v1/runners/${runner.id}/shares/${encodeURIComponent(bad)}`)
        .set(ctx.auth);
      expect([api.status, api.body.error.code], bad).toEqual([404, 'share_not_found']);
      const page = await request(ctx.app)
        .post(`/share/${encodeURIComponent(bad)}/revoke`)
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: csrf });
      expect(page.status, bad).toBe(404);
      expect(page.headers['content-type']).toMatch(/text\/html/);
    }
  });
});

describe('impossible dates on the diary page and its CSV', () => {
  it('answer 422 naming the date, not a 500; absent or empty dates still default', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie } = await signIn(runner.id);
    for (const path of ['/diary', '/diary.csv']) {
      for (const q of ['from=2026-02-31', 'to=2026-02-30', 'from=2026-13-01&to=2026-14-01', 'from=9999-99-99', 'to=yesterday', 'from=2026-01-01%00']) {
        const res = await request(ctx.app).get(`${path}?${q}`).set('Cookie', cookie);
        expect(res.status, `${path}?${q}`).toBe(422);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toContain('not a calendar date');
      }
      for (const q of ['', 'from=&to=', 'from=2026-02-28&to=2026-03-31'])
        expect((await request(ctx.app).get(`${path}?${q}`).set('Cookie', cookie)).status).toBe(200);
    }
    // the API already refused them with 422
    expect((await request(ctx.app).get(`/v1/runners/${runner.id}/diary?from=2026-02-31`).set(ctx.auth)).status).toBe(422);
  });

  it('a cadence goal start date that is not a calendar date is a 422 page naming the field, not a 500', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const { cookie, csrf } = await signIn(runner.id);
    for (const startDate of ['2026-02-31', '2026-13-01', 'soon', '']) {
      const res = await request(ctx.app).post('/cadence/goal').set('Cookie', cookie).type('form').send({ _csrf: csrf, targetPct: '5', startDate });
      expect(res.status, startDate).toBe(422);
      expect(res.text).toContain('not a calendar date');
    }
    const api = await request(ctx.app).put(`/v1/runners/${runner.id}/cadence-goal`).set(ctx.auth).send({ targetPct: 5, startDate: '2026-02-31' });
    expect(api.status).toBe(422);
  });
});

describe('NUL bytes in page form fields', () => {
  it('are refused with 400 before any handler stores them (answer page, share form, field names too)', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const t = newPromptToken(ctx.env.tokenEncryptionKey);
    await ctx.deps.db.insert(painPrompts).values({
      runnerId: runner.id,
      kind: 'rest_morning',
      status: 'sent',
      localDate: '2026-06-01',
      dueAt: new Date(Date.now() - 3600_000),
      expiresAt: new Date(Date.now() + 20 * 3600_000),
      tokenHash: t.hash,
    });
    for (const body of ['nextMorning=2&note=a%00b', 'nextMorning=2&note=a%00', 'nextMorning=2&no%00te=x', `nextMorning=2&note=a\u0000b`]) {
      const res = await request(ctx.app).post(`/p/${t.token}`).type('form').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/text\/html/);
    }
    // the prompt took no answer; a clean one still works
    const ok = await request(ctx.app).post(`/p/${t.token}`).type('form').send('nextMorning=2&note=fine');
    expect(ok.status).toBe(303);

    const { cookie, csrf } = await signIn(runner.id);
    const share = await request(ctx.app)
      .post('/share')
      .set('Cookie', cookie)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&recipient=Kari%00Nordmann&sections=diary&consent=yes&expiresInDays=30`);
    expect(share.status).toBe(400);
    expect(share.text).toContain('must not contain NUL characters');
    expect(await ctx.deps.db.select().from(runnerShares)).toHaveLength(0);
    // %2500 is a literal "%00" text, not a NUL: accepted
    const literal = await request(ctx.app)
      .post('/share')
      .set('Cookie', cookie)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&recipient=Kari%2500&sections=diary&consent=yes&expiresInDays=30`);
    expect(literal.status).toBe(200);
  });
});
