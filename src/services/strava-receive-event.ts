import { eq } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import { webhookEvents } from '../db/schema/index.js';
import { stravaEventDedupeKey, type StravaEvent } from '../integrations/strava/webhook.js';
import type { Enqueue } from '../jobs/queues.js';

export type ReceiveOutcome = 'queued' | 'duplicate' | 'ignored_subscription';

/**
 * POST /webhooks/strava after validation: record the event in the Postgres inbox, then enqueue its
 * handling — nothing that talks to Strava, so the answer leaves well inside Strava's 2 s.
 * A redelivery hits the dedupe key and inserts nothing; it is re-enqueued only while the first copy
 * is still unprocessed (the job id makes that a no-op unless the first enqueue was lost).
 * An event for another subscription is recorded (for the audit trail) and not handled.
 */
export async function receiveStravaEvent(
  deps: { db: Db; enqueue: Enqueue; env: Pick<Env, 'STRAVA_SUBSCRIPTION_ID'>; now: () => Date },
  event: StravaEvent,
): Promise<{ outcome: ReceiveOutcome; eventId: string }> {
  const expected = deps.env.STRAVA_SUBSCRIPTION_ID;
  const foreign = expected !== undefined && event.subscription_id !== expected;
  const dedupeKey = stravaEventDedupeKey(event);
  const [inserted] = await deps.db
    .insert(webhookEvents)
    .values({
      provider: 'strava',
      dedupeKey,
      payload: event,
      ...(foreign ? { processedAt: deps.now(), outcome: 'ignored_subscription' } : {}),
    })
    .onConflictDoNothing({ target: webhookEvents.dedupeKey })
    .returning({ id: webhookEvents.id });
  if (inserted) {
    if (foreign) return { outcome: 'ignored_subscription', eventId: inserted.id };
    await deps.enqueue('strava.handle-event', { eventId: inserted.id });
    return { outcome: 'queued', eventId: inserted.id };
  }
  const [existing] = await deps.db
    .select({ id: webhookEvents.id, processedAt: webhookEvents.processedAt, outcome: webhookEvents.outcome })
    .from(webhookEvents)
    .where(eq(webhookEvents.dedupeKey, dedupeKey));
  if (existing && !existing.processedAt && !foreign) await deps.enqueue('strava.handle-event', { eventId: existing.id });
  return { outcome: 'duplicate', eventId: existing?.id ?? '' };
}
