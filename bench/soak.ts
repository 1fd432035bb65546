import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { createFitDecoderPool } from '../src/fit/decode-pool.js';
import { buildSyntheticRunFit } from '../src/fit/synthetic.js';
import { createRunner } from '../src/services/runners.js';
import { startWorkers } from '../workers/main.js';
import { buildStravaConnection } from '../test/factories/strava.js';
import { HAS_FIXTURES, readStravaJson } from '../test/fixtures.js';
import { fmt, nextMessage, startBenchService } from './scratch.js';

/**
 * Soak: the real app and its workers on loopback, fed for SOAK_SECONDS (default 120) with Strava
 * webhook `create` events at SOAK_RATE per second (default 50, spread over 20 connected athletes) and
 * SOAK_UPLOADS_PER_S FIT uploads per second (default 1, distinct 1-hour runs). A fake Strava on
 * loopback answers every fetch with the recorded NYC-marathon DetailedActivity (id and start date
 * changed per activity) and its recorded distance stream, plus a time stream built to match (the
 * recording has none, and a run without one waits for streams). Afterwards it waits until the inbox,
 * the activities and the queues are all settled, and prints events in vs activities out, errors,
 * ack latency, the time the backlog took to clear and RSS. The app and its workers run in a child
 * process (this file with `--serve`, one process like ROLE=all), so the load generator and the fake
 * Strava do not share their event loop and RSS is the service's own. Scratch database and Redis
 * prefix are removed at the end.
 */

const SUBSCRIPTION_ID = 120475;
const ATHLETES = 20;

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const mb = (n: number) => n / 2 ** 20;

interface FakeStrava {
  server: Server;
  url: string;
  calls: { activity: number; streams: number; other: number };
}

async function startFakeStrava(): Promise<FakeStrava> {
  const activity = readStravaJson<Record<string, unknown>>('activity_run_detailed_nyc_marathon_2018.json');
  const recorded = readStravaJson<{ distance: { data: number[] } & Record<string, unknown> }>('streams_run_nyc_marathon_key_by_type_distance_only.json');
  const n = recorded.distance.data.length;
  const elapsed = Number(activity.elapsed_time ?? activity.moving_time);
  const time = Array.from({ length: n }, (_, i) => Math.round((i * elapsed) / Math.max(1, n - 1)));
  const streamsBody = JSON.stringify({ ...recorded, time: { data: time, series_type: 'distance', original_size: n, resolution: 'high' } });
  const base = Date.parse('2025-06-02T06:00:00Z');
  const headers = {
    'content-type': 'application/json',
    'x-ratelimit-limit': '200000,2000000',
    'x-ratelimit-usage': '10,100',
    'x-readratelimit-limit': '100000,1000000',
    'x-readratelimit-usage': '10,100',
  };
  const calls = { activity: 0, streams: 0, other: 0 };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const streams = /^\/api\/v3\/activities\/(\d+)\/streams$/.exec(path);
    const detail = /^\/api\/v3\/activities\/(\d+)$/.exec(path);
    if (streams) {
      calls.streams++;
      res.writeHead(200, headers).end(streamsBody);
    } else if (detail) {
      calls.activity++;
      const id = Number(detail[1]);
      // one run a day per athlete: the k-th activity of an athlete starts k days after the base
      const start = new Date(base + Math.floor(id / ATHLETES) * 86_400_000 + (id % ATHLETES) * 60_000);
      const local = new Date(start.getTime() + Number(activity.utc_offset ?? 0) * 1000);
      res.writeHead(200, headers).end(
        JSON.stringify({
          ...activity,
          id,
          start_date: start.toISOString().replace(/\.\d+Z$/, 'Z'),
          start_date_local: local.toISOString().replace(/\.\d+Z$/, 'Z'),
        }),
      );
    } else {
      calls.other++;
      res.writeHead(404, headers).end(JSON.stringify({ message: 'Record Not Found', errors: [] }));
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

interface Status {
  inbox: number;
  pending: number;
  settled: number;
  jobs: number;
  rss: number;
  /** the service's event-loop delay since it started, ms */
  loopDelayMs: { p99: number; max: number };
  bySource: Array<{ source: string; status: string; n: number }>;
}
type ChildMessage = { ready: { port: number; athletes: string[]; uploaderId: string } } | { status: Status } | { stopped: true };

/** The service under load: app + workers in one process on a scratch database and Redis prefix. */
async function serve(stravaUrl: string): Promise<void> {
  const svc = await startBenchService('soak', {
    env: {
      WORKER_CONCURRENCY: '2',
      STRAVA_CLIENT_ID: '1',
      STRAVA_CLIENT_SECRET: 'bench',
      STRAVA_VERIFY_TOKEN: 'bench',
      STRAVA_SUBSCRIPTION_ID: String(SUBSCRIPTION_ID),
      STRAVA_API_URL: `${stravaUrl}/api/v3`,
      STRAVA_OAUTH_URL: `${stravaUrl}/oauth`,
      // one client IP sends everything here: the per-IP webhook limit would measure itself
      RATE_LIMIT_WEBHOOKS_PER_MIN: '0',
    },
    fitDecoder: createFitDecoderPool(2),
    listen: true,
  });
  const { deps, env, server } = svc;
  const workers = startWorkers(deps);
  const athletes: string[] = [];
  for (let i = 0; i < ATHLETES; i++)
    athletes.push((await buildStravaConnection(deps.db, env.tokenEncryptionKey, { athleteId: String(9_100_000 + i) })).externalAthleteId);
  const uploader = await createRunner(deps, { name: 'soak uploads', timezone: 'Europe/Oslo' });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const count = (text: string) => deps.db.execute<{ n: number }>(sql.raw(text)).then((r) => Number(r.rows[0]!.n));
  process.send!({ ready: { port: (server!.address() as AddressInfo).port, athletes, uploaderId: uploader.id } } satisfies ChildMessage);

  process.on('message', async (msg: 'status' | 'stop') => {
    if (msg === 'status') {
      const [inbox, pending, settled, counts, bySource] = await Promise.all([
        count(`select count(*)::int as n from webhook_events where processed_at is null`),
        count(`select count(*)::int as n from activities where status in ('queued','processing')`),
        count(`select count(*)::int as n from activities where status in ('ready','failed')`),
        Promise.all(Object.values(deps.queues).map((qq) => qq.getJobCounts('waiting', 'active', 'delayed', 'prioritized'))),
        deps.db.execute<{ source: string; status: string; n: number }>(sql`select source, status, count(*)::int as n from activities group by source, status`),
      ]);
      const jobs = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
      process.send!({
        status: {
          inbox,
          pending,
          settled,
          jobs,
          rss: process.memoryUsage.rss(),
          loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
          bySource: bySource.rows.map((r) => ({ ...r, n: Number(r.n) })),
        },
      } satisfies ChildMessage);
      return;
    }
    await workers.close();
    await svc.close();
    process.send!({ stopped: true } satisfies ChildMessage, () => process.exit(0));
  });
}

/** The child's next message with `key` (typed with this file's messages). */
const nextOf = <K extends string>(child: ChildProcess, key: K) => nextMessage<ChildMessage, K>(child, key);

export async function benchSoak(): Promise<Record<string, unknown>> {
  if (!HAS_FIXTURES) throw new Error('soak needs the shared Strava fixtures (../shared/fixtures)');
  const seconds = Number(process.env.SOAK_SECONDS ?? 120);
  const rate = Number(process.env.SOAK_RATE ?? 50);
  const uploadsPerS = Number(process.env.SOAK_UPLOADS_PER_S ?? 1);
  const drainTimeoutS = Number(process.env.SOAK_DRAIN_TIMEOUT_SECONDS ?? 900);

  const fake = await startFakeStrava();
  const child = fork(fileURLToPath(import.meta.url), ['--serve', fake.url], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let statusBusy: Promise<Status> | null = null;
  const status = () => (statusBusy ??= (child.send('status'), nextOf(child, 'status').then((m) => m.status)).finally(() => (statusBusy = null)));
  try {
    const { ready } = await nextOf(child, 'ready');
    const base = `http://127.0.0.1:${ready.port}`;
    const { athletes } = ready;
    const uploads = Array.from({ length: Math.ceil(seconds * uploadsPerS) }, (_, i) =>
      buildSyntheticRunFit({ startTime: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000), seconds: 3600, altitudeM: (t) => 100 + 15 * Math.sin(t / 300) }),
    );

    const acks: number[] = [];
    const errors: Record<string, number> = {};
    const err = (k: string) => void (errors[k] = (errors[k] ?? 0) + 1);
    let eventsSent = 0;
    let eventsAcked = 0;
    let uploadsSent = 0;
    let uploadsAccepted = 0;
    const inFlight = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    const sendEvent = (i: number) => {
      const t0 = performance.now();
      const body = JSON.stringify({
        object_type: 'activity',
        object_id: i,
        aspect_type: 'create',
        updates: {},
        owner_id: Number(athletes[i % ATHLETES]),
        subscription_id: SUBSCRIPTION_ID,
        event_time: 1_780_000_000 + i,
      });
      track(
        fetch(`${base}/webhooks/strava`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          async (res) => {
            await res.arrayBuffer();
            acks.push(performance.now() - t0);
            if (res.status === 200) eventsAcked++;
            else err(`webhook ${res.status}`);
          },
          (e: Error) => err(`webhook ${e.message}`),
        ),
      );
    };
    const sendUpload = (i: number) => {
      track(
        fetch(`${base}/v1/runners/${ready.uploaderId}/uploads`, {
          method: 'POST',
          headers: { authorization: 'Bearer bench', 'content-type': 'application/octet-stream' },
          body: uploads[i]!,
        }).then(
          async (res) => {
            await res.arrayBuffer();
            if (res.status === 202) uploadsAccepted++;
            else err(`upload ${res.status}`);
          },
          (e: Error) => err(`upload ${e.message}`),
        ),
      );
    };

    const rssStart = (await status()).rss;
    let rssPeak = rssStart;
    console.log(
      `soak: ${seconds} s of ${rate} webhooks/s + ${uploadsPerS} upload/s against ${base} (app + workers in pid ${child.pid}; fake Strava ${fake.url}), ${ATHLETES} athletes`,
    );
    const t0 = performance.now();
    let lastSample = 0;
    let lastReport = 0;
    let settledAtLoadEnd = 0;
    for (;;) {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= seconds) break;
      while (eventsSent < Math.floor(elapsed * rate)) sendEvent(++eventsSent);
      while (uploadsSent < Math.min(uploads.length, Math.floor(elapsed * uploadsPerS) + 1)) sendUpload(uploadsSent++);
      if (elapsed - lastSample >= 1 && !statusBusy) {
        lastSample = elapsed;
        void status().then((s) => {
          rssPeak = Math.max(rssPeak, s.rss);
          settledAtLoadEnd = s.settled;
          if (elapsed - lastReport >= 15) {
            lastReport = elapsed;
            console.log(
              `  t=${elapsed.toFixed(0)} s: events sent ${eventsSent}, uploads ${uploadsSent}, activities done ${s.settled}, inbox backlog ${s.inbox}, jobs ${s.jobs}, RSS ${fmt(mb(s.rss), 0)} MB`,
            );
          }
        });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // the events and uploads still due at the last tick
    while (eventsSent < Math.floor(seconds * rate)) sendEvent(++eventsSent);
    while (uploadsSent < uploads.length) sendUpload(uploadsSent++);
    const sendS = (performance.now() - t0) / 1000;
    await Promise.all([...inFlight]);
    const loadEnd = performance.now();
    const loadS = (loadEnd - t0) / 1000;
    settledAtLoadEnd = (await status()).settled;

    // Backlog: every acknowledged event handled, every activity settled, every queue drained.
    const expected = eventsAcked + uploadsAccepted;
    let cleared: number | null = null;
    let last: Status = await status();
    let lastDrainReport = 0;
    while ((performance.now() - loadEnd) / 1000 < drainTimeoutS) {
      last = await status();
      const since = (performance.now() - loadEnd) / 1000;
      if (since - lastDrainReport >= 30) {
        lastDrainReport = since;
        console.log(
          `  draining, ${since.toFixed(0)} s after the load: activities done ${last.settled} of ${expected}, inbox backlog ${last.inbox}, jobs ${last.jobs}`,
        );
      }
      rssPeak = Math.max(rssPeak, last.rss);
      if (last.inbox === 0 && last.pending === 0 && last.jobs === 0 && last.settled >= expected) {
        cleared = (performance.now() - loadEnd) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const rssEnd = last.rss;
    const statusOf = (source: string, st: string) => last.bySource.find((r) => r.source === source && r.status === st)?.n ?? 0;
    const stravaOut = statusOf('strava', 'ready');
    const uploadsOut = statusOf('upload', 'ready');
    const failed = statusOf('strava', 'failed') + statusOf('upload', 'failed');
    const lost = eventsAcked - (stravaOut + statusOf('strava', 'failed')) + (uploadsAccepted - (uploadsOut + statusOf('upload', 'failed')));
    const result = {
      seconds,
      rate,
      eventsIn: eventsAcked,
      eventsSent,
      uploadsIn: uploadsAccepted,
      activitiesOut: { strava: stravaOut, upload: uploadsOut, failed },
      lost,
      errors,
      ackMs: { p50: percentile(acks, 50), p99: percentile(acks, 99), max: percentile(acks, 100) },
      processedDuringLoadPerS: settledAtLoadEnd / loadS,
      /** activities settled per second from the first event to the cleared backlog */
      activitiesPerSOverall: cleared === null ? null : (stravaOut + uploadsOut + failed) / (loadS + cleared),
      arrivedPerS: (eventsAcked + uploadsAccepted) / sendS,
      lastAckAfterS: loadS,
      backlogClearedS: cleared,
      rssMb: { start: mb(rssStart), peak: mb(rssPeak), end: mb(rssEnd) },
      serviceEventLoopDelayMs: last.loopDelayMs,
      stravaCalls: fake.calls,
    };
    console.log(
      `soak results (${seconds} s load${seconds !== 120 ? ', shortened with SOAK_SECONDS' : ''}):\n` +
        `  events in ${eventsAcked} of ${eventsSent} sent, uploads in ${uploadsAccepted}; activities out: ${stravaOut} Strava + ${uploadsOut} uploads ready, ${failed} failed; lost ${lost}\n` +
        `  errors ${JSON.stringify(errors)}\n` +
        `  webhook ack p50 ${fmt(result.ackMs.p50, 1)} ms, p99 ${fmt(result.ackMs.p99, 1)} ms, max ${fmt(result.ackMs.max, 1)} ms; service event-loop delay p99 ${fmt(last.loopDelayMs.p99, 0)} ms, max ${fmt(last.loopDelayMs.max, 0)} ms\n` +
        `  processed during the load ${fmt(result.processedDuringLoadPerS, 1)} activities/s vs ${fmt(result.arrivedPerS, 1)}/s sent (last answer ${fmt(loadS, 1)} s after the start); backlog cleared ${cleared === null ? `NOT within ${drainTimeoutS} s` : `${fmt(cleared, 1)} s`} after the load${result.activitiesPerSOverall === null ? '' : ` (${fmt(result.activitiesPerSOverall, 1)} activities/s overall)`}\n` +
        `  service RSS start ${fmt(mb(rssStart), 0)} MB, peak ${fmt(mb(rssPeak), 0)} MB, end ${fmt(mb(rssEnd), 0)} MB; fake Strava served ${fake.calls.activity} activities + ${fake.calls.streams} stream sets`,
    );
    return result;
  } finally {
    if (child.connected) {
      child.send('stop');
      await nextOf(child, 'stopped').catch(() => undefined);
    }
    fake.server.close();
  }
}

if (process.argv.includes('--serve')) {
  await serve(process.argv[process.argv.indexOf('--serve') + 1]!);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchSoak();
  process.exit(0);
}
