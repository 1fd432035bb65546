import { connect, type AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from '../../src/cli/keys.js';
import { apiKeys } from '../../src/db/schema/index.js';
import { createApp } from '../../src/http/app.js';
import { hashApiKeySecret, parseApiKey } from '../../src/lib/api-keys.js';
import { createApiKey, type ApiKeyView } from '../../src/services/api-keys.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, TEST_API_KEY, type TestContext } from '../setup/context.js';
import { captureIo, runCli } from '../setup/cli.js';

let ctx: TestContext;
let clock = new Date('2026-03-02T08:00:00Z');

beforeAll(async () => {
  ctx = await createTestContext({ RATE_LIMIT_AUTH_FAILURES_PER_MIN: '0' }, { now: () => clock });
});
afterAll(async () => {
  await ctx?.close();
});

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const basic = (key: string) => ({ Authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` });

describe('stridesync keys create / list / revoke', () => {
  it('the command line prints a new key once; only its hash is stored; list never shows it; revoke by name stops it at once', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const created = await runCli(ctx, ['keys', 'create', '--name', 'physio-app', '--scope', 'runner', '--runner', runner.id, '--read-only']);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.split('\n').find((l) => l.startsWith('ssk_'))!;
    const parsed = parseApiKey(key)!;
    expect(parsed).not.toBeNull();
    expect(created.stdout).toContain(`created API key "physio-app" (runner ${runner.id}, read-only), id ${parsed.id}`);
    expect(created.stderr).toMatch(/only time the key is shown/);

    const [row] = await ctx.deps.db.select().from(apiKeys).where(eq(apiKeys.id, parsed.id));
    expect(row).toMatchObject({ name: 'physio-app', scope: 'runner', runnerId: runner.id, readOnly: true, secretHash: hashApiKeySecret(parsed.secret) });
    expect(JSON.stringify(row)).not.toContain(parsed.secret);

    expect((await request(ctx.app).get(`/v1/runners/${runner.id}`).set(bearer(key))).status).toBe(200);

    const listed = await runCli(ctx, ['keys', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/physio-app\s+runner \(read-only\)/);
    expect(listed.stdout).toContain(runner.id);
    expect(listed.stdout).not.toContain(parsed.secret);

    const revoked = await runCli(ctx, ['keys', 'revoke', 'physio-app']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked API key "physio-app" (${parsed.id})`);
    const res = await request(ctx.app).get(`/v1/runners/${runner.id}`).set(bearer(key));
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('API key revoked');
  }, 60_000);

  it('list --json gives name, scope, runner, created, last used and revoked, never a secret or hash; revoke takes an id too', async () => {
    const c = captureIo();
    expect(await keysCreateCommand.run(ctx.deps, ['--name', 'metrics-scraper', '--scope', 'operator', '--json'], c.io)).toBe(0);
    const made = JSON.parse(c.out[0]!) as ApiKeyView & { key: string };
    expect(made.key).toMatch(/^ssk_/);

    const l = captureIo();
    expect(await keysListCommand.run(ctx.deps, ['--json'], l.io)).toBe(0);
    const views = JSON.parse(l.out[0]!) as Array<Record<string, unknown>>;
    const mine = views.find((v) => v.name === 'metrics-scraper')!;
    expect(Object.keys(mine).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'readOnly', 'revokedAt', 'runnerId', 'scope']);
    expect(mine).toMatchObject({ scope: 'operator', runnerId: null, lastUsedAt: null, revokedAt: null });
    expect(l.out[0]).not.toContain(parseApiKey(made.key)!.secret);
    expect(l.out[0]).not.toContain(hashApiKeySecret(parseApiKey(made.key)!.secret));

    const r = captureIo();
    expect(await keysRevokeCommand.run(ctx.deps, [made.id, '--json'], r.io)).toBe(0);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ id: made.id, revokedAt: clock.toISOString() });
    // revoking again changes nothing
    const later = new Date(clock.getTime() + 5000);
    clock = later;
    const again = captureIo();
    expect(await keysRevokeCommand.run(ctx.deps, ['metrics-scraper', '--json'], again.io)).toBe(0);
    expect(JSON.parse(again.out[0]!).revokedAt).toBe(JSON.parse(r.out[0]!).revokedAt);
  });

  it('refuses bad input with a clear message: missing runner, a runner for a non-runner scope, unknown scope or runner, taken name, unknown key', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await expect(createApiKey(ctx.deps, { name: 'x1', scope: 'runner' })).rejects.toThrow(/needs the runner/);
    await expect(createApiKey(ctx.deps, { name: 'x2', scope: 'read', runnerId: runner.id })).rejects.toThrow(/only a runner key is bound/);
    await expect(createApiKey(ctx.deps, { name: 'x3', scope: 'read', readOnly: true })).rejects.toThrow(/always read-only/);
    await expect(createApiKey(ctx.deps, { name: 'x4', scope: 'admin' })).rejects.toThrow(/scope: one of operator, read, runner/);
    await expect(createApiKey(ctx.deps, { name: 'x5', scope: 'runner', runnerId: '6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(createApiKey(ctx.deps, { name: '', scope: 'operator' })).rejects.toThrow(/name:/);
    await createApiKey(ctx.deps, { name: 'twice', scope: 'read' });
    await expect(createApiKey(ctx.deps, { name: 'twice', scope: 'operator' })).rejects.toMatchObject({ status: 409, code: 'api_key_name_taken' });
    const c = captureIo();
    await expect(keysRevokeCommand.run(ctx.deps, ['no-such-key'], c.io)).rejects.toMatchObject({ status: 404, code: 'api_key_not_found' });
    expect(await keysCreateCommand.run(ctx.deps, ['--name', 'n'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--scope operator\|read\|runner/);
  });
});

describe('using a database key', () => {
  it('records its last use at most once a minute', async () => {
    const { key, view } = await createApiKey(ctx.deps, { name: 'busy-client', scope: 'read' });
    const lastUsed = async () => (await ctx.deps.db.select().from(apiKeys).where(eq(apiKeys.id, view.id)))[0]!.lastUsedAt?.toISOString() ?? null;
    const start = clock.getTime();
    const at = (ms: number) => (clock = new Date(start + ms));

    expect(await lastUsed()).toBeNull();
    at(0);
    expect((await request(ctx.app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa').set(bearer(key))).status).toBe(404);
    expect(await lastUsed()).toBe(new Date(start).toISOString());
    at(59_000);
    await request(ctx.app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa').set(bearer(key));
    expect(await lastUsed()).toBe(new Date(start).toISOString());
    at(61_000);
    await request(ctx.app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa').set(bearer(key));
    expect(await lastUsed()).toBe(new Date(start + 61_000).toISOString());
  });

  it('a wrong secret with a real key id is refused like any wrong key', async () => {
    const { key } = await createApiKey(ctx.deps, { name: 'guessed', scope: 'operator' });
    const parsed = parseApiKey(key)!;
    const wrong = `ssk_${parsed.id}_${'A'.repeat(43)}`;
    const res = await request(ctx.app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa').set(bearer(wrong));
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('invalid API key');
  });

  it('the request’s log line names the key (never the key itself)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const app = createApp({ ...ctx.deps, log });
    const { key } = await createApiKey(ctx.deps, { name: 'coach-portal', scope: 'read' });
    await request(app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000aa').set(bearer(key));
    await request(app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000ab').set(bearer(TEST_API_KEY));
    await request(app).get('/v1/runners/6f1c1a4e-2b9f-4c1e-9d7a-0000000000ac').set(bearer('wrong'));
    const byUrl = (id: string) => lines.map((l) => JSON.parse(l) as { req?: { url: string }; apiKey?: string }).find((l) => l.req?.url.endsWith(id))!;
    expect(byUrl('0000000000aa').apiKey).toBe('coach-portal');
    expect(byUrl('0000000000ab').apiKey).toBe('env:1');
    expect(byUrl('0000000000ac').apiKey).toBeUndefined();
    expect(lines.join('\n')).not.toContain(parseApiKey(key)!.secret);
    expect(lines.join('\n')).not.toContain(TEST_API_KEY);
  });
});

describe('runner keys and the request target', () => {
  it('judge the path express routes by, also for an absolute-form request target', async () => {
    const a = await buildRunner(ctx.deps.db);
    const b = await buildRunner(ctx.deps.db, { name: 'Bo Absolute' });
    const { key } = await createApiKey(ctx.deps, { name: 'absolute-a', scope: 'runner', runnerId: a.id });
    const server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    // a raw socket, so the request line carries the absolute URL as written
    const get = (target: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`),
        );
        let raw = '';
        socket.on('data', (d: Buffer) => (raw += d.toString()));
        socket.on('error', reject);
        socket.on('end', () => {
          const [head = '', ...rest] = raw.split('\r\n\r\n');
          const body = rest.join('\r\n\r\n');
          const chunked = /transfer-encoding: chunked/i.test(head);
          resolve({
            status: Number(head.split(' ')[1]),
            body: chunked
              ? body
                  .replace(/^[0-9a-f]+\r\n/, '')
                  .replace(/\r\n0\r\n$/, '')
                  .replace(/\r\n0\r\n\r\n$/, '')
              : body,
          });
        });
      });
    try {
      const own = await get(`http://127.0.0.1:${port}/v1/runners/${a.id}`);
      expect(own.status, own.body).toBe(200);
      const other = await get(`http://127.0.0.1:${port}/v1/runners/${b.id}`);
      expect(other.status).toBe(404);
      expect(other.body).not.toContain('Bo Absolute');
      expect(JSON.parse(other.body).error.code).toBe('runner_not_found');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('operator routes (/metrics, /admin/queues)', () => {
  it('accept an operator key from the database (Bearer, or Basic for a browser), and refuse read and runner keys', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const operator = (await createApiKey(ctx.deps, { name: 'grafana', scope: 'operator' })).key;
    const read = (await createApiKey(ctx.deps, { name: 'reader', scope: 'read' })).key;
    const bound = (await createApiKey(ctx.deps, { name: 'runner-app', scope: 'runner', runnerId: runner.id })).key;
    for (const path of ['/metrics', '/admin/queues']) {
      for (const auth of [bearer(operator), basic(operator), bearer(TEST_API_KEY), basic(TEST_API_KEY)])
        expect((await request(ctx.app).get(path).set(auth)).status, `${path} ${auth.Authorization.slice(0, 12)}`).toBe(200);
      for (const auth of [bearer(read), basic(read), bearer(bound), basic(bound)]) {
        const res = await request(ctx.app).get(path).set(auth);
        expect(res.status, path).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      }
    }
  });
});
