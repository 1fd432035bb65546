import type { Db } from '../../db/client.js';
import { findEventsByKeys, insertEvents } from '../../db/queries/webhook-events.js';
import { QueueUnavailableError, type Enqueue } from '../../jobs/queues.js';
import { safeEqual, sha256Hex } from '../../lib/crypto.js';

export const GARMIN_NOTIFICATION_KINDS = ['activity-files', 'deregistrations', 'permissions'] as const;
export type GarminNotificationKind = (typeof GARMIN_NOTIFICATION_KINDS)[number];

export type GarminReceiveOutcome = 'recorded' | 'duplicate' | 'ignored_client_id';

/**
 * Record a Garmin notification in the inbox, then enqueue `garmin.handle-notification`, before
 * answering 200 (Garmin retries anything else and may disable an app that keeps failing). Keyed by
 * kind + body hash, so a redelivery inserts nothing; a redelivery of a row still unprocessed
 * re-enqueues it (same job id, so never twice while its job is alive; the inbox sweep covers the rest).
 *
 * `garmin-client-id` header present but not our client id: recorded as processed with outcome
 * `ignored_client_id` (an audit trail; nothing is done with it) under its own dedupe key, so it can
 * never shadow a genuine delivery of the same body. Answered 200 like Garmin expects: a 4xx would
 * only make Garmin retry a misrouted delivery for days.
 */
export async function recordGarminNotification(
  deps: { db: Db; enqueue: Enqueue; now: () => Date },
  kind: GarminNotificationKind,
  rawBody: Buffer,
  payload: unknown,
  opts: { clientIdHeader?: string | undefined; expectedClientId: string },
): Promise<GarminReceiveOutcome> {
  const hash = sha256Hex(rawBody);
  if (opts.clientIdHeader !== undefined && !safeEqual(opts.clientIdHeader, opts.expectedClientId)) {
    await insertEvents(deps.db, [
      {
        provider: 'garmin',
        dedupeKey: `garmin:ignored-client:${kind}:${hash}`,
        payload: { kind, body: payload, clientId: opts.clientIdHeader.slice(0, 200) },
        processedAt: deps.now(),
        outcome: 'ignored_client_id',
      },
    ]);
    return 'ignored_client_id';
  }
  const dedupeKey = `garmin:${kind}:${hash}`;
  const inserted = await insertEvents(deps.db, [{ provider: 'garmin', dedupeKey, payload: { kind, body: payload } }]);
  if (inserted[0]) {
    await enqueueOrDefer(deps, inserted[0].id);
    return 'recorded';
  }
  const [existing] = await findEventsByKeys(deps.db, [dedupeKey]);
  if (existing && !existing.processedAt) await enqueueOrDefer(deps, existing.id);
  return 'duplicate';
}

/** The row is committed: if Redis does not take the job in time, the recovery sweep queues it later. */
async function enqueueOrDefer(deps: { enqueue: Enqueue }, eventId: string): Promise<void> {
  try {
    await deps.enqueue('garmin.handle-notification', { eventId });
  } catch (err) {
    if (!(err instanceof QueueUnavailableError)) throw err;
  }
}
