import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { isPermanentError } from '../lib/errors.js';

/** BullMQ's reason for a job given up after crashing its worker too often (see MAX_STALLED). */
export function isStalledFailure(err: unknown): boolean {
  return err instanceof Error && /stalled more than allowable limit/i.test(err.message);
}

/**
 * Is this failure the job's last — will BullMQ give the job up rather than retry it? The one answer
 * for processors (record a visible failure on the last try), the worker's `failed` event (record the
 * final failure, log it once) and the job metrics.
 *
 * True for a permanent error (see isPermanentError; the worker turns those into UnrecoverableError),
 * for a job given up after stalls, and when the attempts are used up. A DelayedError (rate limit,
 * Postgres outage) is never final: it costs no attempt.
 *
 * `job.attemptsMade` counts finished attempts: while an attempt runs it does not include it yet, by
 * the worker's `failed` event it does — `settled: true` says the failing attempt is already counted.
 */
export function isFinalAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>, err?: unknown, opts: { settled?: boolean } = {}): boolean {
  if (err instanceof DelayedError) return false;
  if (err instanceof UnrecoverableError || (err instanceof Error && err.name === 'UnrecoverableError')) return true;
  if (isPermanentError(err) || isStalledFailure(err)) return true;
  const used = job.attemptsMade + (opts.settled ? 0 : 1);
  return used >= (job.opts.attempts ?? 1);
}
