import type { Env } from '../src/config/env.js';
import type { Queues } from '../src/jobs/queues.js';
import type { Logger } from '../src/lib/logger.js';
import type { Redis } from '../src/lib/redis.js';

const KEEP = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };

/**
 * Repeatable jobs (BullMQ job schedulers). Upserting is idempotent, so this runs at every start
 * (API and workers alike) and again whenever a Redis connection becomes ready: a Redis restarted
 * without its data gets its schedules back without a process restart.
 */
export async function registerSchedules(queues: Queues, env: Pick<Env, 'SWEEP_INTERVAL_MS'>): Promise<void> {
  // Hourly, so each runner's week closes within the hour after their local Sunday midnight.
  await queues.compute.upsertJobScheduler('week-close', { every: 60 * 60_000 }, { name: 'week.close', data: {}, opts: KEEP });
  // The recovery sweep (every kind of stale state; see docs/reliability.md). An `every` scheduler
  // runs its first job at once, so a freshly emptied Redis is swept right after it is back.
  await queues.events.upsertJobScheduler(
    'retention-purge',
    { every: 6 * 60 * 60_000 },
    { name: 'retention.purge', data: {}, opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 20 } } },
  );
  await queues.notify.upsertJobScheduler('prompt-sweep', { every: 60_000 }, { name: 'prompt.sweep', data: {}, opts: KEEP });
  await queues.events.upsertJobScheduler('inbox-sweep', { every: env.SWEEP_INTERVAL_MS }, { name: 'inbox.sweep', data: {}, opts: KEEP });
}

export interface ScheduleKeeper {
  /** resolves once the first registration has been tried */
  ready: Promise<void>;
  stop(): void;
}

/**
 * Register the schedules now and again on every `ready` of the given connections (reconnects after
 * a Redis restart). Failures are logged, never thrown: the next reconnect tries again.
 */
export function keepSchedules(deps: { queues: Queues; env: Pick<Env, 'SWEEP_INTERVAL_MS'>; log: Logger }, connections: Redis[]): ScheduleKeeper {
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  const ensure = (why: string): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = registerSchedules(deps.queues, deps.env)
      .then(() => deps.log.debug({ why }, 'schedules ensured'))
      .catch((err: unknown) => deps.log.warn({ why, err }, 'could not ensure schedules; will retry on the next Redis reconnect'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          void ensure('reconnect');
        }
      });
    return running;
  };
  const onReady = () => void ensure('redis ready');
  for (const c of connections) c.on('ready', onReady);
  const ready = ensure('start');
  return {
    ready,
    stop() {
      stopped = true;
      for (const c of connections) c.off('ready', onReady);
    },
  };
}
