import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GARMIN_HOOK_SECRET, GARMIN_TEST_ENV } from '../factories/garmin.js';
import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * The Garmin webhook checks its path secret before reading the body: a compression bomb sent with a
 * wrong secret is never inflated. Measured against the app listening on loopback in this process.
 */

let ctx: TestContext;
let server: http.Server;
let port: number;
beforeAll(async () => {
  ctx = await createTestContext(GARMIN_TEST_ENV);
  server = ctx.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await ctx?.close();
});

/** gzip of `mb` MiB of zeros, built from one reused 1 MiB chunk (the test itself never holds the inflated size). */
async function gzipBomb(mb: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const zero = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) if (!gz.write(zero)) await once(gz, 'drain');
  gz.end();
  await once(gz, 'end');
  return Buffer.concat(chunks);
}

function post(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    req.end(body);
  });
}

describe('Garmin webhook with a wrong secret and a compression bomb', () => {
  it('answers 404 without echoing the secret, and costs no memory (10 bombs of 128 MiB inflated)', async () => {
    const bomb = await gzipBomb(128);
    expect(bomb.length).toBeLessThan(1 << 20);
    const guess = 'wrong-secret-guess-123';
    // warm up the route once, then measure
    await post(`/webhooks/garmin/${guess}/activity-files`, bomb);
    const before = process.memoryUsage();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await post(`/webhooks/garmin/${guess}-${i}/activity-files`, bomb));
    const after = process.memoryUsage();
    const rssMb = (after.rss - before.rss) / 2 ** 20;
    const heapMb = (after.heapUsed - before.heapUsed) / 2 ** 20;
    const externalMb = (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / 2 ** 20;
    console.log(
      `garmin wrong-secret bombs: 10 × ${(bomb.length / 1024).toFixed(0)} KiB gzip (128 MiB inflated) → RSS ${rssMb >= 0 ? '+' : ''}${rssMb.toFixed(1)} MiB, heap ${heapMb >= 0 ? '+' : ''}${heapMb.toFixed(1)} MiB, external ${externalMb.toFixed(1)} MiB`,
    );
    for (const [i, a] of answers.entries()) {
      expect(a.status).toBe(404);
      expect(JSON.parse(a.text).error.code).toBe('route_not_found');
      expect(a.text).not.toContain(`${guess}-${i}`);
    }
    // Inflating even one bomb would add 128 MiB.
    expect(rssMb).toBeLessThan(48);
    expect(heapMb).toBeLessThan(24);
  });

  it('answers before the body has been sent: the server never waits to read it', async () => {
    const declared = 50 * 2 ** 20;
    const res = await new Promise<{ status: number; sentBytes: number }>((resolve, reject) => {
      let sent = 0;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhooks/garmin/not-the-secret/activity-files',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(declared) },
        },
        (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, sentBytes: sent });
          req.destroy();
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      req.write(chunk);
      sent += chunk.length;
      // the rest of the 50 MiB is never sent: an answer can only come from a server that did not wait for it
    });
    expect(res.status).toBe(404);
    expect(res.sentBytes).toBeLessThan(declared);
  });

  it('with the right secret the same bomb is cut off at the body limit (413), not inflated without bound', async () => {
    const bomb = await gzipBomb(128);
    const res = await post(`/webhooks/garmin/${GARMIN_HOOK_SECRET}/activity-files`, bomb);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('body_too_large');
  });
});
