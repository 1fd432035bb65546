import { BadRequestError, AppError } from '../lib/errors.js';
import { acceptFitFile } from './uploads.js';
import { readZipEntries, ZipLimitError, ZipUnreadableError, type ZipLimits } from './zip-archive.js';
import type { Env } from '../config/env.js';
import type { Db } from '../db/client.js';
import type { Enqueue, Queues } from '../jobs/queues.js';

/** One line of the answer to a zip upload (docs/ingestion.md "Zip archives"). */
export interface ZipEntrySummary {
  /** the entry's name inside the archive */
  entry: string;
  status: 'queued' | 'duplicate' | 'skipped' | 'failed';
  activityId: string | null;
  /** why a skipped entry was not imported */
  reason: string | null;
  error: { code: string; message: string } | null;
}

export interface ZipUploadSummary {
  archive: true;
  entries: ZipEntrySummary[];
  counts: Record<ZipEntrySummary['status'], number>;
}

type ZipEnv = Pick<Env, 'ZIP_MAX_ENTRIES' | 'ZIP_MAX_UNCOMPRESSED_BYTES' | 'ZIP_MAX_RATIO'> & Partial<Pick<Env, 'ENQUEUE_TIMEOUT_MS'>>;

/** The archive caps of the settings (docs/operations.md). */
export function zipLimitsOf(env: ZipEnv): ZipLimits {
  return { maxEntries: env.ZIP_MAX_ENTRIES, maxUncompressedBytes: env.ZIP_MAX_UNCOMPRESSED_BYTES, maxRatio: env.ZIP_MAX_RATIO };
}

/**
 * Store every FIT entry of a zip archive (on disk at `path`) as an upload and queue its import, one
 * entry at a time; GPX/TCX and other entries are reported as skipped, unsafe or oversize entries as
 * failed. The same file twice (inside one archive or across uploads) is one activity.
 */
export async function acceptZipArchive(
  deps: { db: Db; enqueue: Enqueue; queues: Queues; env: ZipEnv },
  input: { runnerId: string; path: string },
): Promise<ZipUploadSummary> {
  const entries: ZipEntrySummary[] = [];
  const counts = { queued: 0, duplicate: 0, skipped: 0, failed: 0 };
  const add = (e: ZipEntrySummary) => {
    entries.push(e);
    counts[e.status] += 1;
  };
  try {
    for await (const e of readZipEntries(input.path, { limits: zipLimitsOf(deps.env) })) {
      if (e.kind === 'skipped') add({ entry: e.name, status: 'skipped', activityId: null, reason: e.reason, error: null });
      else if (e.kind === 'failed') add({ entry: e.name, status: 'failed', activityId: null, reason: null, error: { code: e.code, message: e.message } });
      else {
        try {
          const r = await acceptFitFile(deps, { runnerId: input.runnerId, bytes: e.bytes, origin: e.name });
          add({ entry: e.name, status: r.status, activityId: r.activityId, reason: null, error: null });
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          add({ entry: e.name, status: 'failed', activityId: null, reason: null, error: { code: err.code, message: err.message } });
        }
      }
    }
  } catch (err) {
    if (err instanceof ZipUnreadableError) throw new BadRequestError(err.message, 'zip_unreadable');
    // over an archive-wide cap: refused before any entry is imported
    if (err instanceof ZipLimitError) throw new AppError(413, err.code, err.message);
    throw err;
  }
  return { archive: true, entries, counts };
}
