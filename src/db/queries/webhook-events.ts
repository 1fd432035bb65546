import { and, asc, eq, gt, inArray, isNull, like, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { webhookEvents, type Provider } from '../schema/index.js';

/** Queries on `webhook_events`, the inbox every webhook delivery is written to before it is answered. */

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type NewWebhookEvent = Omit<typeof webhookEvents.$inferInsert, 'provider'> & { provider: string };

const asRows = (rows: NewWebhookEvent[]) => rows.map((r) => ({ ...r, provider: r.provider as Provider }));

/** Insert rows unless their dedupe key exists; returns the ids of the rows this call inserted. */
export async function insertEvents(db: DbOrTx, rows: NewWebhookEvent[]): Promise<Array<{ id: string; dedupeKey: string }>> {
  if (!rows.length) return [];
  return db
    .insert(webhookEvents)
    .values(asRows(rows))
    .onConflictDoNothing({ target: webhookEvents.dedupeKey })
    .returning({ id: webhookEvents.id, dedupeKey: webhookEvents.dedupeKey });
}

export async function findEventsByKeys(db: DbOrTx, keys: string[]): Promise<Array<{ id: string; dedupeKey: string; processedAt: Date | null }>> {
  if (!keys.length) return [];
  return db
    .select({ id: webhookEvents.id, dedupeKey: webhookEvents.dedupeKey, processedAt: webhookEvents.processedAt })
    .from(webhookEvents)
    .where(inArray(webhookEvents.dedupeKey, keys));
}

/** One more handling attempt of row `id` (of `provider`, when given); the row as it is now. */
export async function claimEvent(db: DbOrTx, id: string, provider?: string): Promise<WebhookEventRow | undefined> {
  const [row] = await db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1` })
    .where(provider ? and(eq(webhookEvents.id, id), eq(webhookEvents.provider, provider as Provider)) : eq(webhookEvents.id, id))
    .returning();
  return row;
}

export async function recordEventError(db: DbOrTx, id: string, message: string): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ error: message.slice(0, 1000) })
    .where(eq(webhookEvents.id, id));
}

export async function markEventProcessed(db: DbOrTx, id: string, outcome: string, now: Date): Promise<void> {
  await db.update(webhookEvents).set({ processedAt: now, outcome, error: null }).where(eq(webhookEvents.id, id));
}

export async function findEventPayload(db: DbOrTx, id: string): Promise<unknown> {
  const [row] = await db.select({ payload: webhookEvents.payload }).from(webhookEvents).where(eq(webhookEvents.id, id));
  return row?.payload;
}

/** Unprocessed rows received before `before` with fewer than `maxAttempts` attempts, oldest first. */
export async function listStaleUnprocessed(db: DbOrTx, before: Date, maxAttempts: number, limit: number): Promise<Array<{ id: string; provider: string }>> {
  return db
    .select({ id: webhookEvents.id, provider: webhookEvents.provider })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.processedAt), lt(webhookEvents.receivedAt, before), lt(webhookEvents.attempts, maxAttempts)))
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
}

export async function isUnprocessed(db: DbOrTx, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.id, id), isNull(webhookEvents.processedAt)));
  return Boolean(row);
}

export async function bumpEventAttempts(db: DbOrTx, id: string): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1` })
    .where(eq(webhookEvents.id, id));
}

export interface RoutedWindow {
  staleBefore: Date;
  since: Date;
  maxAttempts: number;
  limit: number;
}

/** Rows of `provider` routed to a fetch (`fetch_queued` in the outcome) between `since` and `staleBefore`, with attempts left. */
export async function listRoutedEvents(db: DbOrTx, provider: string, w: RoutedWindow): Promise<Array<{ id: string; payload: unknown }>> {
  return db
    .select({ id: webhookEvents.id, payload: webhookEvents.payload })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.provider, provider as Provider),
        like(webhookEvents.outcome, '%fetch_queued%'),
        lt(webhookEvents.processedAt, w.staleBefore),
        gt(webhookEvents.processedAt, w.since),
        lt(webhookEvents.attempts, w.maxAttempts),
      ),
    )
    .limit(w.limit);
}

/**
 * Routed Strava events of active connections whose fetch never stored anything: no activity row of
 * the event's object updated since the event was routed.
 */
export async function listRoutedStravaEventsNotFetched(
  db: DbOrTx,
  w: RoutedWindow,
): Promise<Array<{ id: string; connectionId: string; objectId: string; aspect: string }>> {
  const rows = await db.execute<{ id: string; connection_id: string; object_id: string; aspect: string }>(sql`
    select e.id, c.id as connection_id, e.payload->>'object_id' as object_id, e.payload->>'aspect_type' as aspect
    from webhook_events e
    join connections c on c.provider = 'strava' and c.status = 'active' and c.external_athlete_id = e.payload->>'owner_id'
    where e.outcome = 'fetch_queued' and e.provider = 'strava'
      and e.processed_at < ${w.staleBefore.toISOString()} and e.processed_at > ${w.since.toISOString()}
      and e.attempts < ${w.maxAttempts}
      and not exists (
        select 1 from activities a
        where a.runner_id = c.runner_id and a.source = 'strava' and a.external_id = e.payload->>'object_id'
          and a.session_index = 0 and a.updated_at >= e.processed_at
      )
    order by e.processed_at
    limit ${w.limit}`);
  return rows.rows.map((r) => ({ id: r.id, connectionId: r.connection_id, objectId: r.object_id, aspect: r.aspect }));
}

/** Whether the activity a routed Strava event names was stored since the event was routed. */
export async function stravaEventFetched(db: DbOrTx, eventId: string, connectionId: string, objectId: string): Promise<boolean> {
  const fresh = await db.execute(sql`
    select 1 from webhook_events e join activities a
      on a.runner_id = (select runner_id from connections where id = ${connectionId})
     and a.source = 'strava' and a.external_id = ${objectId} and a.session_index = 0 and a.updated_at >= e.processed_at
    where e.id = ${eventId}`);
  return fresh.rows.length > 0;
}

/** Remove up to `limit` inbox rows processed (or ignored) at or before `cutoff` for good; unprocessed rows are never removed. Returns how many. */
export async function purgeProcessedEventsBatch(db: DbOrTx, cutoff: Date, limit: number): Promise<number> {
  const res = await db.execute(
    sql`delete from webhook_events where id in (select id from webhook_events where processed_at is not null and processed_at <= ${cutoff} limit ${limit})`,
  );
  return res.rowCount ?? 0;
}
