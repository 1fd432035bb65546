import { boolean, customType, date, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { EXCLUDED_REASONS } from '../../domain/counting.js';
import type { CadenceHistogram } from '../../domain/cadence.js';
import type { PaceChanges, Split } from '../../domain/run.js';
import { connections } from './connections.js';
import { runnerRef } from './runners.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

/**
 * What `activities.raw` holds: the provider payload as fetched (Strava: the stripped activity detail and,
 * for runs, the streams with their status). Stored as received and validated again on read, so its
 * parts are `unknown` here.
 */
export type ActivityRawPayload = {
  activity?: unknown;
  streams?: unknown;
  /** ok: streams present; empty: none after the retries; skipped: not fetched (non-run, manual); pending */
  streamsStatus?: 'ok' | 'empty' | 'skipped' | 'pending';
};

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

export const ACTIVITY_SOURCES = ['garmin', 'strava', 'upload'] as const;
export type ActivitySource = (typeof ACTIVITY_SOURCES)[number];

export const ACTIVITY_STATUSES = ['queued', 'processing', 'ready', 'failed'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/**
 * Raw files as received (uploads, Garmin activity files). Jobs carry the id, never the bytes.
 * One row per runner and content hash: the same file twice is one row.
 */
export const files = pgTable(
  'files',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    sha256: text().notNull(),
    sizeBytes: integer().notNull(),
    /** original name or origin (upload name, garmin callback) */
    origin: text(),
    bytes: bytea().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('files_runner_sha').on(t.runnerId, t.sha256)],
);

/**
 * One activity per runner + source + external id (Strava activity id, Garmin activity id, or the
 * file hash for uploads). `countedInLoad` is false for non-runs, noise and cross-source duplicates.
 */
export const activities = pgTable(
  'activities',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    connectionId: uuid().references(() => connections.id, { onDelete: 'set null' }),
    source: text({ enum: ACTIVITY_SOURCES }).notNull(),
    externalId: text().notNull(),
    /** for a multi-session FIT file: which running session this row is (0 otherwise) */
    sessionIndex: integer().notNull().default(0),
    fileId: uuid().references(() => files.id, { onDelete: 'set null' }),
    name: text(),
    sport: text(),
    subSport: text(),
    isRun: boolean(),
    isIndoor: boolean().notNull().default(false),
    startTime: timestamp({ withTimezone: true }),
    localDate: date({ mode: 'string' }),
    utcOffsetS: integer(),
    status: text({ enum: ACTIVITY_STATUSES }).notNull().default('queued'),
    error: jsonb().$type<{ code: string; message: string } | null>(),
    /** counts toward weekly load: a run, not noise, not a duplicate of a richer copy */
    countedInLoad: boolean().notNull().default(false),
    /** the counted copy of the same run from another source (docs/metrics.md "Which activities count") */
    duplicateOf: uuid(),
    /** why a ready activity is not counted (noise_short, noise_brief, manual_no_distance, not_a_run, duplicate); null when counted */
    excludedReason: text({ enum: EXCLUDED_REASONS }),
    /** provider payload as fetched (Strava activity + streams), kept for re-derivation */
    raw: jsonb().$type<ActivityRawPayload>(),
    workoutType: integer(),
    gearId: text(),
    /**
     * Soft delete: set when the platform confirmed a delete, access was withdrawn or the runner
     * disconnected. Every read, the weekly rules and dedupe skip such rows; the retention purge
     * removes them for good after DELETED_RETENTION_DAYS (docs/security.md).
     */
    deletedAt: timestamp({ withTimezone: true }),
    deletedReason: text(),
    /**
     * Set when the retention job removed this run's data at the end of its source's cache window
     * (`STRAVA_RETENTION`, docs/platforms.md "Strava's API Policy"): the payload, streams, name and
     * metrics are gone, the row stays so the run's week can say it lacks it. `expiredReason`:
     * `strava_cache_window` (`<source>_cache_window`).
     */
    expiredAt: timestamp({ withTimezone: true }),
    expiredReason: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('activities_runner_source_external').on(t.runnerId, t.source, t.externalId, t.sessionIndex),
    index('activities_deleted_at')
      .on(t.deletedAt)
      .where(sql`${t.deletedAt} is not null`),
    /** the retention job's look-up of a source's live rows received before its cache window */
    index('activities_source_created_live')
      .on(t.source, t.createdAt)
      .where(sql`${t.expiredAt} is null and ${t.deletedAt} is null`),
    index('activities_runner_local_date').on(t.runnerId, t.localDate),
    index('activities_runner_start').on(t.runnerId, t.startTime),
    /** the recovery sweep's look-up of activities still queued or processing */
    index('activities_pending')
      .on(t.updatedAt)
      .where(sql`${t.status} in ('queued', 'processing')`),
    /** the recovery sweep's look-up of counted runs changed since their week was computed (week-recomputes) */
    index('activities_counted_updated')
      .on(t.updatedAt)
      .where(sql`${t.status} = 'ready' and ${t.countedInLoad}`),
    /** the copies pointing at a counted run (prompt scheduling hands their prompts over) */
    index('activities_duplicate_of')
      .on(t.duplicateOf)
      .where(sql`${t.duplicateOf} is not null`),
    /** the file purge's look-up of the activities still needing a file */
    index('activities_file')
      .on(t.fileId)
      .where(sql`${t.fileId} is not null`),
  ],
);

/** Per-run derived variables with their provenance (docs/metrics.md). */
export const activityMetrics = pgTable('activity_metrics', {
  activityId: uuid()
    .primaryKey()
    .references(() => activities.id, { onDelete: 'cascade' }),
  distanceM: doublePrecision().notNull(),
  elapsedTimeS: doublePrecision().notNull(),
  movingTimeS: doublePrecision().notNull(),
  avgSpeedMps: doublePrecision(),
  avgPaceSPerKm: doublePrecision(),
  avgCadenceSpm: doublePrecision(),
  cadenceSource: text().notNull(),
  cadenceFactor: doublePrecision().notNull().default(1),
  cadenceQuality: text().notNull(),
  runCadenceSpm: doublePrecision(),
  runningSampleTimeS: doublePrecision().notNull().default(0),
  runSpeedMps: doublePrecision(),
  /** running seconds per 1-spm bin: `{min, counts[]}` (domain/cadence.ts) */
  cadenceHistogram: jsonb().$type<CadenceHistogram>(),
  walkShare: doublePrecision(),
  steps: doublePrecision(),
  stepsPerKm: doublePrecision(),
  elevationGainM: doublePrecision(),
  elevationLossM: doublePrecision(),
  elevationSource: text().notNull(),
  elevationMethod: text(),
  descentPerKm: doublePrecision(),
  surges: integer().notNull().default(0),
  paceCvPct: doublePrecision(),
  splits: jsonb().$type<Split[]>().notNull(),
  pace: jsonb().$type<PaceChanges>().notNull(),
  partial: boolean().notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
