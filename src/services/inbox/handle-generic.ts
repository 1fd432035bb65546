import { findConnectionByAccount, type ConnectionRow } from '../../db/queries/connections.js';
import { insertEvents, findEventsByKeys } from '../../db/queries/webhook-events.js';
import type { AppDeps } from '../../deps.js';
import type { Provider } from '../../integrations/provider.js';
import { QueueUnavailableError } from '../../jobs/queues.js';
import { sha256Hex } from '../../lib/crypto.js';
import { revokeConnection } from '../connections/revoke.js';
import { openSession } from '../connections/session.js';
import { acceptFitFile } from '../uploads.js';
import { processInboxRow } from './process-row.js';

/**
 * The generic notification path, for a platform that needs nothing of its own beyond its adapter
 * (`interpret` and `fetchActivity`; docs/architecture.md, "Adding a platform"): record a notification
 * in the inbox (keyed by its body's hash, so a redelivery inserts nothing), then handle it — every
 * activity it names is fetched through the session (401 → refresh once → needs_reauth) and handed to
 * the FIT pipeline (`run.import-fit`); a deauthorisation revokes the connection. Strava and Garmin
 * have their own use cases (confirmed deletes, permission changes) in services/strava and
 * services/garmin.
 */

export type GenericDeps = Pick<AppDeps, 'db' | 'redis' | 'env' | 'fetch' | 'now' | 'log' | 'enqueue' | 'queues'>;

/** Write a notification to the inbox; returns its row id and whether it was new. */
export async function recordNotification(
  deps: Pick<AppDeps, 'db'>,
  provider: Provider,
  body: Buffer,
  payload: unknown,
): Promise<{ eventId: string; created: boolean }> {
  const dedupeKey = `${provider.id}:${sha256Hex(body)}`;
  const [inserted] = await insertEvents(deps.db, [{ provider: provider.id, dedupeKey, payload }]);
  if (inserted) return { eventId: inserted.id, created: true };
  const [existing] = await findEventsByKeys(deps.db, [dedupeKey]);
  return { eventId: existing!.id, created: false };
}

/**
 * What a generic platform's webhook route calls after authenticating the request: record the
 * notification, then queue `inbox.handle-notification` for it (a redelivery of a row not yet handled
 * queues it again; the job id keeps it one job). If Redis does not take the job the row is committed
 * anyway and the inbox sweep queues it later, so the route can acknowledge either way.
 */
export async function receiveNotification(
  deps: Pick<AppDeps, 'db' | 'enqueue' | 'log'>,
  provider: Provider,
  body: Buffer,
  payload: unknown,
): Promise<{ eventId: string; created: boolean }> {
  const recorded = await recordNotification(deps, provider, body, payload);
  try {
    await deps.enqueue('inbox.handle-notification', { provider: provider.id, eventId: recorded.eventId });
  } catch (err) {
    if (!(err instanceof QueueUnavailableError)) throw err;
    deps.log.warn({ provider: provider.id, eventId: recorded.eventId, err }, 'notification recorded; enqueue deferred to the sweep');
  }
  return recorded;
}

async function fetchInto(deps: GenericDeps, provider: Provider, conn: ConnectionRow, activityId: string): Promise<string> {
  if (!provider.fetchActivity) return 'ignored_no_fetch';
  const session = openSession(deps, provider, conn.id);
  const fetched = await session.call((api) => provider.fetchActivity!(api, activityId));
  await acceptFitFile(deps, {
    runnerId: conn.runnerId,
    bytes: fetched.bytes,
    origin: `${provider.id}:${activityId}`,
    source: provider.id as 'garmin',
    externalId: activityId,
    connectionId: conn.id,
  });
  return 'fetched';
}

/** Handle one inbox row of `provider`; the row's outcome lists the distinct per-entry outcomes, sorted. */
export async function handleNotification(deps: GenericDeps, provider: Provider, eventId: string): Promise<{ outcome: string }> {
  return processInboxRow(
    deps,
    eventId,
    async (row) => {
      const outcomes = new Set<string>();
      for (const m of provider.interpret?.(row.payload) ?? []) {
        if (m.kind === 'ignored') {
          outcomes.add(m.reason);
          continue;
        }
        const conn = await findConnectionByAccount(deps.db, provider.id, m.externalUserId);
        if (!conn) outcomes.add('ignored_unknown_user');
        else if (m.kind === 'deauthorized') {
          await revokeConnection(deps, conn.id, `deauthorized_on_${provider.id}`);
          outcomes.add('revoked');
        } else if (conn.status !== 'active') outcomes.add('ignored_inactive_connection');
        else outcomes.add(await fetchInto(deps, provider, conn, m.activityId));
      }
      return outcomes.size ? [...outcomes].sort().join(',') : 'no_entries';
    },
    { provider: provider.id },
  );
}
