import { rm } from 'node:fs/promises';
import type { Env } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import { listExportFilesToDelete, listExportsOf, markExportFileDeleted } from '../../db/queries/exports.js';

const BATCH = 500;

/** Remove an export's zip (and nothing else: only the path its row names). A missing file is fine. */
async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Delete export files that are no longer needed (docs/security.md): once the link has expired, once
 * EXPORT_DOWNLOAD_GRACE_MINUTES have passed since the download, and at once for failed exports. The
 * rows stay (without their link) as the record that an export was made.
 */
export async function purgeExportFiles(deps: { db: Db; env: Pick<Env, 'EXPORT_DOWNLOAD_GRACE_MINUTES'>; now: () => Date }): Promise<number> {
  const now = deps.now();
  const downloadedBefore = new Date(now.getTime() - deps.env.EXPORT_DOWNLOAD_GRACE_MINUTES * 60_000);
  let total = 0;
  for (;;) {
    const rows = await listExportFilesToDelete(deps.db, now, downloadedBefore, BATCH);
    for (const row of rows) {
      await removeFile(row.storageLocation!);
      await markExportFileDeleted(deps.db, row.id, now);
    }
    total += rows.length;
    if (rows.length < BATCH) return total;
  }
}

/** Delete every export file of a runner (before the runner's rows go; the rows themselves cascade with the runner). */
export async function deleteRunnerExportFiles(deps: { db: Db; now: () => Date }, runnerId: string): Promise<number> {
  let n = 0;
  for (const row of await listExportsOf(deps.db, runnerId)) {
    if (!row.storageLocation || row.fileDeletedAt) continue;
    await removeFile(row.storageLocation);
    await markExportFileDeleted(deps.db, row.id, deps.now());
    n += 1;
  }
  return n;
}
