import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from '../lib/redis.js';
import { JOBS, QUEUE_NAMES, type JobName, type JobPayload, type QueueName } from './catalog.js';

export type Queues = Record<QueueName, Queue>;

/** One BullMQ Queue per catalog queue, for producers. `prefix` isolates deployments and test files. */
export function createQueues(connection: Redis, prefix: string): Queues {
  const entries = QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })] as const);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

export interface EnqueueOptions {
  delayMs?: number;
  priority?: number;
}

export type Enqueue = <N extends JobName>(name: N, payload: JobPayload<N>, opts?: EnqueueOptions) => Promise<void>;

/** The custom BullMQ job id a catalog job gets for this payload, if its definition names one. */
export function jobIdOf<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  const def = JOBS[name] as (typeof JOBS)[JobName];
  return 'jobId' in def && def.jobId ? (def.jobId as (p: unknown) => string)(payload) : undefined;
}

/** BullMQ options for a catalog job: retries, back-off, id/debounce, retention. */
export function jobOptions<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions = {}): JobsOptions {
  const def = JOBS[name] as (typeof JOBS)[JobName];
  const o: JobsOptions = {
    attempts: def.attempts,
    backoff: { type: 'exponential', delay: def.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 5_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const jobId = jobIdOf(name, payload);
  if (jobId) o.jobId = jobId;
  const debounce = 'debounce' in def ? def.debounce : undefined;
  if (debounce) {
    o.deduplication = { id: debounce.id(payload as never), keepLastIfActive: true };
    o.delay = debounce.delayMs;
  }
  if (opts.delayMs !== undefined) o.delay = opts.delayMs;
  const priority = opts.priority ?? ('priority' in def ? (def.priority as number | undefined) : undefined);
  if (priority !== undefined) o.priority = priority;
  return o;
}

/** Typed enqueue: validates the payload against the catalog, then adds it to the job's queue. */
export function createEnqueue(queues: Queues): Enqueue {
  return async (name, payload, opts) => {
    const def = JOBS[name];
    const data = def.payload.parse(payload);
    await queues[def.queue].add(name, data, jobOptions(name, data as never, opts));
  };
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Make sure a job with a custom id is alive in its queue: a job still waiting, delayed or running is
 * left alone; a finished or finally-failed one (which would block its id) is removed and the job
 * added again. For recovering work whose job was lost while its Postgres row says it is pending.
 */
export async function ensureJob<N extends JobName>(queues: Queues, enqueue: Enqueue, name: N, payload: JobPayload<N>): Promise<'alive' | 'enqueued'> {
  const id = jobIdOf(name, payload);
  if (id) {
    const existing = await queues[JOBS[name].queue].getJob(id);
    if (existing) {
      if (LIVE_STATES.has(await existing.getState())) return 'alive';
      await existing.remove();
    }
  }
  await enqueue(name, payload);
  return 'enqueued';
}
