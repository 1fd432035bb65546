import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { notifications } from '../db/schema/index.js';
import { hmacSha256Hex } from '../lib/crypto.js';
import type { Enqueue } from '../jobs/queues.js';

/** Header names of outbound pushes; receivers verify `v1=HMAC-SHA256(secret, "<timestamp>.<body>")`. */
export const SIGNATURE_HEADER = 'x-stridesync-signature';
export const TIMESTAMP_HEADER = 'x-stridesync-timestamp';
export const DELIVERY_HEADER = 'x-stridesync-delivery';

/** Signature over the timestamp and the exact body bytes, so a replayed or edited body fails. */
export function signPush(secret: string, timestampS: number, body: string): string {
  return `v1=${hmacSha256Hex(secret, `${timestampS}.${body}`)}`;
}

/**
 * Record a push in the outbox once per (kind, subject). Returns the new row's id, or null when this
 * subject was already recorded (re-evaluating a warning must not push it again).
 */
export async function recordNotification(
  db: DbOrTx,
  input: { runnerId: string; kind: string; subjectId: string; payload: Record<string, unknown> },
): Promise<string | null> {
  const rows = await db
    .insert(notifications)
    .values(input)
    .onConflictDoNothing({ target: [notifications.kind, notifications.subjectId] })
    .returning({ id: notifications.id });
  return rows[0]?.id ?? null;
}

export async function enqueueNotification(deps: { enqueue: Enqueue; notifyConfigured: boolean }, id: string | null): Promise<void> {
  if (id && deps.notifyConfigured) await deps.enqueue('notify.deliver', { notificationId: id });
}

export class PushFailedError extends Error {
  override name = 'PushFailedError';
}

/**
 * POST one outbox row to the configured URL. Throws PushFailedError on a non-2xx answer or network
 * failure so the queue retries with back-off; a delivered row is never sent again.
 */
export async function deliverNotification(
  deps: { db: DbOrTx; fetch: typeof fetch; now: () => Date; url: string; secret: string | undefined },
  notificationId: string,
): Promise<'delivered' | 'already_delivered' | 'missing'> {
  const [row] = await deps.db.select().from(notifications).where(eq(notifications.id, notificationId));
  if (!row) return 'missing';
  if (row.status === 'delivered') return 'already_delivered';
  const body = JSON.stringify({ id: row.id, kind: row.kind, runnerId: row.runnerId, data: row.payload });
  const ts = Math.floor(deps.now().getTime() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(ts),
    [DELIVERY_HEADER]: row.id,
  };
  if (deps.secret) headers[SIGNATURE_HEADER] = signPush(deps.secret, ts, body);
  let status: number | null = null;
  let error: string | undefined;
  try {
    const res = await deps.fetch(deps.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    status = res.status;
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (err) {
    error = (err as Error).message;
  }
  const attempt = { at: deps.now().toISOString(), status, ...(error ? { error } : {}) };
  await deps.db
    .update(notifications)
    .set({
      attempts: sql`${notifications.attempts} || ${JSON.stringify([attempt])}::jsonb`,
      ...(error ? {} : { status: 'delivered' as const, deliveredAt: deps.now() }),
      updatedAt: deps.now(),
    })
    .where(eq(notifications.id, row.id));
  if (error) throw new PushFailedError(`push ${row.id} failed: ${error}`);
  return 'delivered';
}
