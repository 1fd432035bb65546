import { findConnection, updateConnection } from '../../db/queries/connections.js';
import { GarminApiError } from '../../integrations/garmin/client.js';
import { garminProvider } from '../../integrations/garmin/provider.js';
import { PermanentJobError } from '../../lib/errors.js';
import { openSession, type SessionDeps } from '../connections/session.js';

/** Garmin accepts at most 30 days per backfill request (docs/platforms.md). */
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
 * one (docs/rules.md). Garmin answers 202 and delivers the files later as ordinary Activity File
 * pings, which the normal path imports; the connection's backfill status says the request went out.
 */
export async function requestGarminBackfill(
  deps: SessionDeps,
  connectionId: string,
  days: number,
): Promise<{ windows: number; alreadyRequested: number } | { skipped: string }> {
  const conn = await findConnection(deps.db, connectionId);
  if (!conn || conn.provider !== 'garmin') return { skipped: 'connection_missing' };
  if (conn.status !== 'active') return { skipped: `connection_${conn.status}` };
  // Every request goes through the session: a 401 refreshes the token once, then needs_reauth.
  const session = openSession(deps, garminProvider, conn.id, 'backfill');
  const windows = backfillWindows(deps.now(), days);
  let alreadyRequested = 0;
  await updateConnection(deps.db, conn.id, { backfillStatus: 'running', backfillTotal: windows.length, backfillDone: 0, updatedAt: deps.now() });
  for (const [i, [from, to]] of windows.entries()) {
    try {
      if ((await session.call((api) => api.requestActivityBackfill(from, to))) === 'already_requested') alreadyRequested += 1;
    } catch (err) {
      const refused = err instanceof GarminApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
      // refused for good: by Garmin, or the grant is gone (the session marked it needs_reauth)
      if (refused || err instanceof PermanentJobError) await updateConnection(deps.db, conn.id, { backfillStatus: 'failed', updatedAt: deps.now() });
      if (refused) throw new PermanentJobError('garmin_backfill_refused', (err as Error).message);
      throw err;
    }
    await updateConnection(deps.db, conn.id, { backfillDone: i + 1, updatedAt: deps.now() });
  }
  await updateConnection(deps.db, conn.id, { backfillStatus: 'done', updatedAt: deps.now() });
  deps.log.info({ connectionId, windows: windows.length, alreadyRequested }, 'garmin backfill requested');
  return { windows: windows.length, alreadyRequested };
}
