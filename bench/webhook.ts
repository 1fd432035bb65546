import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import { HAS_FIXTURES, readStravaJson } from '../test/fixtures.js';
import { fmt, nextMessage, startBenchService } from './scratch.js';

/**
 * Webhook ingress: autocannon against POST /webhooks/strava of the real app (zod validation, inbox
 * INSERT in Postgres, BullMQ enqueue, 200) and, in the same run, against a bare express route that
 * answers 200, both on loopback with 100 connections for ~10 s each. Every request is a distinct
 * event (object_id and event_time vary), so each one is a new inbox row; afterwards the inbox is
 * counted against the 2xx answers: nothing acknowledged may be lost.
 *
 * The servers run in a child process (this file with `--serve`), so autocannon does not share their
 * event loop. Targets (issue 4): ≥ 50 % of the bare route's req/s, p99 < 50 ms.
 */

const CONNECTIONS = 100;
const DURATION_S = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const SUBSCRIPTION_ID = 120475;
const WARMUP_REQUESTS = 3_000;

type ChildMessage = { ready: { appPort: number; barePort: number } } | { inboxRows: number } | { stopped: true };

function eventBodies(): { base: Record<string, unknown>; real: boolean } {
  if (HAS_FIXTURES) return { base: readStravaJson<Record<string, unknown>>('webhook_event_activity_update_title.json'), real: true };
  return {
    base: {
      aspect_type: 'update',
      event_time: 1516126040,
      object_id: 1360128428,
      object_type: 'activity',
      owner_id: 134815,
      subscription_id: SUBSCRIPTION_ID,
      updates: { title: 'Messy' },
    },
    real: false,
  };
}

async function serve(): Promise<void> {
  const svc = await startBenchService('webhook', {
    env: {
      STRAVA_CLIENT_ID: '1',
      STRAVA_CLIENT_SECRET: 'bench',
      STRAVA_VERIFY_TOKEN: 'bench',
      STRAVA_SUBSCRIPTION_ID: String(SUBSCRIPTION_ID),
      // one client stands in for all of Strava's senders: the limiter runs (its Redis round trip is
      // part of the cost measured) but never refuses
      RATE_LIMIT_WEBHOOKS_PER_MIN: '100000000',
    },
    listen: true,
  });
  const { scratch } = svc;
  const bare = express();
  bare.post('/webhooks/strava', (_req, res) => {
    res.sendStatus(200);
  });
  const bareServer = bare.listen(0, '127.0.0.1');
  await new Promise((r) => bareServer.once('listening', r));
  process.send!({
    ready: { appPort: (svc.server!.address() as AddressInfo).port, barePort: (bareServer.address() as AddressInfo).port },
  } satisfies ChildMessage);

  process.on('message', async (msg: 'count' | 'stop') => {
    if (msg === 'count') {
      const { rows } = await scratch.pool.query<{ n: number }>(`select count(*)::int as n from webhook_events`);
      process.send!({ inboxRows: rows[0]!.n } satisfies ChildMessage);
      return;
    }
    bareServer.close();
    await svc.close();
    process.send!({ stopped: true } satisfies ChildMessage, () => process.exit(0));
  });
}

/** The child's next message with `key` (typed with this file's messages). */
const nextOf = <K extends string>(child: ChildProcess, key: K) => nextMessage<ChildMessage, K>(child, key);

/**
 * A short warm-up measures the rate, then the run sends a fixed number of requests (~DURATION_S at
 * that rate): with `amount` autocannon waits for every answer, so 2xx can be compared with the inbox
 * exactly (a timed run abandons the requests in flight when the clock stops).
 */
async function cannon(
  port: number,
  body: (i: number) => string,
  next: { i: number },
  afterWarmup: () => Promise<void> = async () => undefined,
): Promise<autocannon.Result> {
  const opts = (o: { duration?: number; amount?: number }) => ({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...o,
    requests: [
      {
        method: 'POST' as const,
        path: '/webhooks/strava',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: object) => ({ ...req, body: body(next.i++) }),
      },
    ],
  });
  // Two warm-ups: the first pays for cold caches and JIT, the second measures the rate.
  await autocannon(opts({ amount: WARMUP_REQUESTS }));
  const warm = await autocannon(opts({ amount: WARMUP_REQUESTS }));
  const rate = warm.requests.total / Math.max(0.001, warm.duration);
  await afterWarmup();
  return autocannon(opts({ amount: Math.max(CONNECTIONS * 10, Math.round(rate * DURATION_S)) }));
}

export async function benchWebhook(): Promise<Record<string, unknown>> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { ready } = await nextOf(child, 'ready');
    const { base, real } = eventBodies();
    const baseTime = Number(base.event_time);
    const baseId = 20_000_000_000;
    const event = (i: number) =>
      JSON.stringify({
        ...base,
        subscription_id: SUBSCRIPTION_ID,
        aspect_type: i % 2 ? 'update' : 'create',
        updates: i % 2 ? base.updates : {},
        object_id: baseId + i,
        event_time: baseTime + i,
      });

    const countInbox = async () => {
      child.send('count');
      return (await nextOf(child, 'inboxRows')).inboxRows;
    };
    const bare = await cannon(ready.barePort, event, { i: 0 });
    // the webhook warm-up writes rows too: count only the measured run
    let before = 0;
    const hook = await cannon(ready.appPort, event, { i: 0 }, async () => {
      before = await countInbox();
    });
    const inboxRows = (await countInbox()) - before;

    // Throughput over the whole measured run (autocannon's requests.average is a mean of whole-second
    // buckets, coarse for runs of a few seconds).
    const rps = (r: autocannon.Result) => r.requests.total / Math.max(0.001, r.duration);
    const ratio = rps(hook) / rps(bare);
    const lost = hook['2xx'] - inboxRows;
    const result = {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      realEventBodies: real,
      bare: { reqPerS: rps(bare), p99Ms: bare.latency.p99, non2xx: bare.non2xx, errors: bare.errors },
      webhook: { reqPerS: rps(hook), p99Ms: hook.latency.p99, ok2xx: hook['2xx'], non2xx: hook.non2xx, errors: hook.errors, timeouts: hook.timeouts },
      ratio,
      inboxRows,
      lost,
      targets: { ratioAtLeast50Pct: ratio >= 0.5, p99Below50Ms: hook.latency.p99 < 50, zeroLost: lost === 0 && hook.non2xx === 0 },
    };
    console.log(
      `webhook ingress (${CONNECTIONS} connections, ${DURATION_S} s each, ${real ? 'fixture' : 'synthetic'} event bodies):\n` +
        `  bare express route : ${fmt(rps(bare), 0)} req/s, p99 ${bare.latency.p99} ms\n` +
        `  POST /webhooks/strava: ${fmt(rps(hook), 0)} req/s, p99 ${hook.latency.p99} ms (inbox INSERT + enqueue)\n` +
        `  ratio ${fmt(ratio * 100, 1)} % (target ≥ 50 %), p99 target < 50 ms: ${hook.latency.p99 < 50 ? 'met' : 'MISSED'}\n` +
        `  2xx ${hook['2xx']}, non-2xx ${hook.non2xx}, errors ${hook.errors}, inbox rows ${inboxRows}: ${lost === 0 && hook.non2xx === 0 ? 'zero lost' : `${lost} LOST`}`,
    );
    return result;
  } finally {
    if (child.connected) {
      child.send('stop');
      await nextOf(child, 'stopped').catch(() => undefined);
    }
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchWebhook();
}
