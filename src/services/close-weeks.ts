import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Enqueue } from '../jobs/queues.js';

/**
 * domain.md §4.1: a week is judged week-to-date while it runs and again when it closes (the binding
 * check). Weeks stored as incomplete whose Sunday has passed in their runner's own time zone get a
 * recompute, which marks them complete and turns week-to-date warnings into final ones.
 */
export async function closeEndedWeeks(deps: { db: Db; enqueue: Enqueue; now: () => Date }, limit = 5_000): Promise<number> {
  const { rows } = await deps.db.execute<{ runner_id: string; week: string }>(sql`
    select w.runner_id, w.week
    from weeks w join runners r on r.id = w.runner_id
    where w.complete = false and w.end_date < (${deps.now().toISOString()}::timestamptz at time zone r.timezone)::date
    order by w.end_date
    limit ${limit}`);
  for (const r of rows) await deps.enqueue('week.recompute', { runnerId: r.runner_id, week: r.week });
  return rows.length;
}
