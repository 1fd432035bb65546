import type { Db } from '../../db/client.js';
import { findConnectionByAccount, updateConnection, type ConnectionRow } from '../../db/queries/connections.js';
import { findEventPayload } from '../../db/queries/webhook-events.js';
import { REQUIRED_PERMISSION } from '../../integrations/garmin/oauth.js';
import { parseEntries } from '../../integrations/garmin/webhook.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { revokeConnection } from '../connections/revoke.js';
import { processInboxRow } from '../inbox/process-row.js';
import type { FetchFitPayload } from './fetch-activity.js';
import { GARMIN_NOTIFICATION_KINDS, type GarminNotificationKind } from './receive.js';

/** Per-entry decisions; a row's outcome lists the distinct ones, sorted, comma-separated. */
export type EntryOutcome =
  'fetch_queued' | 'revoked' | 'needs_reauth' | 'reactivated' | 'permissions_ok' | 'ignored_unknown_user' | 'ignored_inactive_connection';

/** Reason stored on a connection whose user withdrew ACTIVITY_EXPORT. */
export const PERMISSION_WITHDRAWN = 'activity_export_withdrawn';

export interface GarminHandleDeps {
  db: Db;
  enqueue: Enqueue;
  now: () => Date;
  log: Logger;
}

/**
 * `garmin.handle-notification`: route one inbox row. A body may carry many users (docs/platforms.md
 * "Garmin notifications"); each entry is handled on its own. Activity files → one `garmin.fetch-fit` per file of a
 * known, active user; deregistrations → revoke (idempotent: repeats happen); permission changes
 * without ACTIVITY_EXPORT → `needs_reauth` (and back to active when it is granted again). Unknown
 * users are ignored, the row still counts as processed. A retry after a partial failure redoes the
 * row; every step is idempotent (fetch jobs are keyed by callbackURL).
 */
export async function handleGarminNotification(deps: GarminHandleDeps, eventId: string): Promise<{ outcome: string }> {
  return processInboxRow(deps, eventId, (row) => route(deps, row.id, row.payload), { provider: 'garmin' });
}

/**
 * Run `handle` for every valid entry of a notification whose Garmin user we know; entries of unknown
 * users are acknowledged as `ignored_unknown_user`. Each call's outcome is collected.
 */
async function forEachKnownUser<K extends GarminNotificationKind>(
  deps: GarminHandleDeps,
  kind: K,
  body: unknown,
  outcomes: Set<string>,
  handle: (conn: ConnectionRow, entry: ReturnType<typeof parseEntries<K>>['entries'][number], index: number) => Promise<string>,
): Promise<void> {
  const { entries, invalid } = parseEntries(kind, body);
  if (invalid) outcomes.add('invalid_entries');
  for (const [index, entry] of entries.entries()) {
    const conn = await findConnectionByAccount(deps.db, 'garmin', entry.userId);
    outcomes.add(conn ? await handle(conn, entry, index) : 'ignored_unknown_user');
  }
}

async function route(deps: GarminHandleDeps, eventId: string, payload: unknown): Promise<string> {
  const stored = payload as { kind?: unknown; body?: unknown } | null;
  const kind = stored?.kind;
  if (typeof kind !== 'string' || !(GARMIN_NOTIFICATION_KINDS as readonly string[]).includes(kind)) return 'invalid_payload';
  const outcomes = new Set<string>();
  const k = kind as GarminNotificationKind;

  if (k === 'activity-files') {
    await forEachKnownUser(deps, 'activity-files', stored!.body, outcomes, async (conn, e, entryIndex) => {
      if (conn.status !== 'active') return 'ignored_inactive_connection';
      await deps.enqueue('garmin.fetch-fit', { connectionId: conn.id, eventId, entryIndex });
      return 'fetch_queued';
    });
  } else if (k === 'deregistrations') {
    await forEachKnownUser(deps, 'deregistrations', stored!.body, outcomes, async (conn) => {
      // Repeats are harmless: tokens are already gone and no Garmin activity is left to delete.
      await revokeConnection(deps, conn.id, 'deregistered_on_garmin');
      return 'revoked';
    });
  } else {
    await forEachKnownUser(deps, 'permissions', stored!.body, outcomes, async (conn, e) => {
      if (conn.status === 'revoked') return 'ignored_inactive_connection';
      const now = deps.now();
      if (!e.permissions.includes(REQUIRED_PERMISSION)) {
        await updateConnection(deps.db, conn.id, { scopes: e.permissions, status: 'needs_reauth', statusReason: PERMISSION_WITHDRAWN, updatedAt: now });
        deps.log.warn({ connectionId: conn.id, permissions: e.permissions }, 'garmin user withdrew ACTIVITY_EXPORT; connection needs re-authorisation');
        return 'needs_reauth';
      }
      if (conn.status === 'needs_reauth' && conn.statusReason === PERMISSION_WITHDRAWN) {
        // Only the withdrawal we flagged is undone; a dead refresh token still needs a reconnect.
        await updateConnection(deps.db, conn.id, { scopes: e.permissions, status: 'active', statusReason: null, updatedAt: now });
        return 'reactivated';
      }
      await updateConnection(deps.db, conn.id, { scopes: e.permissions, updatedAt: now });
      return 'permissions_ok';
    });
  }
  return outcomes.size ? [...outcomes].sort().join(',') : 'no_entries';
}

/**
 * The Activity File entry a `garmin.fetch-fit` job names: entry `entryIndex` of the (validated)
 * activity-files list of inbox row `eventId`, or null when the row or entry is gone.
 */
export async function activityFileEntry(
  db: GarminHandleDeps['db'],
  connectionId: string,
  eventId: string,
  entryIndex: number,
): Promise<FetchFitPayload | null> {
  const stored = (await findEventPayload(db, eventId)) as { kind?: unknown; body?: unknown } | undefined;
  if (stored?.kind !== 'activity-files') return null;
  const e = parseEntries('activity-files', stored.body).entries[entryIndex];
  if (!e) return null;
  return {
    connectionId,
    summaryId: e.summaryId,
    callbackURL: e.callbackURL,
    ...(e.activityId !== undefined ? { activityId: String(e.activityId) } : {}),
    ...(e.startTimeInSeconds !== undefined ? { startTimeInSeconds: e.startTimeInSeconds } : {}),
  };
}
