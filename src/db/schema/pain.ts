import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { activities } from './activities.js';
import { runnerRef } from './runners.js';
import { idColumn, createdAt, updatedAt } from './columns.js';
import type { DerivedPain } from '../../domain/pain/derived.js';

/** after_run (P1), settle_check (P1b), next_morning (P2), rest_morning (P0); see docs/pain.md */
export const PROMPT_KINDS = ['after_run', 'settle_check', 'next_morning', 'rest_morning'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];
export const PROMPT_STATUSES = ['pending', 'sent', 'answered', 'expired', 'cancelled'] as const;
export type PromptStatus = (typeof PROMPT_STATUSES)[number];
export const VS_YESTERDAY = ['better', 'same', 'worse'] as const;

/**
 * Pain prompts: after each counted run, a settle check when needed, one the next morning in the
 * runner's zone, and a rest-day morning check when opted in. The answer page is reached with a
 * token of which only the hash is looked up; the token itself is kept encrypted for reminders.
 */
export const painPrompts = pgTable(
  'pain_prompts',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    /** nullable so a runner's own answers survive the deletion of Strava-sourced data; null for rest mornings */
    activityId: uuid().references(() => activities.id, { onDelete: 'set null' }),
    kind: text({ enum: PROMPT_KINDS }).notNull(),
    status: text({ enum: PROMPT_STATUSES }).notNull().default('pending'),
    /** after_run/settle_check: the run's local date; morning kinds: the morning's local date */
    localDate: date({ mode: 'string' }),
    runEndAt: timestamp({ withTimezone: true }),
    dueAt: timestamp({ withTimezone: true }).notNull(),
    remindAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    sentAt: timestamp({ withTimezone: true }),
    remindedAt: timestamp({ withTimezone: true }),
    answeredAt: timestamp({ withTimezone: true }),
    /** settle check: 1 at +60 min, 2 when asked again at +120 min */
    attempt: integer().notNull().default(1),
    tokenHash: text(),
    /** the token, AES-GCM encrypted with TOKEN_ENCRYPTION_KEY, so reminders carry the same link */
    tokenEnc: text(),
    /** answered after the prompt closed (within the edit window) */
    late: boolean().notNull().default(false),
    cancelReason: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('pain_prompts_activity_kind').on(t.activityId, t.kind),
    index('pain_prompts_runner_status').on(t.runnerId, t.status),
    uniqueIndex('pain_prompts_token').on(t.tokenHash),
    uniqueIndex('pain_prompts_morning')
      .on(t.runnerId, t.localDate)
      .where(sql`${t.kind} in ('next_morning', 'rest_morning')`),
    index('pain_prompts_status_due').on(t.status, t.dueAt),
  ],
);

/** A runner's answer to one prompt, as given; belongs to the runner and outlives the activity. */
export const painAnswers = pgTable(
  'pain_answers',
  {
    id: idColumn(),
    promptId: uuid()
      .notNull()
      .references(() => painPrompts.id, { onDelete: 'cascade' }),
    runnerId: runnerRef(),
    activityId: uuid().references(() => activities.id, { onDelete: 'set null' }),
    kind: text({ enum: PROMPT_KINDS }),
    /** 0–10 NRS worst pain during the run (after_run) */
    painDuring: integer(),
    settledAfterMin: integer(),
    /** 0–10 NRS: after_run "right now"; next_morning/rest_morning: on getting up */
    painNow: integer(),
    painBefore: integer(),
    stoppedForKnee: boolean(),
    calfDuring: integer(),
    /** settle check: back to the pre-run level? */
    settled: boolean(),
    vsYesterday: text({ enum: VS_YESTERDAY }),
    stairsOrSittingWorse: boolean(),
    note: text(),
    /** 'page' (the answer link) or 'api' */
    via: text(),
    late: boolean().notNull().default(false),
    answeredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('pain_answers_prompt').on(t.promptId)],
);

/** What `run_pain.derived` holds: the derived variables and the reasons of the light (docs/pain.md). */
export type RunPainDerived = Partial<DerivedPain> & { reasons?: string[] };

/**
 * One row per run: everything known about its pain (from prompts and the diary, in the Activity
 * `pain` names of docs/api.md) and the light that follows. Recomputed whenever an answer changes.
 */
export const runPain = pgTable(
  'run_pain',
  {
    activityId: uuid()
      .primaryKey()
      .references(() => activities.id, { onDelete: 'cascade' }),
    runnerId: runnerRef(),
    localDate: date({ mode: 'string' }).notNull(),
    duringRun: integer(),
    painNow: integer(),
    painBefore: integer(),
    answeredAfterMin: integer(),
    stoppedForKnee: boolean(),
    calfDuring: integer(),
    settledAt60: boolean(),
    settledAt120: boolean(),
    /** as entered in the diary; the light's settle time otherwise comes from the prompts */
    settledAfterMin: integer(),
    nextMorning: integer(),
    nextMorningVsYesterday: text({ enum: VS_YESTERDAY }),
    stairsOrSittingWorse: boolean(),
    note: text(),
    /** some answer was entered after its prompt window (diary) */
    late: boolean().notNull().default(false),
    light: text({ enum: ['green', 'amber', 'red', 'grey'] })
      .notNull()
      .default('grey'),
    /** derived variables and reasons of the light (domain/pain/light.ts) */
    derived: jsonb().$type<RunPainDerived>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('run_pain_runner_date').on(t.runnerId, t.localDate)],
);

/** Knee pain on getting up, per runner and local date (next-morning and rest-day answers, diary). */
export const painMornings = pgTable(
  'pain_mornings',
  {
    runnerId: runnerRef(),
    localDate: date({ mode: 'string' }).notNull(),
    pain: integer().notNull(),
    /** 'next_morning', 'rest_morning' or 'diary' */
    source: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.runnerId, t.localDate] })],
);

/** One row per prompt × channel × event (due, reminder) × attempt: a prompt is sent once per channel. */
export const promptDeliveries = pgTable(
  'prompt_deliveries',
  {
    id: idColumn(),
    promptId: uuid()
      .notNull()
      .references(() => painPrompts.id, { onDelete: 'cascade' }),
    channel: text().notNull(),
    event: text({ enum: ['due', 'reminder'] }).notNull(),
    attempt: integer().notNull().default(1),
    status: text({ enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    /** the webhook channel's outbox row */
    notificationId: uuid(),
    attempts: jsonb()
      .$type<Array<{ at: string; error?: string }>>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('prompt_deliveries_once').on(t.promptId, t.channel, t.event, t.attempt),
    /** a delivered outbox row marks its prompt delivery */
    index('prompt_deliveries_notification')
      .on(t.notificationId)
      .where(sql`${t.notificationId} is not null`),
  ],
);
