import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { notifications, type NotificationAttempt, type NotificationPayload } from '../schema/index.js';

export type NotificationRow = typeof notifications.$inferSelect;

/** Insert a push once per (kind, subject); null when that subject was already recorded. */
export async function insertNotificationOnce(
  db: DbOrTx,
  values: { runnerId: string; kind: string; subjectId: string; payload: NotificationPayload },
): Promise<string | null> {
  const rows = await db
    .insert(notifications)
    .values(values)
    .onConflictDoNothing({ target: [notifications.kind, notifications.subjectId] })
    .returning({ id: notifications.id });
  return rows[0]?.id ?? null;
}

export async function findNotification(db: DbOrTx, id: string): Promise<NotificationRow | undefined> {
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

/**
 * Append a delivery attempt and count it (time, and the error of a failed one); a delivered one also
 * marks the row delivered. Returns false when the row was already delivered (nothing changes then).
 */
export async function recordDeliveryAttempt(db: DbOrTx, id: string, attempt: NotificationAttempt, now: Date): Promise<boolean> {
  const rows = await db
    .update(notifications)
    .set({
      attempts: sql`${notifications.attempts} || ${JSON.stringify([attempt])}::jsonb`,
      attemptCount: sql`${notifications.attemptCount} + 1`,
      lastAttemptAt: now,
      lastError: attempt.error ?? null,
      ...(attempt.error ? {} : { status: 'delivered' as const, deliveredAt: now }),
      updatedAt: now,
    })
    .where(and(eq(notifications.id, id), ne(notifications.status, 'delivered')))
    .returning({ id: notifications.id });
  return rows.length > 0;
}

/** The outbox row of one (kind, subject), if recorded. */
export async function findNotificationIdBySubject(db: DbOrTx, kind: string, subjectId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.kind, kind), eq(notifications.subjectId, subjectId)));
  return row?.id ?? null;
}

/** Pushes still pending and untouched since `staleBefore` (the recovery sweep's candidates). */
export async function listStalePendingNotifications(db: DbOrTx, staleBefore: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.status, 'pending'), lt(notifications.updatedAt, staleBefore)))
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function isNotificationPending(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.status, 'pending')));
  return rows.length > 0;
}

/** Fails a push still pending (its delivery job failed for good). */
export async function failPendingNotification(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'failed', updatedAt: now })
    .where(and(eq(notifications.id, id), eq(notifications.status, 'pending')));
}
