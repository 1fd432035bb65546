import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { closeRedis, type AppDeps } from '../src/deps.js';
import { isFinalAttempt } from '../src/jobs/attempts.js';
import { isJobName, JOBS, QUEUE_NAMES, jobsOnQueue, type JobName, type QueueName } from '../src/jobs/catalog.js';
import { createEnqueue, createEnqueueBulk } from '../src/jobs/queues.js';
import { isPermanentError, permanentErrorCode } from '../src/lib/errors.js';
import { safeErrorMessage, withSafeMessage } from '../src/lib/log-redact.js';
import { anyErasureSince } from '../src/db/queries/erasure.js';
import { isPostgresUnavailable, isReferencedRowGone } from '../src/lib/outage.js';
import { recordFinalFailure } from './final-failure.js';
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
 * permanent errors (src/lib/errors.ts isPermanentError: PermanentJobError, 4xx AppErrors, errors
 * flagged `isRetryable: false`) become UnrecoverableError (no retry);
 * a job that finds Postgres unreachable waits OUTAGE_RETRY_MS without spending an attempt. A failed
 * job's error is rethrown with its message and stack masked (src/lib/log-redact.ts withSafeMessage),
 * so what BullMQ keeps in Redis carries no value of a failed statement. A job that
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
  const jobDeps: AppDeps = { ...deps, enqueue: createEnqueue(deps.queues), enqueueBulk: createEnqueueBulk(deps.queues) };
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
      if (!job || !isFinalAttempt(job, err, { settled: true })) return;
      deps.log.error({ job: job.name, jobId: job.id, attempts: job.attemptsMade, err }, 'job failed');
      recordFinalFailure(deps, job, err).catch((e: unknown) =>
        // Postgres down too: the row stays pending and the recovery sweep re-queues it later.
        deps.log.warn({ job: job.name, jobId: job.id, err: e }, 'could not record the final failure'),
      );
    });
    worker.on('error', (err) => deps.log.warn({ queue, err }, 'worker error'));
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

/**
 * The UnrecoverableError BullMQ needs to skip the retries, carrying the permanent error's code (read
 * back by failureReason) and its stack frames (kept in the job's stacktrace and the 'job failed' log).
 */
export function permanentFailure(err: Error): UnrecoverableError {
  const safe = withSafeMessage(err);
  const failure = new UnrecoverableError(`${permanentErrorCode(err)}: ${safe.message}`);
  if (safe.stack) failure.stack = `${failure.name}: ${failure.message}\n${safe.stack.split('\n').slice(1).join('\n')}`;
  return failure;
}

async function runJob(deps: AppDeps, map: ProcessorMap, job: Job, token: string | undefined): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  return runNamedJob(deps, map, job.name, job, token);
}

async function runNamedJob<N extends JobName>(deps: AppDeps, map: ProcessorMap, name: N, job: Job, token: string | undefined): Promise<unknown> {
  const processor = map[name];
  if (!processor) throw new UnrecoverableError(`unknown job ${name}`);
  const parsed = JOBS[name].payload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.issues[0]?.message ?? 'schema'}`);
  const log = deps.log.child({ job: name, jobId: job.id, attempt: job.attemptsMade + 1 });
  const started = performance.now();
  try {
    const result = await processor(deps, parsed.data, { job, token, log, isFinalAttempt: (err) => isFinalAttempt(job, err) });
    log.debug({ durationMs: Math.round(performance.now() - started) }, 'job done');
    if (namesMissingRow(result)) {
      // A runner erased after the job was queued explains it (erasure removes queued jobs, not running ones).
      if (await anyErasureSince(deps.db, new Date(job.timestamp)).catch(() => false)) {
        log.info({ payload: parsed.data }, 'job names a row that is gone: a runner was erased meanwhile; nothing done');
      } else {
        log.error(
          { payload: parsed.data, redisPrefix: deps.env.REDIS_PREFIX },
          'job names a row that does not exist in this database: is another deployment using the same Redis prefix?',
        );
      }
    }
    return result;
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    if (err instanceof UnrecoverableError) throw withSafeMessage(err);
    // A row it writes under was deleted meanwhile (the runner erased, the activity purged): nothing to do.
    if (isReferencedRowGone(err)) {
      log.warn({ err: safeErrorMessage(err) }, 'a row this job writes under is gone (runner erased or activity purged): nothing done');
      return { outcome: 'owner_gone' };
    }
    // Bad input, a missing row, a provider's 4xx: retrying cannot help.
    if (err instanceof Error && isPermanentError(err)) throw permanentFailure(err);
    if (isPostgresUnavailable(err) && token) {
      // An outage is nobody's fault: wait for Postgres without spending an attempt.
      const delayMs = deps.env.OUTAGE_RETRY_MS + Math.floor(Math.random() * deps.env.OUTAGE_RETRY_MS * 0.2);
      log.warn({ delayMs, err }, 'Postgres unreachable; job delayed');
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    // BullMQ keeps the message as the job's failedReason and the stack in its stacktrace, in Redis
    // for /admin/queues and `stridesync jobs`: without the values of a failed statement.
    throw withSafeMessage(err);
  }
}
