import type { Queues } from '../src/jobs/queues.js';

/** Repeatable jobs, registered (idempotently) by every worker process at start. */
export async function registerSchedules(queues: Queues): Promise<void> {
  await queues.events.upsertJobScheduler('inbox-sweep', { every: 5 * 60_000 }, { name: 'inbox.sweep', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
}
