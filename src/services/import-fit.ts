import { findActivity, insertActivityOnce } from '../db/queries/activities.js';
import { findFileBytes } from '../db/queries/files.js';
import type { FitDecoder } from '../fit/decode-pool.js';
import type { FitDecodeResult } from '../fit/types.js';
import { safeErrorMessage } from '../lib/log-redact.js';
import { markActivityFailed, markActivityProcessing, saveDerivedRun, type IngestDeps } from './activities.js';

export type ImportFitOutcome =
  { status: 'ready'; activityIds: string[]; partial: boolean } | { status: 'failed'; code: string; message: string } | { status: 'missing' };

/**
 * Decode the stored FIT file of an activity and save one derived Run per running session (the first
 * into this row, further sessions of a multisport file into sibling rows keyed by session index).
 * A file that cannot be decoded ends the activity as `failed` with the decoder's code and message;
 * that is an outcome, not a crash, and retrying would not change it.
 */
export async function importFitActivity(deps: IngestDeps & { fitDecoder: FitDecoder }, activityId: string): Promise<ImportFitOutcome> {
  const activity = await findActivity(deps.db, activityId);
  if (!activity?.fileId) return { status: 'missing' };
  const bytes = await findFileBytes(deps.db, activity.fileId);
  if (!bytes) return { status: 'missing' };
  await markActivityProcessing(deps, activityId);

  let result: FitDecodeResult;
  try {
    result = await deps.fitDecoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    result = { ok: false, code: 'fit_decode_error', message: `the FIT decoder failed: ${safeErrorMessage(err)}` };
  }
  if (!result.ok) {
    await markActivityFailed(deps, activityId, { code: result.code, message: result.message });
    return { status: 'failed', code: result.code, message: result.message };
  }

  const ids: string[] = [];
  // Further sessions first, this row last: once this row is ready, every row of the file exists and is
  // settled (the CLI lists a file's activities when its first row is ready).
  const order = [...result.runs.entries()].sort(([a], [b]) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
  for (const [index, run] of order) {
    let id = activityId;
    if (index > 0) {
      const sibling = await insertActivityOnce(deps.db, {
        runnerId: activity.runnerId,
        connectionId: activity.connectionId,
        source: activity.source,
        externalId: activity.externalId,
        sessionIndex: index,
        fileId: activity.fileId,
        status: 'processing',
      });
      id = sibling.row.id;
    }
    await saveDerivedRun(deps, id, run);
    ids[index] = id;
  }
  return { status: 'ready', activityIds: ids, partial: result.partial };
}
