import type { Queues } from '../src/jobs/queues.js';

/** Repeatable jobs, registered (idempotently) by every worker process at start. */
export async function registerSchedules(queues: Queues): Promise<void> {
  // Hourly, so each runner's week closes within the hour after their local Sunday midnight.
  await queues.compute.upsertJobScheduler('week-close', { every: 60 * 60_000 }, { name: 'week.close', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
  await queues.notify.upsertJobScheduler('prompt-sweep', { every: 60_000 }, { name: 'prompt.sweep', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
  await queues.events.upsertJobScheduler('inbox-sweep', { every: 5 * 60_000 }, { name: 'inbox.sweep', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
}
