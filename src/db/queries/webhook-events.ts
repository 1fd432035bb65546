import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { webhookEvents, type Provider } from '../schema/index.js';

/** Queries on `webhook_events`, the inbox every webhook delivery is written to before it is answered. */

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type NewWebhookEvent = Omit<typeof webhookEvents.$inferInsert, 'provider'> & { provider: string };

const asRows = (rows: NewWebhookEvent[]) => rows.map((r) => ({ ...r, provider: r.provider as Provider }));

/** Insert rows unless their dedupe key exists; returns the ids of the rows this call inserted. */
export async function insertEvents(db: DbOrTx, rows: NewWebhookEvent[]): Promise<Array<{ id: string; dedupeKey: string }>> {
  if (!rows.length) return [];
  return db.insert(webhookEvents).values(asRows(rows)).onConflictDoNothing({ target: webhookEvents.dedupeKey }).returning({ id: webhookEvents.id, dedupeKey: webhookEvents.dedupeKey });
}

export async function findEventsByKeys(db: DbOrTx, keys: string[]): Promise<Array<{ id: string; dedupeKey: string; processedAt: Date | null }>> {
  if (!keys.length) return [];
  return db.select({ id: webhookEvents.id, dedupeKey: webhookEvents.dedupeKey, processedAt: webhookEvents.processedAt }).from(webhookEvents).where(inArray(webhookEvents.dedupeKey, keys));
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
  await db.update(webhookEvents).set({ error: message.slice(0, 1000) }).where(eq(webhookEvents.id, id));
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
  const [row] = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(and(eq(webhookEvents.id, id), isNull(webhookEvents.processedAt)));
  return Boolean(row);
}

export async function bumpEventAttempts(db: DbOrTx, id: string): Promise<void> {
  await db.update(webhookEvents).set({ attempts: sql`${webhookEvents.attempts} + 1` }).where(eq(webhookEvents.id, id));
}
