import { sql } from 'drizzle-orm';
import { boolean, date, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { runnerRef } from './runners.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

/** Weekly load per runner and ISO week of the runs' local dates (domain.md §4). */
export const weeks = pgTable(
  'weeks',
  {
    runnerId: runnerRef(),
    /** ISO week, e.g. 2026-W47 */
    week: text().notNull(),
    startDate: date({ mode: 'string' }).notNull(),
    endDate: date({ mode: 'string' }).notNull(),
    complete: boolean().notNull().default(false),
    status: text().notNull().default('ok'),
    variables: jsonb().$type<Record<string, number | null>>().notNull(),
    changePct: jsonb().$type<Record<string, number | null>>().notNull(),
    changed: text().array().notNull().default(sql`'{}'::text[]`),
    details: jsonb().$type<Record<string, unknown>>(),
    computedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.runnerId, t.week] }), index('weeks_runner_start').on(t.runnerId, t.startDate)],
);

export const WARNING_STATUSES = ['open', 'resolved'] as const;

/** One warning per runner, week and code; re-evaluation updates it or resolves it, never duplicates it. */
export const warnings = pgTable(
  'warnings',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    week: text().notNull(),
    code: text().notNull(),
    status: text({ enum: WARNING_STATUSES }).notNull().default('open'),
    severity: text().notNull().default('warn'),
    provisional: boolean().notNull().default(false),
    message: text().notNull(),
    evidence: jsonb().$type<Record<string, unknown>>().notNull(),
    resolvedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('warnings_runner_week_code').on(t.runnerId, t.week, t.code), index('warnings_runner_status').on(t.runnerId, t.status)],
);

export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed'] as const;

/**
 * Outbox of pushes to NOTIFY_WEBHOOK_URL (warnings, pain prompts). Unique per kind and subject,
 * so a warning re-evaluated ten times is pushed once.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    kind: text().notNull(),
    subjectId: text().notNull(),
    payload: jsonb().notNull(),
    status: text({ enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
    attempts: jsonb().$type<Array<{ at: string; status: number | null; error?: string }>>().notNull().default(sql`'[]'::jsonb`),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('notifications_kind_subject').on(t.kind, t.subjectId)],
);
