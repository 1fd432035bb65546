import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AppDeps } from '../src/deps.js';
import { JOBS, QUEUE_NAMES, jobsOnQueue, type JobName, type QueueName } from '../src/jobs/catalog.js';
import { PermanentJobError } from '../src/lib/errors.js';
import { createRedis } from '../src/lib/redis.js';
import { namesMissingRow } from './missing-row.js';
import { checkRegistry, processors } from './registry.js';
import type { ProcessorMap } from './types.js';

export interface WorkerHandle {
  workers: Worker[];
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  queues?: readonly QueueName[];
  concurrency?: Partial<Record<QueueName, number>>;
  processorMap?: ProcessorMap;
}

/**
 * One BullMQ Worker per queue that has jobs. Each job's payload is re-validated against the catalog;
 * PermanentJobError becomes UnrecoverableError (no retry); failures are logged once, on the final
 * attempt.
 */
export function startWorkers(deps: AppDeps, opts: StartWorkersOptions = {}): WorkerHandle {
  const map = opts.processorMap ?? processors;
  checkRegistry(map);
  const connection = createRedis(deps.env.REDIS_URL, { forWorker: true, name: 'stridesync-worker' });
  const queues = (opts.queues ?? QUEUE_NAMES).filter((q) => jobsOnQueue(q).length > 0);
  const workers = queues.map((queue) => {
    const worker = new Worker(queue, (job, token) => runJob(deps, map, job, token), {
      connection,
      prefix: deps.env.REDIS_PREFIX,
      concurrency: opts.concurrency?.[queue] ?? (queue === 'compute' ? deps.env.WORKER_CONCURRENCY : 4),
      autorun: true,
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) deps.log.error({ job: job.name, jobId: job.id, attempts: job.attemptsMade, err: err.message }, 'job failed');
    });
    worker.on('error', (err) => deps.log.warn({ queue, err: err.message }, 'worker error'));
    return worker;
  });
  deps.log.info({ queues, jobs: Object.keys(map).length }, 'workers started');
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
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
    if (err instanceof DelayedError) throw err;
    if (err instanceof PermanentJobError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
}
