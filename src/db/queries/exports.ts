import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { activities, activityMetrics, cadenceGoals, files, runnerExports } from '../schema/index.js';
import type { ActivityRow, MetricsRow } from './activities.js';

export type ExportRow = typeof runnerExports.$inferSelect;
export type NewExport = typeof runnerExports.$inferInsert;

const ACTIVE = ['queued', 'running'] as const;

/**
 * Insert an export unless the runner already has one for this request id or one queued or running
 * (the unique indexes decide, not the caller). Returns the row that stands and whether it is new.
 */
export async function insertExportOnce(db: DbOrTx, values: NewExport): Promise<{ row: ExportRow; created: boolean }> {
  const [inserted] = await db.insert(runnerExports).values(values).onConflictDoNothing().returning();
  if (inserted) return { row: inserted, created: true };
  const [existing] = await db
    .select()
    .from(runnerExports)
    .where(and(eq(runnerExports.runnerId, values.runnerId), or(eq(runnerExports.requestId, values.requestId), inArray(runnerExports.status, [...ACTIVE]))))
    .orderBy(sql`${runnerExports.requestId} = ${values.requestId} desc`)
    .limit(1);
  if (!existing) throw new Error('export insert conflicted but no existing export was found');
  return { row: existing, created: false };
}

export async function findExport(db: DbOrTx, id: string): Promise<ExportRow | undefined> {
  const [row] = await db.select().from(runnerExports).where(eq(runnerExports.id, id));
  return row;
}

/** Ownership is part of the lookup: another runner's export is simply not found. */
export async function findRunnerExport(db: DbOrTx, runnerId: string, id: string): Promise<ExportRow | undefined> {
  const [row] = await db
    .select()
    .from(runnerExports)
    .where(and(eq(runnerExports.id, id), eq(runnerExports.runnerId, runnerId)));
  return row;
}

/** The runner's newest export, whatever its state (the export page shows it). */
export async function findLatestExport(db: DbOrTx, runnerId: string): Promise<ExportRow | undefined> {
  const [row] = await db
    .select()
    .from(runnerExports)
    .where(eq(runnerExports.runnerId, runnerId))
    .orderBy(sql`${runnerExports.createdAt} desc`)
    .limit(1);
  return row;
}

/** Every export of a runner (erasure removes their files). */
export async function listExportsOf(db: DbOrTx, runnerId: string): Promise<ExportRow[]> {
  return db.select().from(runnerExports).where(eq(runnerExports.runnerId, runnerId));
}

/** Mark a queued (or, on a retry, running) export as running; undefined when it is finished or gone. */
export async function startExportRow(db: DbOrTx, id: string, now: Date): Promise<ExportRow | undefined> {
  const [row] = await db
    .update(runnerExports)
    .set({ status: 'running', progress: 0, error: null, updatedAt: now })
    .where(and(eq(runnerExports.id, id), inArray(runnerExports.status, [...ACTIVE])))
    .returning();
  return row;
}

export async function setExportProgress(db: DbOrTx, id: string, progress: number, now: Date): Promise<void> {
  await db
    .update(runnerExports)
    .set({ progress, updatedAt: now })
    .where(and(eq(runnerExports.id, id), eq(runnerExports.status, 'running')));
}

export async function setExportReady(
  db: DbOrTx,
  id: string,
  done: { bytes: number; storageLocation: string; readyAt: Date; expiresAt: Date },
): Promise<ExportRow | undefined> {
  const [row] = await db
    .update(runnerExports)
    .set({ ...done, status: 'ready', progress: 100, updatedAt: done.readyAt })
    .where(and(eq(runnerExports.id, id), eq(runnerExports.status, 'running')))
    .returning();
  return row;
}

export async function setExportFailed(db: DbOrTx, id: string, error: { code: string; message: string }, now: Date): Promise<void> {
  await db
    .update(runnerExports)
    .set({ status: 'failed', error, tokenEncrypted: null, updatedAt: now })
    .where(and(eq(runnerExports.id, id), inArray(runnerExports.status, [...ACTIVE])));
}

export async function markExportEmailed(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(runnerExports).set({ emailedAt: now }).where(eq(runnerExports.id, id));
}

/** The export behind a download token hash, whatever its state (a used or expired link answers 410, not 404). */
export async function findExportByTokenHash(db: DbOrTx, tokenHash: string): Promise<ExportRow | undefined> {
  const [row] = await db.select().from(runnerExports).where(eq(runnerExports.tokenHash, tokenHash));
  return row;
}

/**
 * Claim the single download of a ready, unexpired, not yet downloaded export (one statement, so two
 * requests at once cannot both win). A download that breaks off gives the claim back (releaseExportDownload).
 */
export async function claimExportDownload(db: DbOrTx, tokenHash: string, now: Date): Promise<ExportRow | undefined> {
  const [row] = await db
    .update(runnerExports)
    .set({ downloadedAt: now, updatedAt: now })
    .where(
      and(
        eq(runnerExports.tokenHash, tokenHash),
        eq(runnerExports.status, 'ready'),
        isNull(runnerExports.downloadedAt),
        isNull(runnerExports.fileDeletedAt),
        gt(runnerExports.expiresAt, now),
      ),
    )
    .returning();
  return row;
}

/** Give back a claim whose download did not complete, so the link works again. */
export async function releaseExportDownload(db: DbOrTx, id: string, claimedAt: Date): Promise<void> {
  await db
    .update(runnerExports)
    .set({ downloadedAt: null })
    .where(and(eq(runnerExports.id, id), eq(runnerExports.downloadedAt, claimedAt)));
}

/** After a complete download the link can never be shown again. */
export async function forgetExportLink(db: DbOrTx, id: string): Promise<void> {
  await db.update(runnerExports).set({ tokenEncrypted: null }).where(eq(runnerExports.id, id));
}

/**
 * Exports whose file is due for deletion: expired, downloaded before `downloadedBefore` (the grace
 * after a download), or failed (a partial file).
 */
export async function listExportFilesToDelete(db: DbOrTx, now: Date, downloadedBefore: Date, limit: number): Promise<ExportRow[]> {
  return db
    .select()
    .from(runnerExports)
    .where(
      and(
        isNotNull(runnerExports.storageLocation),
        isNull(runnerExports.fileDeletedAt),
        or(lte(runnerExports.expiresAt, now), lte(runnerExports.downloadedAt, downloadedBefore), eq(runnerExports.status, 'failed')),
      ),
    )
    .limit(limit);
}

export async function markExportFileDeleted(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(runnerExports).set({ fileDeletedAt: now, tokenEncrypted: null, updatedAt: now }).where(eq(runnerExports.id, id));
}

/** Where the job writes (set before writing, so a failed or interrupted build's file is found and deleted). */
export async function setExportStorage(db: DbOrTx, id: string, storageLocation: string): Promise<void> {
  await db.update(runnerExports).set({ storageLocation }).where(eq(runnerExports.id, id));
}

// --- what goes into an export, read in pages ---

export interface ActivityCursor {
  /** null sorts first */
  startTime: Date | null;
  id: string;
}

/**
 * One page of a runner's live activities with their metrics, oldest first, after `cursor`
 * (keyset pagination on start time then id, so each page is an index range, never an offset).
 */
export async function listExportActivitiesPage(
  db: DbOrTx,
  runnerId: string,
  cursor: ActivityCursor | null,
  limit: number,
): Promise<Array<{ activity: ActivityRow; metrics: MetricsRow | null }>> {
  const key = sql`(coalesce(${activities.startTime}, '-infinity'::timestamptz), ${activities.id})`;
  const after = cursor ? sql`${key} > (${cursor.startTime ? cursor.startTime.toISOString() : '-infinity'}::timestamptz, ${cursor.id}::uuid)` : sql`true`;
  return db
    .select({ activity: activities, metrics: activityMetrics })
    .from(activities)
    .leftJoin(activityMetrics, eq(activityMetrics.activityId, activities.id))
    .where(and(eq(activities.runnerId, runnerId), isNull(activities.deletedAt), after))
    .orderBy(sql`coalesce(${activities.startTime}, '-infinity'::timestamptz)`, asc(activities.id))
    .limit(limit);
}

export async function countExportActivities(db: DbOrTx, runnerId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), isNull(activities.deletedAt)));
  return row?.n ?? 0;
}

export interface ExportFileMeta {
  id: string;
  origin: string | null;
  sizeBytes: number;
  sha256: string;
  /** one live activity made from the file (the lowest id when a multi-session file made several) */
  activityId: string;
  localDate: string | null;
}

/** One page of a runner's original files that still have a live activity (no bytes), by file id after `afterId`. */
export async function listExportFilesPage(db: DbOrTx, runnerId: string, afterId: string | null, limit: number): Promise<ExportFileMeta[]> {
  const first = db
    .select({ fileId: activities.fileId, activityId: min(sql<string>`${activities.id}::text`).as('activity_id') })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), isNull(activities.deletedAt), isNotNull(activities.fileId)))
    .groupBy(activities.fileId)
    .as('first');
  const rows = await db
    .select({
      id: files.id,
      origin: files.origin,
      sizeBytes: files.sizeBytes,
      sha256: files.sha256,
      activityId: first.activityId,
      localDate: activities.localDate,
    })
    .from(files)
    .innerJoin(first, eq(first.fileId, files.id))
    .innerJoin(activities, eq(sql`${activities.id}::text`, first.activityId))
    .where(and(eq(files.runnerId, runnerId), afterId ? gt(files.id, afterId) : sql`true`))
    .orderBy(asc(files.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, activityId: r.activityId ?? '' }));
}

export async function countExportFiles(db: DbOrTx, runnerId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${activities.fileId})::int` })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), isNull(activities.deletedAt), isNotNull(activities.fileId)));
  return row?.n ?? 0;
}

/** Every cadence goal of the runner, the active one and those it replaced, oldest first. */
export async function listCadenceGoalsOf(db: DbOrTx, runnerId: string) {
  return db.select().from(cadenceGoals).where(eq(cadenceGoals.runnerId, runnerId)).orderBy(asc(cadenceGoals.createdAt));
}

/** The runner's earliest activity date (the cadence report of an export covers the whole history). */
export async function firstActivityDate(db: DbOrTx, runnerId: string): Promise<string | null> {
  const [row] = await db
    .select({ first: min(activities.localDate) })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), isNull(activities.deletedAt)));
  return row?.first ?? null;
}

/** The stored bytes of several of a runner's files in one round trip (id → bytes). */
export async function listFileBytes(db: DbOrTx, runnerId: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: files.id, bytes: files.bytes })
    .from(files)
    .where(and(eq(files.runnerId, runnerId), inArray(files.id, [...ids])));
  return new Map(rows.map((r) => [r.id, r.bytes]));
}
