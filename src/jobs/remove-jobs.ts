import type { Job, Queue } from 'bullmq';
import type { Queues } from './queues.js';

/** Every state a job can sit in except `active` (a running job holds a lock and is left to finish). */
const REMOVABLE_STATES = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children', 'completed', 'failed'] as const;

const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Does this value (a job's payload, at any depth, or an id) contain one of `ids` (UUIDs), alone or inside a longer string? */
function names(value: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return (value.match(UUIDS) ?? []).some((id) => ids.has(id.toLowerCase()));
  if (Array.isArray(value)) return value.some((v) => names(v, ids));
  if (value && typeof value === 'object') return Object.values(value).some((v) => names(v, ids));
  return false;
}

function dedupeIdOf(job: Job): string | undefined {
  const opts = job.opts as { deduplication?: { id?: string }; debounce?: { id?: string } };
  return opts.deduplication?.id ?? opts.debounce?.id;
}

/**
 * Remove every job (queued, delayed, prioritized, paused, finished or failed) whose payload, job id or
 * debounce id names one of `uuids` (a runner's id and the ids of its activities, prompts, connections…),
 * in every queue, with the debounce keys they hold. A running job cannot be removed: it is counted
 * in `active` and its processor finds its rows gone. For erasure (services/erasure.ts).
 */
export async function removeJobsNaming(queues: Queues, uuids: readonly string[]): Promise<{ removed: number; active: number }> {
  if (uuids.length === 0) return { removed: 0, active: 0 };
  const ids = new Set(uuids.map((id) => id.toLowerCase()));
  let removed = 0;
  let active = 0;
  for (const queue of Object.values(queues)) {
    for (const state of REMOVABLE_STATES) {
      for (const job of await queue.getJobs([state], 0, -1, true)) {
        const dedupeId = job ? dedupeIdOf(job) : undefined;
        if (!job || !(names(job.data, ids) || names(job.id ?? '', ids) || names(dedupeId ?? '', ids))) continue;
        try {
          await job.remove();
          removed += 1;
        } catch {
          // locked: it became active meanwhile
          active += 1;
        }
        if (dedupeId) await queue.removeDeduplicationKey(dedupeId);
      }
    }
    for (const job of await queue.getJobs(['active'])) if (job && names(job.data, ids)) active += 1;
    await removeDedupeKeysNaming(queue, ids);
  }
  return { removed, active };
}

type Scanner = { scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]> };

/** Debounce keys left behind (the job holding one already finished): their names carry the ids. */
async function removeDedupeKeysNaming(queue: Queue, ids: ReadonlySet<string>): Promise<void> {
  const client = (await queue.client) as unknown as Scanner;
  const prefix = `${queue.toKey('de')}:`;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const id = key.slice(prefix.length);
      if (names(id, ids)) await queue.removeDeduplicationKey(id);
    }
  } while (cursor !== '0');
}
