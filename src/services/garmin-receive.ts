import type { Db } from '../db/client.js';
import { webhookEvents } from '../db/schema/index.js';
import { sha256Hex } from '../lib/crypto.js';

export const GARMIN_NOTIFICATION_KINDS = ['activity-files', 'deregistrations', 'permissions'] as const;
export type GarminNotificationKind = (typeof GARMIN_NOTIFICATION_KINDS)[number];

/**
 * Record a Garmin notification in the inbox before answering 200 (Garmin retries anything else and
 * may disable an app that keeps failing). Keyed by kind + body hash, so a redelivery inserts nothing.
 * Processing of these rows belongs to the Garmin integration; until it runs they wait, unprocessed
 * and visible, in the same inbox as Strava's events.
 */
export async function recordGarminNotification(deps: { db: Db }, kind: GarminNotificationKind, rawBody: Buffer, payload: unknown): Promise<'recorded' | 'duplicate'> {
  const rows = await deps.db
    .insert(webhookEvents)
    .values({ provider: 'garmin', dedupeKey: `garmin:${kind}:${sha256Hex(rawBody)}`, payload: { kind, body: payload } })
    .onConflictDoNothing({ target: webhookEvents.dedupeKey })
    .returning({ id: webhookEvents.id });
  return rows.length ? 'recorded' : 'duplicate';
}
