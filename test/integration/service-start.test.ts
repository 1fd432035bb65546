import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/db/client.js';
import { createRedis } from '../../src/lib/redis.js';
import { ADMIN_URL, TEST_DB_PREFIX, TEST_REDIS_URL, databaseUrl } from '../setup/pg-urls.js';

const run = promisify(execFile);
const dbName = `${TEST_DB_PREFIX}${process.pid}_start_${randomBytes(3).toString('hex')}`;
const redisPrefix = `t-start-${randomBytes(3).toString('hex')}`;
const TSX = 'node_modules/.bin/tsx';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

afterAll(async () => {
  const redis = createRedis(TEST_REDIS_URL);
  const keys = await redis.keys(`${redisPrefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`drop database if exists ${quoteIdent(dbName)} with (force)`);
  await c.end();
});

describe('the service process', () => {
  it('creates its database, migrates, serves /health, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl(dbName),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      PORT: String(port),
      API_KEYS: 'start-key',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      STRAVA_CLIENT_ID: '',
      LOG_LEVEL: 'info',
    };
    const child = spawn(TSX, ['src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!logs.includes('"listening"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(logs).toContain('"msg":"migrations applied"');
      expect(logs).toContain('"msg":"listening"');
      expect(logs).toMatch(/"strava":"off/);

      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });

      const cli = await run(TSX, ['src/cli/main.ts', 'runners', 'create', '--name', 'Ana', '--timezone', 'Europe/Oslo', '--json'], { env });
      const { id } = JSON.parse(cli.stdout) as { id: string };
      const runner = await fetch(`http://127.0.0.1:${port}/v1/runners/${id}`, { headers: { authorization: 'Bearer start-key' } });
      expect(runner.status).toBe(200);
      expect(((await runner.json()) as { name: string }).name).toBe('Ana');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(logs).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('stops with one line naming a bad variable', async () => {
    const err = await run(TSX, ['src/cli/main.ts', 'migrate'], { env: { ...process.env, PORT: 'eighty' } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toMatch(/^stridesync: invalid configuration: PORT: /);
  });
});
