import type { AppDeps } from '../../deps.js';
import {
  claimExportDownload,
  findExportByTokenHash,
  findLatestExport,
  findRunnerExport,
  forgetExportLink,
  insertExportOnce,
  releaseExportDownload,
  setExportFailed,
  type ExportRow,
} from '../../db/queries/exports.js';
import { ensureJob, withQueueTimeout } from '../../jobs/queues.js';
import { decryptSecret, encryptSecret } from '../../lib/crypto.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { requireRunner } from '../runners.js';
import { hashToken, newToken } from '../sessions/index.js';

/**
 * The runner's data export (docs/security.md "The runner's data export"): a request makes one export
 * row and one `export.build` job; the job writes one zip under EXPORT_DIR. The zip is downloaded once,
 * through a random link that expires EXPORT_LINK_TTL_HOURS after the export is ready. Only the link
 * token's SHA-256 is looked up; an encrypted copy lets the owner see the link again until it is used.
 */

export const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type ExportDeps = Pick<AppDeps, 'db' | 'env' | 'enqueue' | 'queues' | 'now'>;

export interface ExportView {
  id: string;
  runnerId: string;
  status: ExportRow['status'];
  progress: number;
  bytes: number | null;
  createdAt: string;
  readyAt: string | null;
  expiresAt: string | null;
  downloadedAt: string | null;
  /** pending: not ready yet; active: the link works; used: downloaded once; expired; unavailable: the export failed */
  link: 'pending' | 'active' | 'used' | 'expired' | 'unavailable';
  /** the single-use download link, only while it works */
  downloadUrl: string | null;
  error: { code: string; message: string } | null;
}

export function downloadUrlOf(env: { PUBLIC_URL: string }, token: string): string {
  return `${env.PUBLIC_URL}/exports/${token}`;
}

function linkState(row: ExportRow, now: Date): ExportView['link'] {
  if (row.status === 'failed') return 'unavailable';
  if (row.status !== 'ready') return 'pending';
  if (row.downloadedAt) return 'used';
  if (row.fileDeletedAt || (row.expiresAt && row.expiresAt <= now)) return 'expired';
  return 'active';
}

export function exportView(deps: Pick<AppDeps, 'env' | 'now'>, row: ExportRow): ExportView {
  const link = linkState(row, deps.now());
  let downloadUrl: string | null = null;
  if (link === 'active' && row.tokenEncrypted) {
    try {
      downloadUrl = downloadUrlOf(deps.env, decryptSecret(row.tokenEncrypted, deps.env.tokenEncryptionKey));
    } catch {
      downloadUrl = null; // encrypted under another key: the e-mailed link still works
    }
  }
  return {
    id: row.id,
    runnerId: row.runnerId,
    status: row.status,
    progress: row.progress,
    bytes: row.bytes,
    createdAt: row.createdAt.toISOString(),
    readyAt: row.readyAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    downloadedAt: row.downloadedAt?.toISOString() ?? null,
    link,
    downloadUrl,
    error: row.error ?? null,
  };
}

/**
 * Start an export for the runner, once per request id: the same request id again, or any request while
 * an export is queued or running, answers that export instead of starting another (`created: false`).
 * A returned export still queued or running has its job made sure of (it may have been lost with Redis).
 */
export async function requestExport(deps: ExportDeps, runnerId: string, requestId: string): Promise<{ view: ExportView; created: boolean }> {
  const runner = await requireRunner(deps, runnerId);
  if (!REQUEST_ID.test(requestId))
    throw new ValidationError('requestId: 1–64 of A–Z a–z 0–9 . _ -', { issues: [{ path: 'requestId', message: 'invalid request id' }] });
  const token = newToken();
  const { row, created } = await insertExportOnce(deps.db, {
    runnerId: runner.id,
    requestId,
    tokenHash: hashToken(token),
    tokenEncrypted: encryptSecret(token, deps.env.tokenEncryptionKey),
  });
  if (row.status === 'queued' || row.status === 'running') {
    try {
      await withQueueTimeout(ensureJob(deps.queues, deps.enqueue, 'export.build', { exportId: row.id }), deps.env.ENQUEUE_TIMEOUT_MS);
    } catch (err) {
      // Nothing would ever build a new export: fail it, so the runner can ask again once Redis is back.
      if (created)
        await setExportFailed(deps.db, row.id, { code: 'queue_unavailable', message: 'the export could not be queued; please ask again' }, deps.now());
      throw err;
    }
  }
  return { view: exportView(deps, row), created };
}

/** One export of the runner; another runner's export is not found. */
export async function getRunnerExport(deps: Pick<AppDeps, 'db' | 'env' | 'now'>, runnerId: string, exportId: string): Promise<ExportView> {
  const runner = await requireRunner(deps, runnerId);
  const row = isUuid(exportId) ? await findRunnerExport(deps.db, runner.id, exportId) : undefined;
  if (!row) throw new NotFoundError(`export ${exportId} not found for runner ${runner.id}`, 'export_not_found');
  return exportView(deps, row);
}

/** The runner's newest export (the export page), or null. */
export async function latestExport(deps: Pick<AppDeps, 'db' | 'env' | 'now'>, runnerId: string): Promise<ExportView | null> {
  const row = await findLatestExport(deps.db, runnerId);
  return row ? exportView(deps, row) : null;
}

export type DownloadClaim =
  | { kind: 'ok'; row: ExportRow; path: string; claimedAt: Date }
  | { kind: 'not_found' }
  | { kind: 'gone'; reason: 'used' | 'expired' | 'failed' }
  | { kind: 'not_ready' };

/** Claim a download link's one use. The caller completes it (`completeDownload`) or gives it back (`releaseDownload`). */
export async function claimDownload(deps: Pick<AppDeps, 'db' | 'now'>, token: string): Promise<DownloadClaim> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return { kind: 'not_found' };
  const hash = hashToken(token);
  const now = deps.now();
  const row = await claimExportDownload(deps.db, hash, now);
  if (row?.storageLocation) return { kind: 'ok', row, path: row.storageLocation, claimedAt: now };
  const found = row ?? (await findExportByTokenHash(deps.db, hash));
  if (!found) return { kind: 'not_found' };
  if (found.status === 'failed') return { kind: 'gone', reason: 'failed' };
  if (found.status !== 'ready') return { kind: 'not_ready' };
  if (found.downloadedAt && !row) return { kind: 'gone', reason: 'used' };
  return { kind: 'gone', reason: 'expired' };
}

/** What a download link would answer, without using it (HEAD requests, link checkers). */
export async function peekDownload(deps: Pick<AppDeps, 'db' | 'now'>, token: string): Promise<DownloadClaim> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return { kind: 'not_found' };
  const row = await findExportByTokenHash(deps.db, hashToken(token));
  if (!row) return { kind: 'not_found' };
  if (row.status === 'failed') return { kind: 'gone', reason: 'failed' };
  if (row.status !== 'ready') return { kind: 'not_ready' };
  if (row.downloadedAt) return { kind: 'gone', reason: 'used' };
  if (row.fileDeletedAt || !row.storageLocation || (row.expiresAt && row.expiresAt <= deps.now())) return { kind: 'gone', reason: 'expired' };
  return { kind: 'ok', row, path: row.storageLocation, claimedAt: deps.now() };
}

export async function completeDownload(deps: Pick<AppDeps, 'db'>, claim: { row: ExportRow }): Promise<void> {
  await forgetExportLink(deps.db, claim.row.id);
}

export async function releaseDownload(deps: Pick<AppDeps, 'db'>, claim: { row: ExportRow; claimedAt: Date }): Promise<void> {
  await releaseExportDownload(deps.db, claim.row.id, claim.claimedAt);
}
