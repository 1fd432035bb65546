import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runners } from '../../src/db/schema/index.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { startTestSmtp, type TestSmtp } from '../setup/smtp.js';

let ctx: TestContext;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  ctx = await createTestContext({ SMTP_URL: smtp.url, MAIL_FROM: 'stridesync <knee@stridesync.test>', PUBLIC_URL: 'http://runner.test' });
});
afterAll(async () => {
  await ctx?.close();
  await smtp?.close();
});

describe('magic link by e-mail', () => {
  it('is e-mailed when the runner has an address, and not otherwise', async () => {
    const withMail = await buildRunner(ctx.deps.db, { name: 'Ana' });
    await ctx.deps.db.update(runners).set({ email: 'ana@example.org' }).where(eq(runners.id, withMail.id));
    const res = await request(ctx.app).post(`/v1/runners/${withMail.id}/links`).set(ctx.auth);
    expect(res.status).toBe(201);
    expect(res.body.emailed).toBe(true);
    expect(smtp.mails).toHaveLength(1);
    const token = (res.body.url as string).split('/').pop()!;
    // quoted-printable may wrap the line; the token itself is base64url and survives
    expect(smtp.mails[0]!.replace(/=\r?\n/g, '')).toContain(`http://runner.test/login/${token}`);
    expect(smtp.mails[0]).toMatch(/^To: ana@example\.org/m);

    const without = await buildRunner(ctx.deps.db);
    const res2 = await request(ctx.app).post(`/v1/runners/${without.id}/links`).set(ctx.auth);
    expect(res2.body.emailed).toBe(false);
    expect(smtp.mails).toHaveLength(1);
  });

  it('survives a mail scanner fetching the link first: only the Continue button signs in', async () => {
    const runner = await buildRunner(ctx.deps.db, { name: 'Bo' });
    await ctx.deps.db.update(runners).set({ email: 'bo@example.org' }).where(eq(runners.id, runner.id));
    const before = smtp.mails.length;
    expect((await request(ctx.app).post(`/v1/runners/${runner.id}/links`).set(ctx.auth)).status).toBe(201);
    const mail = smtp.mails[before]!.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const path = new URL(/http:\/\/runner\.test\/login\/[A-Za-z0-9_-]+/.exec(mail)![0]).pathname;

    // the scanner: a plain GET without cookies, maybe twice
    for (let i = 0; i < 2; i++) {
      const scanned = await request(ctx.app).get(path);
      expect(scanned.status).toBe(200);
      expect(scanned.text).toContain('>Continue</button>');
    }
    // the runner, later, in their own browser: the page, then its form
    const page = await request(ctx.app).get(path);
    const loginCookie = (page.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    // http PUBLIC_URL: no __Host- prefix and no Secure flag
    expect(loginCookie).toMatch(/^stridesync_login=/);
    const nonce = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const signedIn = await request(ctx.app).post(path).set('Cookie', loginCookie).set('Origin', 'http://runner.test').type('form').send({ _csrf: nonce });
    expect(signedIn.status).toBe(303);
    const session = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('stridesync_session='))!.split(';')[0]!;
    const home = await request(ctx.app).get('/').set('Cookie', session);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Bo');
  });
});
