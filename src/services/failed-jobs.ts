import type { Queues } from '../jobs/queues.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';

export interface FailedJobLine {
  queue: string;
  id: string;
  name: string;
  failedReason: string;
  /** attempts made, including the last one */
  attempts: number;
  /** ISO time of the final failure, null when BullMQ did not record it */
  finishedOn: string | null;
}

/**
 * Jobs that failed for good (no retry left), across every queue, newest first. BullMQ keeps them for
 * 7 days (see jobOptions in src/jobs/queues.ts); `perQueue` bounds how many each queue lists.
 */
export async function listFailedJobs(queues: Queues, perQueue = 500): Promise<FailedJobLine[]> {
  const lines: FailedJobLine[] = [];
  for (const [queue, q] of Object.entries(queues)) {
    const jobs = await q.getFailed(0, perQueue - 1);
    for (const job of jobs) {
      if (!job?.id) continue;
      lines.push({
        queue,
        id: job.id,
        name: job.name,
        failedReason: job.failedReason ?? '',
        attempts: job.attemptsMade,
        finishedOn: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      });
    }
  }
  return lines.sort((a, b) => (b.finishedOn ?? '').localeCompare(a.finishedOn ?? ''));
}

/**
 * Put one failed job back into its queue for another run (its attempts start again). Job ids are only
 * unique per queue: when the same id failed in several queues the caller must name the queue.
 */
export async function retryFailedJob(queues: Queues, id: string, queueName?: string): Promise<{ queue: string; id: string; name: string }> {
  const candidates = Object.entries(queues).filter(([name]) => queueName === undefined || name === queueName);
  if (queueName !== undefined && candidates.length === 0) throw new ValidationError(`unknown queue "${queueName}" (queues: ${Object.keys(queues).join(', ')})`);
  const found = [];
  for (const [queue, q] of candidates) {
    const job = await q.getJob(id);
    if (job) found.push({ queue, job, state: await job.getState() });
  }
  const failed = found.filter((f) => f.state === 'failed');
  if (failed.length === 0) {
    if (found.length > 0)
      throw new ConflictError(
        `job ${id} is not failed (${found.map((f) => `${f.queue}: ${f.state}`).join(', ')}); only failed jobs can be retried`,
        'job_not_failed',
      );
    throw new NotFoundError(`no job with id ${id}${queueName ? ` in queue ${queueName}` : ''} (list them with: stridesync jobs failed)`, 'job_not_found');
  }
  if (failed.length > 1)
    throw new ConflictError(`job id ${id} failed in several queues (${failed.map((f) => f.queue).join(', ')}); name one with --queue`, 'job_ambiguous');
  const { queue, job } = failed[0]!;
  await job.retry('failed', { resetAttemptsMade: true });
  return { queue, id, name: job.name };
}
