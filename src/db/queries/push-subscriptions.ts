import { and, desc, eq, ne, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { pushSubscriptions } from '../schema/index.js';

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/** Save a browser's subscription; the endpoint is the key, so a re-subscription updates it (and clears its failures). */
export async function upsertPushSubscription(db: DbOrTx, s: { runnerId: string; endpoint: string; p256dh: string; auth: string }): Promise<string> {
  const [row] = await db
    .insert(pushSubscriptions)
    .values(s)
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { runnerId: s.runnerId, p256dh: s.p256dh, auth: s.auth, failures: 0 } })
    .returning({ id: pushSubscriptions.id });
  return row!.id;
}

/** Delete a runner's subscription by endpoint; true when one was deleted. */
export async function deleteRunnerPushSubscription(db: DbOrTx, runnerId: string, endpoint: string): Promise<boolean> {
  const rows = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.runnerId, runnerId), eq(pushSubscriptions.endpoint, endpoint)))
    .returning({ id: pushSubscriptions.id });
  return rows.length > 0;
}

export async function listPushSubscriptions(db: DbOrTx, runnerId: string): Promise<PushSubscriptionRow[]> {
  return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.runnerId, runnerId));
}

export async function markPushSent(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(pushSubscriptions).set({ lastSentAt: now, failures: 0 }).where(eq(pushSubscriptions.id, id));
}

export async function countPushFailure(db: DbOrTx, id: string): Promise<void> {
  await db
    .update(pushSubscriptions)
    .set({ failures: sql`${pushSubscriptions.failures} + 1` })
    .where(eq(pushSubscriptions.id, id));
}

export async function deletePushSubscriptionById(db: DbOrTx, id: string): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
}

/**
 * Keep the runner's newest `max` subscriptions, `keepId` always among them: the others, oldest first,
 * are deleted. Returns how many were.
 */
export async function pruneRunnerPushSubscriptions(db: DbOrTx, runnerId: string, keepId: string, max: number): Promise<number> {
  const newest = db
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(and(eq(pushSubscriptions.runnerId, runnerId), ne(pushSubscriptions.id, keepId)))
    .orderBy(desc(pushSubscriptions.createdAt), desc(pushSubscriptions.id))
    .limit(Math.max(0, max - 1));
  const rows = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.runnerId, runnerId), ne(pushSubscriptions.id, keepId), notInArray(pushSubscriptions.id, newest)))
    .returning({ id: pushSubscriptions.id });
  return rows.length;
}
