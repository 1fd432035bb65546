import { gunzipSync } from 'node:zlib';
import type { Db } from '../db/client.js';
import { insertActivityOnce } from '../db/queries/activities.js';
import { storeFile } from '../db/queries/files.js';
import { sha256Hex } from '../lib/crypto.js';
import { BadRequestError, AppError } from '../lib/errors.js';
import type { Env } from '../config/env.js';
import { ensureJob, QueueUnavailableError, withQueueTimeout, type Enqueue, type Queues } from '../jobs/queues.js';
import { isRedisUnavailable } from '../lib/outage.js';
import { requireRunner } from './runners.js';

/** Decompressed FIT files above this are refused (a day-long 1 Hz run is ~3–6 MB). */
export const MAX_FIT_BYTES = 64 * 1024 * 1024;

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'body_too_large', message);
  }
}

/** gunzip when the bytes start with the gzip magic; refuse bombs that inflate past the cap. */
export function maybeGunzip(bytes: Buffer, maxBytes = MAX_FIT_BYTES): Buffer {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /larger than/i.test((err as Error).message)) {
      throw new PayloadTooLargeError(`decompressed file exceeds ${maxBytes} bytes`);
    }
    throw new BadRequestError(`body looks gzipped but does not decompress: ${(err as Error).message}`, 'invalid_gzip');
  }
}

export interface AcceptedFile {
  activityId: string;
  status: 'queued' | 'duplicate';
}

/**
 * Store a FIT file for a runner and queue its import. The same bytes twice are one file and one
 * activity (keyed by content hash), so a re-upload answers `duplicate` and queues nothing.
 */
export async function acceptFitFile(
  deps: { db: Db; enqueue: Enqueue; queues: Queues; env?: Partial<Pick<Env, 'ENQUEUE_TIMEOUT_MS'>> },
  input: { runnerId: string; bytes: Buffer; origin?: string; source?: 'upload' | 'garmin'; externalId?: string; connectionId?: string | null },
): Promise<AcceptedFile> {
  await requireRunner(deps, input.runnerId);
  const bytes = maybeGunzip(input.bytes);
  if (bytes.length === 0) throw new BadRequestError('empty body: send the FIT file as application/octet-stream', 'empty_body');
  const sha256 = sha256Hex(bytes);
  const { row, created } = await deps.db.transaction(async (tx) => {
    const fileId = await storeFile(tx, { runnerId: input.runnerId, sha256, bytes, origin: input.origin ?? null });
    return insertActivityOnce(tx, {
      runnerId: input.runnerId,
      source: input.source ?? 'upload',
      externalId: input.externalId ?? sha256,
      sessionIndex: 0,
      fileId,
      connectionId: input.connectionId ?? null,
      status: 'queued',
    });
  });
  // Enqueue after commit, so the worker always finds the rows. A re-upload of a file whose import is
  // still pending makes sure its job is alive (it may have been lost with Redis, or failed for good).
  // The file is stored either way: if Redis is unreachable the recovery sweep queues the import later.
  try {
    // (`created` also covers a deleted row brought back: its old completed job is replaced.)
    if (created || row.status === 'queued' || row.status === 'processing')
      await withQueueTimeout(ensureJob(deps.queues, deps.enqueue, 'run.import-fit', { activityId: row.id }), deps.env?.ENQUEUE_TIMEOUT_MS);
  } catch (err) {
    // only Redis is touched here (the rows are committed): a refused connection is Redis being down too
    if (!(err instanceof QueueUnavailableError) && !isRedisUnavailable(err) && (err as { code?: unknown })?.code !== 'ECONNREFUSED') throw err;
  }
  return { activityId: row.id, status: created ? 'queued' : 'duplicate' };
}
