import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { connections, webhookEvents } from '../db/schema/index.js';
import { isDeauthorization, StravaEvent } from '../integrations/strava/webhook.js';
import type { Enqueue } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import { deleteActivities } from './activities.js';
import { confirmActivityDeleted, confirmDeauthorized } from './strava-confirm.js';
import { findStravaActivity } from './strava-fetch-activity.js';
import type { SessionDeps } from './strava-session.js';
import { revokeStravaConnection } from './strava-revoke.js';

/** What handling decided, stored in webhook_events.outcome. */
export type EventOutcome =
  | 'fetch_queued'
  | 'deleted'
  | 'delete_unknown_activity'
  | 'delete_not_confirmed'
  | 'revoked'
  | 'deauthorization_not_confirmed'
  | 'ignored_unknown_athlete'
  | 'ignored_inactive_connection'
  | 'ignored_athlete_update'
  | 'invalid_payload';

export type HandleEventDeps = SessionDeps & {
  db: Db;
  enqueue: Enqueue;
  now: () => Date;
  log: Logger;
};

/**
 * `strava.handle-event`: route one inbox event to its work. Activity create/update → fetch with the
 * athlete's token (the body is trusted for ids only); delete → remove the activity and recompute its
 * weeks, only once Strava confirms it (see strava-confirm.ts: events are unsigned and can be forged);
 * athlete deauthorisation → revoke, likewise only once Strava refuses the athlete's token. Idempotent: an event already processed is not redone.
 */
export async function handleStravaEvent(deps: HandleEventDeps, eventId: string): Promise<{ outcome: EventOutcome | 'missing' | 'already_processed' }> {
  const [row] = await deps.db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1` })
    .where(eq(webhookEvents.id, eventId))
    .returning();
  if (!row) return { outcome: 'missing' };
  if (row.processedAt) return { outcome: 'already_processed' };

  let outcome: EventOutcome;
  try {
    outcome = await route(deps, row.payload);
  } catch (err) {
    await deps.db.update(webhookEvents).set({ error: (err as Error).message.slice(0, 1000) }).where(eq(webhookEvents.id, eventId));
    throw err;
  }
  await deps.db.update(webhookEvents).set({ processedAt: deps.now(), outcome, error: null }).where(eq(webhookEvents.id, eventId));
  return { outcome };
}

async function route(deps: HandleEventDeps, payload: unknown): Promise<EventOutcome> {
  const parsed = StravaEvent.safeParse(payload);
  if (!parsed.success) return 'invalid_payload';
  const event = parsed.data;
  const [conn] = await deps.db
    .select({ id: connections.id, runnerId: connections.runnerId, status: connections.status })
    .from(connections)
    .where(and(eq(connections.provider, 'strava'), eq(connections.externalAthleteId, String(event.owner_id))));
  if (!conn) return 'ignored_unknown_athlete';

  if (event.object_type === 'athlete') {
    if (!isDeauthorization(event)) return 'ignored_athlete_update';
    // Anyone can post this event: act only when Strava refuses the athlete's token (an
    // authenticated call, then the refresh). Revoking twice is harmless.
    const verdict = await confirmDeauthorized(deps, conn.id);
    if (verdict === 'exists') {
      deps.log.warn({ runnerId: conn.runnerId, athleteId: String(event.owner_id) }, 'strava deauthorization event not confirmed by Strava; nothing revoked');
      return 'deauthorization_not_confirmed';
    }
    await revokeStravaConnection(deps, conn.id, 'deauthorized_on_strava');
    return 'revoked';
  }

  const stravaActivityId = String(event.object_id);
  if (event.aspect_type === 'delete') {
    const activity = await findStravaActivity(deps.db, conn.runnerId, stravaActivityId);
    if (!activity || activity.deletedAt) return 'delete_unknown_activity';
    // Anyone can post this event: ask Strava with the athlete's token. 404 or a refused token
    // confirms it; an activity Strava still serves stays.
    const verdict = await confirmActivityDeleted(deps, conn.id, stravaActivityId);
    if (verdict === 'exists') {
      deps.log.warn({ runnerId: conn.runnerId, stravaActivityId }, 'strava delete event not confirmed by Strava; nothing deleted');
      return 'delete_not_confirmed';
    }
    await deleteActivities(deps, conn.runnerId, [activity.id], verdict === 'not_found' ? 'deleted_on_strava' : 'strava_token_refused');
    return 'deleted';
  }
  if (conn.status !== 'active') return 'ignored_inactive_connection';
  await deps.enqueue('strava.fetch-activity', {
    connectionId: conn.id,
    stravaActivityId,
    reason: event.aspect_type === 'create' ? 'webhook' : 'update',
    streamAttempt: 0,
  });
  return 'fetch_queued';
}
