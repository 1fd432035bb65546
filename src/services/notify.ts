import { Webhook } from 'standardwebhooks';
import type { Db, DbOrTx } from '../db/client.js';
import { failPendingNotification, findNotification, insertNotificationOnce, recordDeliveryAttempt } from '../db/queries/notifications.js';
import { failNotificationDeliveries, markNotificationDeliveriesDelivered } from '../db/queries/pain-prompts.js';
import type { NotificationAttempt, NotificationPayload } from '../db/schema/index.js';
import { decryptSecret } from '../lib/crypto.js';
import { safeErrorMessage } from '../lib/log-redact.js';
import { webhookSecretKey } from '../lib/webhook-secret.js';
import type { Enqueue } from '../jobs/queues.js';

/**
 * Outbound pushes follow the Standard Webhooks convention (https://www.standardwebhooks.com):
 * `webhook-id` (the outbox row id: one id per event, kept across retries), `webhook-timestamp`
 * (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
 * secret (see webhookSigner). Receivers verify with any Standard Webhooks library (`new Webhook(secret).verify`).
 */
export const ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const SIGNATURE_HEADER = 'webhook-signature';

/** Event types a receiver sees in the body's `type`. */
export const EVENT_TYPES = ['pain_prompt.due', 'pain_prompt.reminder', 'warning.raised', 'warning.resolved'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The signer of NOTIFY_WEBHOOK_SECRET. A `whsec_…` secret is its base64 key (as Standard Webhooks
 * defines it); any other string is used as its UTF-8 bytes. The key bytes go to the library in its raw
 * form, so every secret the configuration accepts signs.
 */
export function webhookSigner(secret: string): Webhook {
  return new Webhook(webhookSecretKey(secret), { format: 'raw' });
}

/** The three headers of one delivery of `body`. */
export function signPush(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    [ID_HEADER]: id,
    [TIMESTAMP_HEADER]: String(Math.floor(at.getTime() / 1000)),
    [SIGNATURE_HEADER]: webhookSigner(secret).sign(id, at, body),
  };
}

/**
 * Record a push in the outbox once per (event type, subject). Returns the new row's id, or null when
 * this subject was already recorded (re-evaluating a warning must not push it again).
 */
export async function recordNotification(
  db: DbOrTx,
  input: { runnerId: string; kind: EventType; subjectId: string; payload: NotificationPayload },
): Promise<string | null> {
  return insertNotificationOnce(db, input);
}

export async function enqueueNotification(deps: { enqueue: Enqueue; notifyConfigured: boolean }, id: string | null): Promise<void> {
  if (id && deps.notifyConfigured) await deps.enqueue('notify.deliver', { notificationId: id });
}

export class PushFailedError extends Error {
  override name = 'PushFailedError';
}

/**
 * Secrets inside a payload (the answer link's token) are stored encrypted under `…Enc` keys and
 * decrypted only into the bytes that are sent.
 */
function revealPayload(payload: NotificationPayload, key: Buffer | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (k.endsWith('Enc') && typeof v === 'string' && key) out[k.slice(0, -3)] = decryptSecret(v, key);
    else if (!k.endsWith('Enc')) out[k] = v;
  }
  return out;
}

/** The body receivers get: `{type, timestamp, data}` plus the event id and runner. */
export function pushBody(row: { id: string; kind: string; runnerId: string; payload: NotificationPayload; createdAt: Date }, key?: Buffer): string {
  return JSON.stringify({ id: row.id, type: row.kind, timestamp: row.createdAt.toISOString(), runnerId: row.runnerId, data: revealPayload(row.payload, key) });
}

/**
 * POST one outbox row to the configured URL. Every attempt is recorded on the row (its status or
 * error, counted, with its time), whatever failed: signing, the network, or the receiver's answer.
 * Throws PushFailedError unless the receiver answered 2xx, so the queue retries with back-off; only
 * a 2xx marks the row delivered (and the prompt deliveries handed to it), and a delivered row is
 * never sent again.
 */
export async function deliverNotification(
  deps: { db: Db; fetch: typeof fetch; now: () => Date; url: string; secret: string | undefined; tokenEncryptionKey?: Buffer },
  notificationId: string,
): Promise<'delivered' | 'already_delivered' | 'missing'> {
  const row = await findNotification(deps.db, notificationId);
  if (!row) return 'missing';
  if (row.status === 'delivered') return 'already_delivered';
  let status: number | null = null;
  let error: string | undefined;
  try {
    const body = pushBody(row, deps.tokenEncryptionKey);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(deps.secret
        ? signPush(deps.secret, row.id, deps.now(), body)
        : { [ID_HEADER]: row.id, [TIMESTAMP_HEADER]: String(Math.floor(deps.now().getTime() / 1000)) }),
    };
    const res = await deps.fetch(deps.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    status = res.status;
    await res.body?.cancel().catch(() => undefined);
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (err) {
    error = safeErrorMessage(err) || (err as Error).name;
  }
  const now = deps.now();
  const attempt: NotificationAttempt = { at: now.toISOString(), status, ...(error ? { error } : {}) };
  const first = await deps.db.transaction(async (tx) => {
    const recorded = await recordDeliveryAttempt(tx, row.id, attempt, now);
    if (recorded && !error) await markNotificationDeliveriesDelivered(tx, row.id, now);
    return recorded;
  });
  if (error) throw new PushFailedError(`push ${row.id} failed: ${error}`);
  return first ? 'delivered' : 'already_delivered';
}

/** The outbox gave a row up (its job failed for good): the row and the prompt deliveries handed to it are failed. */
export async function failNotification(deps: { db: Db; now: () => Date }, notificationId: string, reason: string): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await failPendingNotification(tx, notificationId, now);
    await failNotificationDeliveries(tx, notificationId, now, `webhook not delivered: ${reason}`);
  });
}
