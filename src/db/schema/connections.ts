import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { runnerRef } from './runners.js';
import { idColumn, createdAt, updatedAt } from './columns.js';

export const PROVIDERS = ['strava', 'garmin'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'revoked'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const BACKFILL_STATUSES = ['none', 'queued', 'running', 'done', 'failed'] as const;

/**
 * A runner's link to Strava or Garmin. Tokens are AES-256-GCM encrypted (lib/crypto.ts);
 * the external athlete id is the key webhooks arrive with.
 */
export const connections = pgTable(
  'connections',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    provider: text({ enum: PROVIDERS }).notNull(),
    externalAthleteId: text().notNull(),
    accessTokenEnc: text(),
    refreshTokenEnc: text(),
    tokenExpiresAt: timestamp({ withTimezone: true }),
    scopes: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: text({ enum: CONNECTION_STATUSES }).notNull().default('active'),
    statusReason: text(),
    backfillStatus: text({ enum: BACKFILL_STATUSES }).notNull().default('none'),
    backfillTotal: integer().notNull().default(0),
    backfillDone: integer().notNull().default(0),
    meta: jsonb().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connections_provider_athlete').on(t.provider, t.externalAthleteId),
    uniqueIndex('connections_runner_provider').on(t.runnerId, t.provider),
    index('connections_runner').on(t.runnerId),
  ],
);

/**
 * Inbox of every webhook delivery as received (Strava events, Garmin notifications), written before
 * the answer goes out, so nothing acknowledged is ever lost. A replay hits the dedupe key and inserts
 * nothing.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: idColumn(),
    provider: text({ enum: PROVIDERS }).notNull(),
    /** e.g. strava:create:1360128428:1516126040 */
    dedupeKey: text().notNull(),
    payload: jsonb().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    attempts: integer().notNull().default(0),
    /** what processing decided: processed, ignored_unknown_athlete, ignored_subscription, … */
    outcome: text(),
    error: text(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_events_dedupe').on(t.dedupeKey),
    index('webhook_events_unprocessed')
      .on(t.receivedAt)
      .where(sql`${t.processedAt} is null`),
    /** the recovery sweep's look-up of routed Strava events whose fetch may have been lost */
    index('webhook_events_fetch_queued')
      .on(t.processedAt)
      .where(sql`${t.outcome} = 'fetch_queued'`),
    index('webhook_events_processed_at')
      .on(t.processedAt)
      .where(sql`${t.processedAt} is not null`),
  ],
);
