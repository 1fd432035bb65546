import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { runnerRef } from './runners.js';
import type { LoadSummary } from '../../domain/rules/index.js';
import type { StoredEvidence } from '../../domain/rules/warnings.js';
import type { Light } from '../../domain/pain/light.js';
import type { LackingRun } from '../../domain/retention.js';
import type { WeekChangePct, WeekVariables } from '../../domain/week.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

/** What a stored week keeps beside its variables: the rules' reasoning and the pain side of the week. */
export interface WeekDetails {
  statusMessage: string | null;
  priorWeeksOfData: number;
  frequencyRedistributed: boolean;
  load: LoadSummary | null;
  /** the week's worst day (docs/pain.md); null without an answered run */
  light: Light | null;
  greenStreak: number;
  /** runs of the week whose data expired with their source's cache window and that nothing replaces (docs/platforms.md) */
  lacking?: LackingRun[];
  /** the week's counted runs per source (`{"garmin": 2, "strava": 1}`) */
  sources?: Record<string, number>;
}

/** The body of a push in the outbox (`data` of what receivers get); `…Enc` keys hold encrypted secrets. */
export type NotificationPayload = Record<string, unknown>;

/** One delivery attempt of a push. */
export interface NotificationAttempt {
  at: string;
  status: number | null;
  error?: string;
}

/** Weekly load per runner and ISO week of the runs' local dates (docs/rules.md "The training week"). */
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
    variables: jsonb().$type<WeekVariables>().notNull(),
    changePct: jsonb().$type<WeekChangePct>().notNull(),
    changed: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    details: jsonb().$type<WeekDetails>(),
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
    evidence: jsonb().$type<StoredEvidence>().notNull(),
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
    payload: jsonb().$type<NotificationPayload>().notNull(),
    status: text({ enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
    attempts: jsonb()
      .$type<NotificationAttempt[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** delivery attempts made (each also in `attempts`), the last one's time and, when it failed, its error */
    attemptCount: integer().notNull().default(0),
    lastAttemptAt: timestamp({ withTimezone: true }),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('notifications_kind_subject').on(t.kind, t.subjectId)],
);
