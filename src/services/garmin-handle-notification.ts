import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { connections, webhookEvents } from '../db/schema/index.js';
import { REQUIRED_PERMISSION } from '../integrations/garmin/oauth.js';
import { parseEntries } from '../integrations/garmin/webhook.js';
import type { Enqueue } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import { GARMIN_NOTIFICATION_KINDS, type GarminNotificationKind } from './garmin-receive.js';
import { revokeConnection } from './strava-revoke.js';
import type { FetchFitPayload } from './garmin-fetch-fit.js';

/** Per-entry decisions; a row's outcome lists the distinct ones, sorted, comma-separated. */
export type EntryOutcome = 'fetch_queued' | 'revoked' | 'needs_reauth' | 'reactivated' | 'permissions_ok' | 'ignored_unknown_user' | 'ignored_inactive_connection';

/** Reason stored on a connection whose user withdrew ACTIVITY_EXPORT. */
export const PERMISSION_WITHDRAWN = 'activity_export_withdrawn';

export interface GarminHandleDeps {
  db: Db;
  enqueue: Enqueue;
  now: () => Date;
  log: Logger;
}

/**
 * `garmin.handle-notification`: route one inbox row. A body may carry many users (platform-apis.md
 * §2.3); each entry is handled on its own. Activity files → one `garmin.fetch-fit` per file of a
 * known, active user; deregistrations → revoke (idempotent: repeats happen); permission changes
 * without ACTIVITY_EXPORT → `needs_reauth` (and back to active when it is granted again). Unknown
 * users are ignored, the row still counts as processed. A retry after a partial failure redoes the
 * row; every step is idempotent (fetch jobs are keyed by callbackURL).
 */
export async function handleGarminNotification(deps: GarminHandleDeps, eventId: string): Promise<{ outcome: string }> {
  const [row] = await deps.db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1` })
    .where(and(eq(webhookEvents.id, eventId), eq(webhookEvents.provider, 'garmin')))
    .returning();
  if (!row) return { outcome: 'missing' };
  if (row.processedAt) return { outcome: 'already_processed' };

  let outcome: string;
  try {
    outcome = await route(deps, row.id, row.payload);
  } catch (err) {
    await deps.db.update(webhookEvents).set({ error: (err as Error).message.slice(0, 1000) }).where(eq(webhookEvents.id, eventId));
    throw err;
  }
  await deps.db.update(webhookEvents).set({ processedAt: deps.now(), outcome, error: null }).where(eq(webhookEvents.id, eventId));
  return { outcome };
}

async function findGarminConnection(db: Db, userId: string) {
  const [conn] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.provider, 'garmin'), eq(connections.externalAthleteId, userId)));
  return conn;
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
  handle: (conn: NonNullable<Awaited<ReturnType<typeof findGarminConnection>>>, entry: ReturnType<typeof parseEntries<K>>['entries'][number], index: number) => Promise<string>,
): Promise<void> {
  const { entries, invalid } = parseEntries(kind, body);
  if (invalid) outcomes.add('invalid_entries');
  for (const [index, entry] of entries.entries()) {
    const conn = await findGarminConnection(deps.db, entry.userId);
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
        await deps.db.update(connections).set({ scopes: e.permissions, status: 'needs_reauth', statusReason: PERMISSION_WITHDRAWN, updatedAt: now }).where(eq(connections.id, conn.id));
        deps.log.warn({ connectionId: conn.id, permissions: e.permissions }, 'garmin user withdrew ACTIVITY_EXPORT; connection needs re-authorisation');
        return 'needs_reauth';
      }
      if (conn.status === 'needs_reauth' && conn.statusReason === PERMISSION_WITHDRAWN) {
        // Only the withdrawal we flagged is undone; a dead refresh token still needs a reconnect.
        await deps.db.update(connections).set({ scopes: e.permissions, status: 'active', statusReason: null, updatedAt: now }).where(eq(connections.id, conn.id));
        return 'reactivated';
      }
      await deps.db.update(connections).set({ scopes: e.permissions, updatedAt: now }).where(eq(connections.id, conn.id));
      return 'permissions_ok';
    });
  }
  return outcomes.size ? [...outcomes].sort().join(',') : 'no_entries';
}

/**
 * The Activity File entry a `garmin.fetch-fit` job names: entry `entryIndex` of the (validated)
 * activity-files list of inbox row `eventId`, or null when the row or entry is gone.
 */
export async function activityFileEntry(db: GarminHandleDeps['db'], connectionId: string, eventId: string, entryIndex: number): Promise<FetchFitPayload | null> {
  const [row] = await db.select({ payload: webhookEvents.payload }).from(webhookEvents).where(eq(webhookEvents.id, eventId));
  const stored = row?.payload as { kind?: unknown; body?: unknown } | undefined;
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
