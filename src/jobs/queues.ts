import { Queue, type JobsOptions } from 'bullmq';
import { AppError } from '../lib/errors.js';
import type { Redis } from '../lib/redis.js';
import { JOBS, parsePayload, QUEUE_NAMES, type JobName, type JobPayload, type QueueName } from './catalog.js';

export type Queues = Record<QueueName, Queue>;

/**
 * One BullMQ Queue per catalog queue, for producers. `prefix` isolates deployments and test files.
 * Connection errors are reported through failed calls and /health; a queue with no 'error' listener
 * would crash the process on the first one.
 */
export function createQueues(connection: Redis, prefix: string, onError: (err: Error) => void = () => undefined): Queues {
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on('error', onError);
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Queues;
}

/** The wrapper BullMQ puts around a queue's Redis client (not part of its typed surface). */
function connectionOf(queue: Queue): { on(event: 'error', fn: (err: Error) => void): unknown; initializing?: Promise<unknown> } | undefined {
  return (queue as unknown as { connection?: { on(event: 'error', fn: (err: Error) => void): unknown; initializing?: Promise<unknown> } }).connection;
}

/**
 * Close the queues, error-safe. A queue created moments ago may still be initialising (a CLI
 * command that never touched Redis): closing drops BullMQ's listeners, and when the shared client is
 * disconnected afterwards that initialisation rejects with "Connection is closed" and is emitted as
 * an 'error' nobody listens to, which kills the process. Each queue's connection keeps a no-op
 * listener after closing, and its pending initialisation is settled.
 */
export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(
    Object.values(queues).map(async (q) => {
      const conn = connectionOf(q);
      conn?.initializing?.catch(() => undefined);
      try {
        await q.close();
      } finally {
        conn?.on('error', () => undefined);
      }
    }),
  );
}

export interface EnqueueOptions {
  delayMs?: number;
  priority?: number;
}

export type Enqueue = <N extends JobName>(name: N, payload: JobPayload<N>, opts?: EnqueueOptions) => Promise<void>;

/**
 * Several jobs of one kind in one Redis round trip (BullMQ addBulk), each validated and given the
 * same options a single enqueue gives it (job id, debounce, priority, attempts). Debounce holds
 * within a bulk too: BullMQ runs the same add script for every job of the bulk, in order, so two
 * payloads with one debounce id (or one job id) make one job.
 */
export type EnqueueBulk = <N extends JobName>(name: N, payloads: readonly JobPayload<N>[], opts?: EnqueueOptions) => Promise<void>;

/** The custom BullMQ job id a catalog job gets for this payload, if its definition names one. */
export function jobIdOf<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  return JOBS[name].jobId?.(payload);
}

/** The BullMQ deduplication id a catalog job gets for this payload, if its definition debounces it. */
export function debounceIdOf<N extends JobName>(name: N, payload: JobPayload<N>): string | undefined {
  return JOBS[name].debounce?.id(payload);
}

/** Redis did not take the job in time: the caller keeps its Postgres row and leaves the job to the sweep. */
export class QueueUnavailableError extends AppError {
  constructor(message = 'the job queue (Redis) is unreachable; try again shortly') {
    super(503, 'queue_unavailable', message);
  }
}

/** Race a Redis call against a deadline, so a producer never hangs on a Redis that is down. */
export async function withQueueTimeout<T>(p: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (!timeoutMs) return p;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`Redis did not take the job within ${timeoutMs} ms`)), timeoutMs);
  });
  // A late failure of the raced call must not surface as an unhandled rejection.
  p.catch(() => undefined);
  try {
    return await Promise.race([p, deadline]);
  } catch (err) {
    if (err instanceof QueueUnavailableError) throw err;
    throw new QueueUnavailableError(`Redis refused the job: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ options for a catalog job: retries, back-off, id/debounce, retention. */
export function jobOptions<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions = {}): JobsOptions {
  const def = JOBS[name];
  const o: JobsOptions = {
    attempts: def.attempts,
    backoff: { type: 'exponential', delay: def.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 5_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  const jobId = jobIdOf(name, payload);
  if (jobId) o.jobId = jobId;
  const debounceId = debounceIdOf(name, payload);
  if (def.debounce && debounceId) {
    o.deduplication = { id: debounceId, keepLastIfActive: true };
    o.delay = def.debounce.delayMs;
  }
  if (opts.delayMs !== undefined) o.delay = opts.delayMs;
  const priority = opts.priority ?? def.priority;
  if (priority !== undefined) o.priority = priority;
  return o;
}

/**
 * Typed enqueue: validates the payload against the catalog, then adds it to the job's queue. With
 * `timeoutMs`, a Redis that does not answer in time makes it throw QueueUnavailableError instead of
 * hanging (the add may still land later: every job is idempotent).
 */
export function createEnqueue(queues: Queues, opts: { timeoutMs?: number } = {}): Enqueue {
  return async (name, payload, o) => {
    const data = parsePayload(name, payload);
    await withQueueTimeout(queues[JOBS[name].queue].add(name, data, jobOptions(name, data, o)), opts.timeoutMs);
  };
}

/**
 * Typed bulk enqueue (see EnqueueBulk): every payload is validated before anything is added, so a bad
 * one adds none; then one addBulk. `timeoutMs` as for createEnqueue. An empty list adds nothing.
 */
export function createEnqueueBulk(queues: Queues, opts: { timeoutMs?: number } = {}): EnqueueBulk {
  return async (name, payloads, o) => {
    if (payloads.length === 0) return;
    const jobs = payloads.map((payload) => {
      const data = parsePayload(name, payload);
      return { name, data, opts: jobOptions(name, data, o) };
    });
    await withQueueTimeout(queues[JOBS[name].queue].addBulk(jobs), opts.timeoutMs);
  };
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Is a job for this payload alive (waiting, delayed, running)? Looked up by its custom job id or,
 * for debounced jobs, by the job holding its debounce id. A debounce id left pointing at a job
 * that is gone is cleared, so the next add is not swallowed.
 */
export async function isJobAlive<N extends JobName>(queues: Queues, name: N, payload: JobPayload<N>): Promise<boolean> {
  const queue = queues[JOBS[name].queue];
  const id = jobIdOf(name, payload);
  if (id) {
    const existing = await queue.getJob(id);
    if (existing && LIVE_STATES.has(await existing.getState())) return true;
  }
  const debounceId = debounceIdOf(name, payload);
  if (debounceId) {
    const holder = await queue.getDeduplicationJobId(debounceId);
    if (holder) {
      const job = await queue.getJob(holder);
      if (job && LIVE_STATES.has(await job.getState())) return true;
      await queue.removeDeduplicationKey(debounceId);
    }
  }
  return false;
}

/**
 * Make sure a job is alive in its queue: a job still waiting, delayed or running is left alone; a
 * finished or finally-failed one (which would block its id) is removed and the job added again.
 * For recovering work whose job was lost while its Postgres row says it is pending.
 */
export async function ensureJob<N extends JobName>(queues: Queues, enqueue: Enqueue, name: N, payload: JobPayload<N>): Promise<'alive' | 'enqueued'> {
  if (await isJobAlive(queues, name, payload)) return 'alive';
  const id = jobIdOf(name, payload);
  if (id) {
    const existing = await queues[JOBS[name].queue].getJob(id);
    if (existing) await existing.remove();
  }
  await enqueue(name, payload);
  return 'enqueued';
}
