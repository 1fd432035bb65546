import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns.js';
import { runnerRef } from './runners.js';

export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * A runner's data export (docs/security.md "The runner's data export"): one zip built by the
 * `export.build` job, its progress, where the file lies, and its single-use, expiring download link.
 * Only the link token's SHA-256 is looked up; `tokenEncrypted` (under TOKEN_ENCRYPTION_KEY) lets the
 * owner see the link again until it is used or expires, and is cleared then. At most one export per
 * runner is queued or running; one per runner and request id.
 */
export const runnerExports = pgTable(
  'exports',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    requestId: text().notNull(),
    status: text({ enum: EXPORT_STATUSES }).notNull().default('queued'),
    /** 0–100 */
    progress: integer().notNull().default(0),
    /** size of the finished zip */
    bytes: bigint({ mode: 'number' }),
    /** path of the zip under EXPORT_DIR (null until written) */
    storageLocation: text(),
    tokenHash: text().notNull(),
    tokenEncrypted: text(),
    error: jsonb().$type<{ code: string; message: string } | null>(),
    createdAt: createdAt(),
    readyAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    downloadedAt: timestamp({ withTimezone: true }),
    emailedAt: timestamp({ withTimezone: true }),
    fileDeletedAt: timestamp({ withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('exports_token_hash').on(t.tokenHash),
    uniqueIndex('exports_runner_request').on(t.runnerId, t.requestId),
    uniqueIndex('exports_one_active')
      .on(t.runnerId)
      .where(sql`${t.status} in ('queued', 'running')`),
    index('exports_files_to_delete')
      .on(t.expiresAt)
      .where(sql`${t.storageLocation} is not null and ${t.fileDeletedAt} is null`),
  ],
);
