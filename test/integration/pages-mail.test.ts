import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runners } from '../../src/db/schema/index.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
const mails: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, cb) {
    let raw = '';
    stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    stream.on('end', () => {
      mails.push(raw);
      cb();
    });
  },
});

beforeAll(async () => {
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  ctx = await createTestContext({ SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, MAIL_FROM: 'stridesync <knee@stridesync.test>', PUBLIC_URL: 'http://runner.test' });
});
afterAll(async () => {
  await ctx?.close();
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe('magic link by e-mail', () => {
  it('is e-mailed when the runner has an address, and not otherwise', async () => {
    const withMail = await buildRunner(ctx.deps.db, { name: 'Ana' });
    await ctx.deps.db.update(runners).set({ email: 'ana@example.org' }).where(eq(runners.id, withMail.id));
    const res = await request(ctx.app).post(`/v1/runners/${withMail.id}/links`).set(ctx.auth);
    expect(res.status).toBe(201);
    expect(res.body.emailed).toBe(true);
    expect(mails).toHaveLength(1);
    const token = (res.body.url as string).split('/').pop()!;
    // quoted-printable may wrap the line; the token itself is base64url and survives
    expect(mails[0]!.replace(/=\r?\n/g, '')).toContain(`http://runner.test/login/${token}`);
    expect(mails[0]).toMatch(/^To: ana@example\.org/m);

    const without = await buildRunner(ctx.deps.db);
    const res2 = await request(ctx.app).post(`/v1/runners/${without.id}/links`).set(ctx.auth);
    expect(res2.body.emailed).toBe(false);
    expect(mails).toHaveLength(1);
  });
});
