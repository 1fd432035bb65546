import { eq } from 'drizzle-orm';
import type { Env } from '../config/env.js';
import { connections } from '../db/schema/index.js';
import { GarminApiError, GarminClient, parseCallbackHosts } from '../integrations/garmin/client.js';
import { PermanentJobError } from '../lib/errors.js';
import { getGarminAccessToken, type GarminTokenDeps } from './garmin-token.js';
import { findConnection } from './strava-token.js';

/** Garmin accepts at most 30 days per backfill request (platform-apis.md §2.7). */
export const GARMIN_BACKFILL_WINDOW_DAYS = 30;
const DAY_S = 86_400;

/** [from, to) windows in epoch seconds covering the `days` before `now`, newest first. */
export function backfillWindows(now: Date, days: number): Array<[number, number]> {
  const end = Math.floor(now.getTime() / 1000);
  const windows: Array<[number, number]> = [];
  for (let to = end, left = days; left > 0; left -= GARMIN_BACKFILL_WINDOW_DAYS) {
    const span = Math.min(left, GARMIN_BACKFILL_WINDOW_DAYS) * DAY_S;
    windows.push([to - span, to]);
    to -= span;
  }
  return windows;
}

/**
 * Ask Garmin for the runner's recent activities so the week-on-week rules have a baseline from day
 * one (domain.md §4.4). Garmin answers 202 and delivers the files later as ordinary Activity File
 * pings, which the normal path imports; the connection's backfill status says the request went out.
 */
export async function requestGarminBackfill(
  deps: GarminTokenDeps & { env: Pick<Env, 'GARMIN_API_URL' | 'GARMIN_CALLBACK_HOSTS'> },
  connectionId: string,
  days: number,
): Promise<{ windows: number; alreadyRequested: number } | { skipped: string }> {
  const conn = await findConnection(deps.db, connectionId);
  if (!conn || conn.provider !== 'garmin') return { skipped: 'connection_missing' };
  if (conn.status !== 'active') return { skipped: `connection_${conn.status}` };
  const token = await getGarminAccessToken(deps, conn.id);
  const client = new GarminClient({ apiUrl: deps.env.GARMIN_API_URL, callbackHosts: parseCallbackHosts(deps.env.GARMIN_CALLBACK_HOSTS) }, deps.fetch, token);
  const windows = backfillWindows(deps.now(), days);
  let alreadyRequested = 0;
  await deps.db.update(connections).set({ backfillStatus: 'running', backfillTotal: windows.length, backfillDone: 0, updatedAt: deps.now() }).where(eq(connections.id, conn.id));
  for (const [i, [from, to]] of windows.entries()) {
    try {
      if ((await client.requestActivityBackfill(from, to)) === 'already_requested') alreadyRequested += 1;
    } catch (err) {
      if (err instanceof GarminApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        await deps.db.update(connections).set({ backfillStatus: 'failed', updatedAt: deps.now() }).where(eq(connections.id, conn.id));
        throw new PermanentJobError('garmin_backfill_refused', err.message);
      }
      throw err;
    }
    await deps.db.update(connections).set({ backfillDone: i + 1, updatedAt: deps.now() }).where(eq(connections.id, conn.id));
  }
  await deps.db.update(connections).set({ backfillStatus: 'done', updatedAt: deps.now() }).where(eq(connections.id, conn.id));
  deps.log.info({ connectionId, windows: windows.length, alreadyRequested }, 'garmin backfill requested');
  return { windows: windows.length, alreadyRequested };
}
