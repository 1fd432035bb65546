import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsFailedCommand, jobsRetryCommand } from '../../src/cli/jobs.js';
import { createDatabase } from '../../src/db/client.js';
import { activities } from '../../src/db/schema/index.js';
import { createApp } from '../../src/http/app.js';
import { StravaRateLimits } from '../../src/integrations/strava/rate-limit.js';
import { PermanentJobError } from '../../src/lib/errors.js';
import type { FailedJobLine } from '../../src/services/failed-jobs.js';
import { createMetrics, type Metrics } from '../../src/services/metrics.js';
import { processors } from '../../workers/registry.js';
import type { ProcessorMap } from '../../workers/types.js';
import { buildRunner } from '../factories/runners.js';
import { STRAVA_TEST_ENV, stravaEventBody, waitFor } from '../factories/strava.js';
import { createTestContext, TEST_API_KEY, type TestContext } from '../setup/context.js';
import { captureIo, runCli } from '../setup/cli.js';

const METRICS_TOKEN = 'scrape-me';

let ctx: TestContext;
let metrics: Metrics;
let server: Server;
let base: string;
/** run.derive fails for good on its first run and succeeds when retried */
let deriveCalls = 0;
const failingActivityId = randomUUID();

beforeAll(async () => {
  ctx = await createTestContext({ ...STRAVA_TEST_ENV, METRICS_TOKEN });
  metrics = createMetrics(ctx.deps);
  server = createApp(ctx.deps, { metrics }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const map: ProcessorMap = {
    ...processors,
    'run.derive': async (_deps, { activityId }) => {
      deriveCalls += 1;
      if (deriveCalls === 1) throw new PermanentJobError('provider_payload_invalid', `stored payload of ${activityId} is unreadable`);
      return { derived: activityId };
    },
  };
  const handle = ctx.startWorkers({ queues: ['compute'], processorMap: map });
  metrics.observeWorkers(handle.workers);
});
afterAll(async () => {
  server?.close();
  await ctx?.close();
});

async function scrape(auth = `Bearer ${METRICS_TOKEN}`): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: auth } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one series line, e.g. value(text, 'stridesync_queue_jobs{queue="compute",state="failed"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operator view: failed jobs, dashboard, retry, metrics', () => {
  it('a job that fails for good shows in `jobs failed`, in the dashboard API and in /metrics; `jobs retry` runs it again', async () => {
    await ctx.deps.enqueue('run.derive', { activityId: failingActivityId });
    await waitFor(async () => (await ctx.deps.queues.compute.getFailedCount()) === 1, 10_000);

    // the CLI command in-process …
    const c = captureIo();
    expect(await jobsFailedCommand.run(ctx.deps, ['--json'], c.io)).toBe(0);
    const lines = JSON.parse(c.out[0]!) as FailedJobLine[];
    expect(lines).toHaveLength(1);
    const failed = lines[0]!;
    expect(failed).toMatchObject({ queue: 'compute', name: 'run.derive', attempts: 1 });
    expect(failed.failedReason).toContain('provider_payload_invalid');
    expect(Date.parse(failed.finishedOn!)).toBeGreaterThan(Date.now() - 60_000);

    // … and the real command line print the same job
    const listed = await runCli(ctx, ['jobs', 'failed', '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(lines);
    const table = await runCli(ctx, ['jobs', 'failed']);
    expect(table.stdout).toContain(failed.id);
    expect(table.stdout).toContain('provider_payload_invalid');

    // bull-board's API lists it among the failed jobs of the compute queue
    const board = await fetch(`${base}/admin/queues/api/queues?activeQueue=compute&status=failed&page=1`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(board.status).toBe(200);
    const boardBody = (await board.json()) as {
      queues: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string; name: string; failedReason: string }> }>;
    };
    expect(boardBody.queues.map((q) => q.name).sort()).toEqual(Object.keys(ctx.deps.queues).sort());
    const compute = boardBody.queues.find((q) => q.name === 'compute')!;
    expect(compute.counts.failed).toBe(1);
    expect(compute.jobs.map((j) => [j.id, j.name])).toEqual([[failed.id, 'run.derive']]);
    expect(compute.jobs[0]!.failedReason).toContain('provider_payload_invalid');

    const before = await scrape();
    expect(value(before, 'stridesync_queue_jobs{queue="compute",state="failed"}')).toBe(1);
    expect(value(before, 'stridesync_job_failures_total{queue="compute",job="run.derive",final="true"}')).toBe(1);
    expect(value(before, 'stridesync_job_duration_seconds_count{queue="compute",job="run.derive",outcome="failed"}')).toBe(1);

    // retry through the real command line: the job runs again and completes
    const retried = await runCli(ctx, ['jobs', 'retry', failed.id, '--json']);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({ queue: 'compute', id: failed.id, name: 'run.derive', status: 'retrying' });
    await waitFor(async () => (await ctx.deps.queues.compute.getCompletedCount()) === 1, 10_000);
    expect(deriveCalls).toBe(2);
    expect(await ctx.deps.queues.compute.getFailedCount()).toBe(0);

    const after = await scrape();
    expect(value(after, 'stridesync_queue_jobs{queue="compute",state="failed"}')).toBe(0);
    expect(value(after, 'stridesync_queue_jobs{queue="compute",state="completed"}')).toBe(1);
    expect(value(after, 'stridesync_job_duration_seconds_count{queue="compute",job="run.derive",outcome="completed"}')).toBe(1);
    const sum = value(after, 'stridesync_job_duration_seconds_sum{queue="compute",job="run.derive",outcome="completed"}')!;
    expect(sum).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThan(10);

    // the job is no longer failed: retrying it again is refused, and an unknown id says so
    const again = captureIo();
    await expect(jobsRetryCommand.run(ctx.deps, [failed.id], again.io)).rejects.toMatchObject({ code: 'job_not_failed' });
    const missing = await runCli(ctx, ['jobs', 'retry', 'no-such-job']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^stridesync: no job with id no-such-job .*jobs failed/);
  }, 240_000);

  it('the dashboard asks a browser for Basic credentials and accepts the API key as the password', async () => {
    const anonymous = await fetch(`${base}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const wrong = await fetch(`${base}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from('ops:guess').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    // the metrics token is for scraping only
    const metricsToken = await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metricsToken.status).toBe(401);

    const page = await fetch(`${base}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`ops:${TEST_API_KEY}`).toString('base64')}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('stridesync queues');
  });

  it('/metrics needs the metrics token or an API key', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    await scrape(`Bearer ${TEST_API_KEY}`);
  });

  it('/metrics reports webhook ack latency, inbox backlog, stuck rows, the Strava budget and process figures', async () => {
    // two events for an athlete nobody connected: acknowledged and stored, nothing handles them here
    for (const objectId of [901, 902]) {
      const res = await fetch(`${base}/webhooks/strava`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(stravaEventBody({ objectId, ownerId: 4242 })),
      });
      expect(res.status).toBe(200);
    }
    // one activity left in `processing` for 11 minutes, one fresh (not stuck)
    const runner = await buildRunner(ctx.deps.db);
    const old = new Date(Date.now() - 11 * 60_000);
    await ctx.deps.db.insert(activities).values([
      { runnerId: runner.id, source: 'strava', externalId: '77', status: 'processing', updatedAt: old },
      { runnerId: runner.id, source: 'strava', externalId: '78', status: 'processing' },
    ]);
    // Strava's last answer said 50 of 200 (15 min) and 300 of 2000 (day) were used
    await new StravaRateLimits(ctx.deps.redis, ctx.prefix, () => new Date()).record({ 'X-RateLimit-Limit': '200,2000', 'X-RateLimit-Usage': '50,300' });

    const text = await scrape();
    expect(value(text, 'stridesync_webhook_ack_seconds_count{provider="strava",status="200"}')).toBe(2);
    const ackSum = value(text, 'stridesync_webhook_ack_seconds_sum{provider="strava",status="200"}')!;
    expect(ackSum).toBeGreaterThan(0);
    expect(ackSum).toBeLessThan(4);
    expect(value(text, 'stridesync_inbox_backlog{provider="strava"}')).toBe(2);
    expect(value(text, 'stridesync_inbox_backlog{provider="garmin"}')).toBe(0);
    expect(value(text, 'stridesync_stuck{kind="activity_processing"}')).toBe(1);
    expect(value(text, 'stridesync_stuck{kind="activity_queued"}')).toBe(0);
    expect(value(text, 'stridesync_strava_rate_used_ratio{budget="overall",window="15m"}')).toBe(0.25);
    expect(value(text, 'stridesync_strava_rate_used_ratio{budget="overall",window="day"}')).toBe(0.15);
    expect(value(text, 'stridesync_strava_rate_blocked')).toBe(0);
    expect(value(text, 'stridesync_queue_jobs{queue="events",state="waiting"}')).toBe(2);
    const rss = value(text, 'stridesync_process_resident_memory_bytes')!;
    expect(rss).toBeGreaterThan(20 * 1024 * 1024);
    expect(rss).toBeLessThan(8 * 1024 * 1024 * 1024);
    // the Garmin path secret never becomes a label
    expect(text).not.toMatch(/webhooks\/garmin/);
  });

  it('a store that is down leaves only its own series out of the scrape, and is counted', async () => {
    const down = createDatabase('postgres://postgres@127.0.0.1:1/nowhere', { max: 1 });
    try {
      const m = createMetrics({ ...ctx.deps, db: down.db });
      await m.registry.metrics();
      // collectors run concurrently: the first scrape's failures are counted from the second on
      const text = await m.registry.metrics();
      expect(value(text, 'stridesync_metrics_collect_errors_total{collector="stuck"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'stridesync_metrics_collect_errors_total{collector="inbox_backlog"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'stridesync_metrics_collect_errors_total{collector="queue_jobs"}')).toBeUndefined();
      expect(text).not.toContain('stridesync_stuck{');
      expect(value(text, 'stridesync_queue_jobs{queue="compute",state="failed"}')).toBe(0);
      expect(value(text, 'stridesync_process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await down.close();
    }
  });

  it('webhook paths of unknown providers never become labels', async () => {
    const res = await fetch(`${base}/webhooks/made-up-${Date.now()}`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await scrape()).not.toMatch(/provider="made/);
  });
});
