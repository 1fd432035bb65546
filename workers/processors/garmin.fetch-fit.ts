import { PermanentJobError } from '../../src/lib/errors.js';
import { safeErrorMessage } from '../../src/lib/log-redact.js';
import { fetchGarminFit, recordFetchFailure } from '../../src/services/garmin/fetch-activity.js';
import { activityFileEntry } from '../../src/services/garmin/handle-event.js';
import { findConnection } from '../../src/db/queries/connections.js';
import type { Processor } from '../types.js';

export const garminFetchFit: Processor<'garmin.fetch-fit'> = async (deps, { connectionId, eventId, entryIndex }, ctx) => {
  const entry = await activityFileEntry(deps.db, connectionId, eventId, entryIndex);
  if (!entry) throw new PermanentJobError('garmin_entry_missing', `inbox row ${eventId} has no activity file #${entryIndex}`);
  try {
    const outcome = await fetchGarminFit(deps, entry);
    if (outcome.status === 'failed') ctx.log.warn({ summaryId: entry.summaryId, ...outcome }, 'garmin file not imported');
    else ctx.log.info({ summaryId: entry.summaryId, ...outcome }, 'garmin file fetched');
    return outcome;
  } catch (err) {
    // The last retry of a download that kept failing (5xx, network): leave a visible trace.
    if (ctx.isFinalAttempt(err)) {
      const conn = await findConnection(deps.db, connectionId).catch(() => undefined);
      if (conn)
        await recordFetchFailure(deps, conn, entry, {
          code: err instanceof PermanentJobError ? err.code : 'garmin_download_failed',
          message: safeErrorMessage(err).slice(0, 500),
        }).catch(() => undefined);
    }
    throw err;
  }
};
