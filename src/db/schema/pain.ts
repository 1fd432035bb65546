import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { activities } from './activities.js';
import { runnerRef } from './runners.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

export const PROMPT_KINDS = ['after_run', 'next_morning'] as const;
export const PROMPT_STATUSES = ['pending', 'sent', 'answered', 'expired'] as const;
export const VS_YESTERDAY = ['better', 'same', 'worse'] as const;

/**
 * Pain prompts (domain.md §6): one after each run, one the next morning in the runner's zone.
 * The answer page is reached with a single-use token whose hash is stored here.
 */
export const painPrompts = pgTable(
  'pain_prompts',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    /** nullable so a runner's own answers survive the deletion of Strava-sourced data */
    activityId: uuid().references(() => activities.id, { onDelete: 'set null' }),
    kind: text({ enum: PROMPT_KINDS }).notNull(),
    status: text({ enum: PROMPT_STATUSES }).notNull().default('pending'),
    dueAt: timestamp({ withTimezone: true }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    tokenHash: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('pain_prompts_activity_kind').on(t.activityId, t.kind),
    index('pain_prompts_runner_status').on(t.runnerId, t.status),
    uniqueIndex('pain_prompts_token').on(t.tokenHash),
  ],
);

/** A runner's pain answer; belongs to the runner, and outlives the activity it was about. */
export const painAnswers = pgTable(
  'pain_answers',
  {
    id: idColumn(),
    promptId: uuid()
      .notNull()
      .references(() => painPrompts.id, { onDelete: 'cascade' }),
    runnerId: runnerRef(),
    activityId: uuid().references(() => activities.id, { onDelete: 'set null' }),
    /** 0–10 NRS during the run (after_run) */
    painDuring: integer(),
    /** minutes until pain settled back to baseline (after_run) */
    settledAfterMin: integer(),
    /** 0–10 NRS the next morning */
    painNow: integer(),
    vsYesterday: text({ enum: VS_YESTERDAY }),
    note: text(),
    answeredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('pain_answers_prompt').on(t.promptId)],
);
