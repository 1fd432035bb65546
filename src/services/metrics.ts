import type { Job, Worker } from 'bullmq';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/client.js';
import { countInboxBacklog, countStuckRows } from '../db/queries/metrics.js';
import { StravaRateLimits } from '../integrations/strava/rate-limit.js';
import type { Queues } from '../jobs/queues.js';
import { isFinalAttempt } from '../jobs/attempts.js';
import type { Redis } from '../lib/redis.js';

/**
 * Prometheus metrics of one process (see docs/operations.md for the series list). Each app builds
 * its own Registry, so tests and benchmarks can run several apps in one process. Gauges that need
 * Postgres or Redis are read at scrape time; job and webhook series are observed as they happen
 * (jobs only in processes that run workers, webhooks only in processes that serve HTTP).
 */

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed', 'paused'] as const;

/** How long a row may sit in an in-between state before it counts as stuck. */
export const STUCK_AFTER_MINUTES = 10;

export interface MetricsDeps {
  db: Db;
  redis: Redis;
  queues: Queues;
  env: { REDIS_PREFIX: string };
  now: () => Date;
}

export interface Metrics {
  registry: Registry;
  /** Observe durations and failures of these workers' jobs. */
  observeWorkers(workers: readonly Worker[]): void;
  /** Express middleware timing webhook acknowledgements (mount before the webhook routes). */
  webhookAckTimer: RequestHandler;
}

const WEBHOOK_PROVIDERS = new Set(['strava', 'garmin']);

/**
 * Provider named by a webhook path, never the rest of it (the Garmin path carries a secret); only
 * known providers, so a caller cannot invent label values.
 */
export function webhookProvider(path: string): string | null {
  const m = /^\/webhooks\/([a-z]+)(\/|$)/.exec(path);
  return m && WEBHOOK_PROVIDERS.has(m[1]!) ? m[1]! : null;
}

/** Stuck-state counts by kind: rows waiting longer than STUCK_AFTER_MINUTES for work that should be quick. */
export async function countStuck(db: Db): Promise<Record<string, number>> {
  const rows = await countStuckRows(db, STUCK_AFTER_MINUTES);
  const out: Record<string, number> = {
    activity_queued: 0,
    activity_processing: 0,
    webhook_event: 0,
    notification_pending: 0,
    backfill_queued: 0,
    backfill_running: 0,
  };
  for (const r of rows) out[r.kind] = Number(r.n);
  return out;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stridesync_' });

  // A collector whose store is down leaves its series out of this scrape instead of failing it, so
  // an outage still shows in the other series (and in stridesync_metrics_collect_errors_total).
  const collectErrors = new Map<string, number>();
  const guarded = <G extends Gauge>(collector: string, fn: (g: G) => Promise<void>) =>
    async function (this: G): Promise<void> {
      try {
        await fn(this);
      } catch {
        this.reset();
        collectErrors.set(collector, (collectErrors.get(collector) ?? 0) + 1);
      }
    };

  new Gauge({
    name: 'stridesync_queue_jobs',
    help: 'Jobs in each BullMQ queue by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    collect: guarded('queue_jobs', async (g) => {
      g.reset();
      await Promise.all(
        Object.entries(deps.queues).map(async ([queue, q]) => {
          const counts = await q.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) g.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    }),
  });

  const jobDuration = new Histogram({
    name: 'stridesync_job_duration_seconds',
    help: 'Time a job attempt ran in a worker (processedOn → finishedOn), by outcome',
    labelNames: ['queue', 'job', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'stridesync_job_failures_total',
    help: 'Failed job attempts; final="true" when no retry is left',
    labelNames: ['queue', 'job', 'final'],
    registers: [registry],
  });
  const webhookAck = new Histogram({
    name: 'stridesync_webhook_ack_seconds',
    help: 'Time from a webhook request arriving to its answer being sent',
    labelNames: ['provider', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });

  new Gauge({
    name: 'stridesync_inbox_backlog',
    help: 'Webhook inbox rows not yet processed',
    labelNames: ['provider'],
    registers: [registry],
    collect: guarded('inbox_backlog', async (g) => {
      g.reset();
      const rows = await countInboxBacklog(deps.db);
      for (const p of WEBHOOK_PROVIDERS) g.set({ provider: p }, 0);
      for (const r of rows) g.set({ provider: r.provider }, Number(r.n));
    }),
  });

  new Gauge({
    name: 'stridesync_stuck',
    help: `Rows in an in-between state for more than ${STUCK_AFTER_MINUTES} minutes, by kind`,
    labelNames: ['kind'],
    registers: [registry],
    collect: guarded('stuck', async (g) => {
      g.reset();
      for (const [kind, n] of Object.entries(await countStuck(deps.db))) g.set({ kind }, n);
    }),
  });

  const rateLimits = new StravaRateLimits(deps.redis, deps.env.REDIS_PREFIX, deps.now);
  new Gauge({
    name: 'stridesync_strava_rate_used_ratio',
    help: "Share of Strava's application rate budget used in the current window (from the last response headers)",
    labelNames: ['budget', 'window'],
    registers: [registry],
    collect: guarded('strava_rate', async (g) => {
      g.reset();
      const snap = await rateLimits.snapshot();
      const put = (budget: string, window: string, b: { usage: number; limit: number } | null) => g.set({ budget, window }, b ? b.usage / b.limit : 0);
      put('overall', '15m', snap.overall15m);
      put('overall', 'day', snap.overallDay);
      put('read', '15m', snap.read15m);
      put('read', 'day', snap.readDay);
    }),
  });
  new Gauge({
    name: 'stridesync_strava_rate_blocked',
    help: '1 while Strava calls are paused after a 429',
    registers: [registry],
    collect: guarded('strava_blocked', async (g) => {
      g.set((await rateLimits.snapshot()).blockedUntil ? 1 : 0);
    }),
  });

  // Collectors run concurrently, so a failure shows from the next scrape on.
  new Counter({
    name: 'stridesync_metrics_collect_errors_total',
    help: 'Scrape-time collectors that failed (their series are missing from that scrape), by collector',
    labelNames: ['collector'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [collector, n] of collectErrors) this.inc({ collector }, n);
    },
  });

  const observed = new WeakSet<Worker>();
  return {
    registry,
    observeWorkers(workers) {
      for (const worker of workers) {
        if (observed.has(worker)) continue;
        observed.add(worker);
        const queue = worker.name;
        const seconds = (job: Job) => (job.finishedOn && job.processedOn ? Math.max(0, job.finishedOn - job.processedOn) / 1000 : null);
        worker.on('completed', (job) => {
          const s = seconds(job);
          if (s !== null) jobDuration.observe({ queue, job: job.name, outcome: 'completed' }, s);
        });
        worker.on('failed', (job, err) => {
          if (!job) return;
          const final = isFinalAttempt(job, err, { settled: true });
          jobFailures.inc({ queue, job: job.name, final: String(final) });
          const s = seconds(job);
          if (s !== null) jobDuration.observe({ queue, job: job.name, outcome: 'failed' }, s);
        });
      }
    },
    webhookAckTimer(req, res, next) {
      const provider = req.method === 'POST' ? webhookProvider(req.path) : null;
      if (provider) {
        const end = webhookAck.startTimer({ provider });
        res.once('finish', () => end({ status: String(res.statusCode) }));
      }
      next();
    },
  };
}
