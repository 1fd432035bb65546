import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { closeRedis, type AppDeps } from '../src/deps.js';
import { JOBS, QUEUE_NAMES, jobsOnQueue, type JobName, type QueueName } from '../src/jobs/catalog.js';
import { createEnqueue } from '../src/jobs/queues.js';
import { AppError, PermanentJobError } from '../src/lib/errors.js';
import { isPostgresUnavailable } from '../src/lib/outage.js';
import { isFinalFailure, recordFinalFailure } from './final-failure.js';
import { createRedis, type Redis } from '../src/lib/redis.js';
import { namesMissingRow } from './missing-row.js';
import { checkRegistry, processors } from './registry.js';
import type { ProcessorMap } from './types.js';

export interface WorkerHandle {
  workers: Worker[];
  /** the workers' shared Redis connection (its `ready` re-ensures the schedules) */
  connection: Redis;
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  queues?: readonly QueueName[];
  concurrency?: Partial<Record<QueueName, number>>;
  processorMap?: ProcessorMap;
}

/** A job whose worker died mid-run goes back to the queue this many times before it fails for good. */
export const MAX_STALLED = 3;

/**
 * One BullMQ Worker per queue that has jobs. Each job's payload is re-validated against the catalog;
 * PermanentJobError and client errors (validation, not found) become UnrecoverableError (no retry);
 * a job that finds Postgres unreachable waits OUTAGE_RETRY_MS without spending an attempt. A job that
 * fails for good is logged once and leaves its activity or push `failed` with the reason
 * (workers/final-failure.ts), never `processing`.
 */
export function startWorkers(deps: AppDeps, opts: StartWorkersOptions = {}): WorkerHandle {
  const map = opts.processorMap ?? processors;
  checkRegistry(map);
  const connection = createRedis(deps.env.REDIS_URL, { forWorker: true, name: 'stridesync-worker' });
  const queues = (opts.queues ?? QUEUE_NAMES).filter((q) => jobsOnQueue(q).length > 0);
  // Jobs enqueue follow-up work without the HTTP producers' short timeout: a job can wait for Redis
  // (its lock is renewed meanwhile), and a timed-out add that lands late plus a retry would double it.
  const jobDeps: AppDeps = { ...deps, enqueue: createEnqueue(deps.queues) };
  const workers = queues.map((queue) => {
    const worker = new Worker(queue, (job, token) => runJob(jobDeps, map, job, token), {
      connection,
      prefix: deps.env.REDIS_PREFIX,
      concurrency: opts.concurrency?.[queue] ?? (queue === 'compute' ? deps.env.WORKER_CONCURRENCY : 4),
      autorun: true,
      // A crashed worker's jobs are picked up again after the lock expires (SIGKILL, OOM).
      lockDuration: deps.env.JOB_LOCK_MS,
      stalledInterval: deps.env.JOB_LOCK_MS,
      maxStalledCount: MAX_STALLED,
    });
    worker.on('failed', (job, err) => {
      if (!job || !isFinalFailure(job, err)) return;
      deps.log.error({ job: job.name, jobId: job.id, attempts: job.attemptsMade, err: err.message }, 'job failed');
      recordFinalFailure(deps, job, err).catch((e: unknown) =>
        // Postgres down too: the row stays pending and the recovery sweep re-queues it later.
        deps.log.warn({ job: job.name, jobId: job.id, err: (e as Error).message }, 'could not record the final failure'),
      );
    });
    worker.on('error', (err) => deps.log.warn({ queue, err: err.message }, 'worker error'));
    return worker;
  });
  deps.log.info({ queues, jobs: Object.keys(map).length }, 'workers started');
  return {
    workers,
    connection,
    async close() {
      await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
      await closeRedis(connection);
    },
  };
}

async function runJob(deps: AppDeps, map: ProcessorMap, job: Job, token: string | undefined): Promise<unknown> {
  const name = job.name as JobName;
  const def = JOBS[name];
  const processor = map[name] as ((d: AppDeps, p: unknown, c: unknown) => Promise<unknown>) | undefined;
  if (!def || !processor) throw new UnrecoverableError(`unknown job ${job.name}`);
  const parsed = def.payload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.issues[0]?.message ?? 'schema'}`);
  const log = deps.log.child({ job: name, jobId: job.id, attempt: job.attemptsMade + 1 });
  const started = performance.now();
  try {
    const result = await processor(deps, parsed.data, { job, token, log });
    log.debug({ durationMs: Math.round(performance.now() - started) }, 'job done');
    if (namesMissingRow(result)) {
      log.error(
        { payload: parsed.data, redisPrefix: deps.env.REDIS_PREFIX },
        'job names a row that does not exist in this database: is another deployment using the same Redis prefix?',
      );
    }
    return result;
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError) throw err;
    if (err instanceof PermanentJobError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    // Bad input or a missing row: retrying cannot help.
    if (err instanceof AppError && err.status >= 400 && err.status < 500) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    if (isPostgresUnavailable(err) && token) {
      // An outage is nobody's fault: wait for Postgres without spending an attempt.
      const delayMs = deps.env.OUTAGE_RETRY_MS + Math.floor(Math.random() * deps.env.OUTAGE_RETRY_MS * 0.2);
      log.warn({ delayMs, err: (err as Error).message }, 'Postgres unreachable; job delayed');
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    throw err;
  }
}
