import type { Job } from 'bullmq';
import type { AppDeps } from '../src/deps.js';
import type { JobName, JobPayload } from '../src/jobs/catalog.js';
import type { Logger } from '../src/lib/logger.js';

export interface JobContext {
  job: Job;
  /** BullMQ lock token: needed to move the job to delayed (rate limits) */
  token: string | undefined;
  log: Logger;
  /**
   * Would this error end the job for good (permanent error, or no attempt left)? For processors that
   * leave a visible trace on the last try. See isFinalAttempt in src/jobs/attempts.ts.
   */
  isFinalAttempt(err?: unknown): boolean;
}

export type Processor<N extends JobName> = (deps: AppDeps, payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;

export type ProcessorMap = { [N in JobName]: Processor<N> };
