import type { Db } from '../../db/client.js';
import { findConnectionByAccount } from '../../db/queries/connections.js';
import { planStravaEvent } from '../../domain/strava-fetch-plan.js';
import { StravaEvent } from '../../integrations/strava/webhook.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { deleteActivities } from '../activities.js';
import type { SessionDeps } from '../connections/session.js';
import { revokeConnection } from '../connections/revoke.js';
import { processInboxRow } from '../inbox/process-row.js';
import { confirmActivityDeleted, confirmDeauthorized } from './confirm.js';
import { findStravaActivity } from './fetch-activity.js';

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
 * weeks, only once Strava confirms it (see confirm.ts: events are unsigned and can be forged; a
 * connection that is not active cannot ask, so its deletes are not acted on);
 * athlete deauthorisation → revoke, likewise only once Strava refuses the athlete's token. Idempotent: an event already processed is not redone.
 */
export async function handleStravaEvent(deps: HandleEventDeps, eventId: string): Promise<{ outcome: EventOutcome | 'missing' | 'already_processed' }> {
  return processInboxRow(deps, eventId, (row) => route(deps, row.payload));
}

async function route(deps: HandleEventDeps, payload: unknown): Promise<EventOutcome> {
  const parsed = StravaEvent.safeParse(payload);
  if (!parsed.success) return 'invalid_payload';
  const event = parsed.data;
  const conn = await findConnectionByAccount(deps.db, 'strava', String(event.owner_id));
  if (!conn) return 'ignored_unknown_athlete';

  const stravaActivityId = String(event.object_id);
  const activity =
    event.object_type === 'activity' && event.aspect_type === 'delete' ? await findStravaActivity(deps.db, conn.runnerId, stravaActivityId) : undefined;
  const plan = planStravaEvent(
    { objectType: event.object_type, aspect: event.aspect_type, updates: event.updates },
    { connectionStatus: conn.status, activity: activity ? { deleted: Boolean(activity.deletedAt) } : null },
  );
  switch (plan.action) {
    case 'ignore':
      if (plan.outcome === 'delete_not_confirmed') {
        deps.log.warn(
          { runnerId: conn.runnerId, stravaActivityId, status: conn.status },
          'strava delete event for an inactive connection cannot be confirmed; nothing deleted',
        );
      }
      return plan.outcome;
    case 'confirm_deauthorization': {
      // Anyone can post this event: act only when Strava refuses the athlete's token (an
      // authenticated call, then the refresh). Revoking twice is harmless.
      const verdict = await confirmDeauthorized(deps, conn.id);
      if (verdict === 'exists') {
        deps.log.warn({ runnerId: conn.runnerId, athleteId: String(event.owner_id) }, 'strava deauthorization event not confirmed by Strava; nothing revoked');
        return 'deauthorization_not_confirmed';
      }
      await revokeConnection(deps, conn.id, 'deauthorized_on_strava');
      return 'revoked';
    }
    case 'confirm_delete': {
      // Anyone can post this event: ask Strava with the athlete's token. 404 or a refused token
      // confirms it; an activity Strava still serves stays.
      const verdict = await confirmActivityDeleted(deps, conn.id, stravaActivityId);
      if (verdict === 'exists') {
        deps.log.warn({ runnerId: conn.runnerId, stravaActivityId }, 'strava delete event not confirmed by Strava; nothing deleted');
        return 'delete_not_confirmed';
      }
      await deleteActivities(deps, conn.runnerId, [activity!.id], verdict === 'not_found' ? 'deleted_on_strava' : 'strava_token_refused');
      return 'deleted';
    }
    case 'fetch':
      await deps.enqueue('strava.fetch-activity', { connectionId: conn.id, stravaActivityId, reason: plan.reason, streamAttempt: 0 });
      return 'fetch_queued';
  }
}
