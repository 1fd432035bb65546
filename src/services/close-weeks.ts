import type { Db } from '../db/client.js';
import { listEndedOpenWeeks } from '../db/queries/weeks.js';
import type { Enqueue } from '../jobs/queues.js';

/**
 * A week is judged week-to-date while it runs and again when it closes (the binding check, see
 * docs/rules.md). Weeks stored as incomplete whose Sunday has passed in their runner's own time zone
 * get a recompute, which marks them complete and turns week-to-date warnings into final ones.
 */
export async function closeEndedWeeks(deps: { db: Db; enqueue: Enqueue; now: () => Date }, limit = 5_000): Promise<number> {
  const ended = await listEndedOpenWeeks(deps.db, deps.now(), limit);
  for (const w of ended) await deps.enqueue('week.recompute', w);
  return ended.length;
}
