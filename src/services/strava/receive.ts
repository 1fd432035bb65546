import type { Env } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import { findEventsByKeys, insertEvents } from '../../db/queries/webhook-events.js';
import { stravaEventDedupeKey, type StravaEvent } from '../../integrations/strava/webhook.js';
import { QueueUnavailableError, type EnqueueBulk } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';

export type ReceiveOutcome = 'queued' | 'duplicate' | 'ignored_subscription';
export interface Received {
  outcome: ReceiveOutcome;
  eventId: string;
}

export interface InboxDeps {
  db: Db;
  /** bounded by ENQUEUE_TIMEOUT_MS (createDeps) */
  enqueueBulk: EnqueueBulk;
  env: Pick<Env, 'STRAVA_SUBSCRIPTION_ID'>;
  now: () => Date;
  log?: Logger;
}

/**
 * The ingress of POST /webhooks/strava after validation: record the event in the Postgres inbox,
 * then enqueue `strava.handle-event` — nothing that talks to Strava, so the answer leaves well inside
 * Strava's 2 s. An answer is sent only after the row is committed, so an acknowledged event is never
 * lost. If Postgres fails the request fails (503) and Strava redelivers. If Redis does not take the
 * job within ENQUEUE_TIMEOUT_MS the event is still acknowledged: its row stays unprocessed and the
 * recovery sweep queues it once Redis is back (a redelivery also re-enqueues it; same job id, so
 * never twice).
 *
 * Events arriving together are written together: requests that arrive while a write is in flight are
 * collected and flushed as one multi-row INSERT … ON CONFLICT DO NOTHING and one addBulk. Under a
 * burst this turns N round trips to Postgres and Redis into one each; a lone event is flushed on the
 * next tick, so it waits for nothing.
 *
 * A redelivery hits the dedupe key and inserts nothing. An event for another subscription is
 * recorded (audit trail) as processed with outcome `ignored_subscription`, and not handled.
 */
export class StravaInbox {
  private pending: Array<{ event: StravaEvent; resolve: (r: Received) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly deps: InboxDeps,
    /** concurrent flushes (each holds one pooled connection) */
    private readonly maxInFlight = 4,
    private readonly maxBatch = 200,
  ) {}

  receive(event: StravaEvent): Promise<Received> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        this.inFlight += 1;
        this.flush(batch)
          .catch(() => undefined)
          .finally(() => {
            this.inFlight -= 1;
            this.schedule();
          });
      }
    });
  }

  private async flush(batch: StravaInbox['pending']): Promise<void> {
    try {
      const results = await writeEvents(
        this.deps,
        batch.map((b) => b.event),
      );
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One event Postgres refuses must not fail its neighbours: write them one by one.
      for (const b of batch) {
        try {
          b.resolve((await writeEvents(this.deps, [b.event]))[0]!);
        } catch (single) {
          b.reject(single);
        }
      }
    }
  }
}

/** Insert a batch of events and enqueue the new ones; one result per input, in order. */
export async function writeEvents(deps: InboxDeps, events: StravaEvent[]): Promise<Received[]> {
  const expected = deps.env.STRAVA_SUBSCRIPTION_ID;
  const now = deps.now();
  const keys = events.map(stravaEventDedupeKey);
  const foreign = events.map((e) => expected !== undefined && e.subscription_id !== String(expected));
  // One row per distinct key (a batch may hold a redelivery of its own event).
  const firstIndex = new Map<string, number>();
  keys.forEach((k, i) => firstIndex.has(k) || firstIndex.set(k, i));
  const rows = [...firstIndex.values()].map((i) => ({
    provider: 'strava' as const,
    dedupeKey: keys[i]!,
    payload: events[i]!,
    ...(foreign[i] ? { processedAt: now, outcome: 'ignored_subscription' } : {}),
  }));
  const inserted = await insertEvents(deps.db, rows);
  const newIds = new Map(inserted.map((r) => [r.dedupeKey, r.id]));

  // Redeliveries: find the first copy; re-enqueue it while unprocessed (idempotent by job id).
  const replayed = [...firstIndex.keys()].filter((k) => !newIds.has(k));
  const existing = await findEventsByKeys(deps.db, replayed);
  const oldIds = new Map(existing.map((r) => [r.dedupeKey, r]));

  const toEnqueue = new Set<string>();
  for (const [key, i] of firstIndex) {
    if (foreign[i]) continue;
    const id = newIds.get(key) ?? (oldIds.get(key) && !oldIds.get(key)!.processedAt ? oldIds.get(key)!.id : undefined);
    if (id) toEnqueue.add(id);
  }
  if (toEnqueue.size) await enqueueHandleEvents(deps, [...toEnqueue]);

  return keys.map((key, i) => {
    const isFirst = firstIndex.get(key) === i;
    const id = newIds.get(key) ?? oldIds.get(key)?.id ?? '';
    if (isFirst && newIds.has(key)) return { outcome: foreign[i] ? 'ignored_subscription' : 'queued', eventId: id };
    return { outcome: 'duplicate', eventId: id };
  });
}

/**
 * One `strava.handle-event` per new inbox row, in one bulk enqueue through the job catalog (bounded by
 * ENQUEUE_TIMEOUT_MS). If Redis does not take them in time the rows are committed anyway: the sweep
 * queues them once Redis answers again.
 */
export async function enqueueHandleEvents(deps: Pick<InboxDeps, 'enqueueBulk' | 'log'>, eventIds: string[]): Promise<void> {
  try {
    await deps.enqueueBulk(
      'strava.handle-event',
      eventIds.map((eventId) => ({ eventId })),
    );
  } catch (err) {
    if (!(err instanceof QueueUnavailableError)) throw err;
    deps.log?.warn({ events: eventIds.length, err }, 'webhook events recorded; enqueue deferred to the sweep');
  }
}
