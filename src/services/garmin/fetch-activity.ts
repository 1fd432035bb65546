import type { Db } from '../../db/client.js';
import { insertActivityOnce, type ActivityRow } from '../../db/queries/activities.js';
import { findConnection } from '../../db/queries/connections.js';
import {
  deletePlaceholderActivity,
  findActivityByExternalId,
  restoreActivityFromStoredFile,
  setPlaceholderFailed,
} from '../../db/queries/provider-activities.js';
import { CallbackHostRefusedError, checkCallbackUrl, GarminApiError, looksLikeFit, parseCallbackHosts } from '../../integrations/garmin/client.js';
import { garminProvider } from '../../integrations/garmin/provider.js';
import { ensureJob, type Enqueue, type Queues } from '../../jobs/queues.js';
import { AppError } from '../../lib/errors.js';
import { safeErrorMessage } from '../../lib/log-redact.js';
import { openSession, type SessionDeps } from '../connections/session.js';
import { acceptFitFile, MAX_FIT_BYTES, maybeGunzip } from '../uploads.js';

/**
 * `garmin.fetch-fit`: download one Activity File from its ping's callbackURL and hand it to the FIT
 * pipeline (acceptFitFile → `run.import-fit`). The URL works once (docs/platforms.md):
 *
 * - 410 Gone is final: if the activity already has its file, an earlier attempt downloaded it
 *   (success); otherwise the failure is recorded and the job ends without retrying.
 * - 400, 429, 5xx and network errors throw, so BullMQ retries with back-off.
 * - The bytes are checked for the FIT magic (".FIT" at byte 8) whatever `fileType` said.
 * - A callbackURL outside GARMIN_CALLBACK_HOSTS is refused before any request (SSRF guard).
 *
 * Failures are recorded on the activity row itself (source 'garmin', status `failed`, no file), so
 * the runner sees that a run could not be imported and why; a later successful download replaces
 * that placeholder. Idempotent: an activity that already has its file is not downloaded again.
 */

/** One Activity File entry of a ping, as the download needs it (resolved from the inbox row). */
export interface FetchFitPayload {
  connectionId: string;
  summaryId: string;
  /** carries Garmin's pull token; host checked against GARMIN_CALLBACK_HOSTS before use */
  callbackURL: string;
  activityId?: string;
  startTimeInSeconds?: number;
}
export type FetchFitDeps = SessionDeps & {
  enqueue: Enqueue;
  queues: Queues;
};

export type FetchFitOutcome =
  | { status: 'accepted'; activityId: string; duplicate: boolean }
  | { status: 'already_downloaded'; activityId: string }
  | { status: 'restored'; activityId: string }
  | { status: 'failed'; code: string; activityId?: string }
  | { status: 'skipped'; reason: string };

/** Download statuses retrying cannot fix (besides 410, handled on its own). 401 is retried once with a fresh token (the session). */
const FINAL_STATUSES = new Set([403, 404, 412, 413]);

export function garminExternalId(p: Pick<FetchFitPayload, 'activityId' | 'summaryId'>): string {
  return String(p.activityId ?? p.summaryId);
}

export function findGarminActivity(db: Db, runnerId: string, externalId: string): Promise<ActivityRow | undefined> {
  return findActivityByExternalId(db, runnerId, 'garmin', externalId);
}

/**
 * Garmin re-sent an activity whose row was soft-deleted (a deregistration, a disconnect) and whose
 * file we still hold, but its link answers 410: bring the row back from the stored file, as a
 * re-download would (and as Strava does for an activity it serves again), and import it again.
 */
async function restoreFromStoredFile(deps: FetchFitDeps, row: ActivityRow): Promise<FetchFitOutcome> {
  const restored = await restoreActivityFromStoredFile(deps.db, row.id, deps.now());
  if (!restored) return { status: 'skipped', reason: 'activity_missing' };
  await ensureJob(deps.queues, deps.enqueue, 'run.import-fit', { activityId: restored.id });
  return { status: 'restored', activityId: restored.id };
}

/** Record a failed download as the activity's row (never over a row that already has its file). */
export async function recordFetchFailure(
  deps: { db: Db; now: () => Date },
  conn: { id: string; runnerId: string },
  payload: FetchFitPayload,
  error: { code: string; message: string },
): Promise<string | undefined> {
  const externalId = garminExternalId(payload);
  const startTime = payload.startTimeInSeconds !== undefined ? new Date(payload.startTimeInSeconds * 1000) : null;
  const { row, created } = await insertActivityOnce(deps.db, {
    runnerId: conn.runnerId,
    connectionId: conn.id,
    source: 'garmin',
    externalId,
    sessionIndex: 0,
    status: 'failed',
    error,
    startTime,
  });
  if (!created && !row.fileId) {
    await setPlaceholderFailed(deps.db, row.id, error, deps.now());
  }
  return row.id;
}

export async function fetchGarminFit(deps: FetchFitDeps, payload: FetchFitPayload): Promise<FetchFitOutcome> {
  const conn = await findConnection(deps.db, payload.connectionId);
  if (!conn || conn.provider !== 'garmin') return { status: 'skipped', reason: 'connection_missing' };
  if (conn.status !== 'active') return { status: 'skipped', reason: `connection_${conn.status}` };
  const externalId = garminExternalId(payload);
  const fail = async (code: string, message: string): Promise<FetchFitOutcome> => {
    const activityId = await recordFetchFailure(deps, conn, payload, { code, message });
    return { status: 'failed', code, ...(activityId ? { activityId } : {}) };
  };

  const existing = await findGarminActivity(deps.db, conn.runnerId, externalId);
  // A deleted row (e.g. before a reconnect) is downloaded again and brought back by the import.
  if (existing?.fileId && !existing.deletedAt) return { status: 'already_downloaded', activityId: existing.id };

  const hosts = parseCallbackHosts(deps.env.GARMIN_CALLBACK_HOSTS);
  try {
    checkCallbackUrl(payload.callbackURL, hosts);
  } catch (err) {
    if (err instanceof CallbackHostRefusedError) return fail('garmin_callback_refused', safeErrorMessage(err));
    throw err;
  }

  // The session refreshes the token once on a 401 (it may have been revoked or rotated under us),
  // then marks the connection needs_reauth.
  const session = openSession(deps, garminProvider, conn.id);
  let bytes: Buffer;
  try {
    bytes = await session.call((api) => api.downloadFile(payload.callbackURL, MAX_FIT_BYTES));
  } catch (err) {
    if (err instanceof GarminApiError && err.status === 410) {
      // Downloaded before (a retry after a crash between download and commit cannot happen: the
      // commit is what sets fileId) — or gone for good.
      const row = await findGarminActivity(deps.db, conn.runnerId, externalId);
      if (row?.fileId && row.deletedAt) return restoreFromStoredFile(deps, row);
      if (row?.fileId) return { status: 'already_downloaded', activityId: row.id };
      return fail('garmin_file_gone', 'Garmin answered 410 Gone: the file was already downloaded or its 24 h link expired');
    }
    if (err instanceof GarminApiError && FINAL_STATUSES.has(err.status)) return fail(`garmin_download_${err.status}`, safeErrorMessage(err));
    throw err;
  }

  let fit: Buffer;
  try {
    fit = maybeGunzip(bytes);
  } catch (err) {
    if (err instanceof AppError) return fail('garmin_not_fit', safeErrorMessage(err));
    throw err;
  }
  if (!looksLikeFit(fit)) return fail('garmin_not_fit', `the downloaded file is not a FIT file (${fit.length} bytes, no ".FIT" at byte 8)`);

  // A placeholder left by an earlier failure makes way for the real row.
  if (existing && !existing.fileId) await deletePlaceholderActivity(deps.db, existing.id);
  const accepted = await acceptFitFile(
    { db: deps.db, enqueue: deps.enqueue, queues: deps.queues },
    {
      runnerId: conn.runnerId,
      bytes: fit,
      origin: `garmin:${payload.summaryId}`,
      source: 'garmin',
      externalId,
      connectionId: conn.id,
    },
  );
  return { status: 'accepted', activityId: accepted.activityId, duplicate: accepted.status === 'duplicate' };
}
