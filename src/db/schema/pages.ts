import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn } from './columns.js';
import { runnerRef } from './runners.js';

/** Magic links to the runner's pages: only the SHA-256 of the token is stored; single use, expiring, revocable. */
export const runnerLinks = pgTable(
  'runner_links',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('runner_links_token_hash').on(t.tokenHash), index('runner_links_runner').on(t.runnerId)],
);

/** Browser sessions of the runner's pages (cookie holds the random id; only its hash is stored) with the CSRF token of the session. */
export const runnerSessions = pgTable(
  'runner_sessions',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    sessionHash: text().notNull(),
    csrfToken: text().notNull(),
    linkId: uuid(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** a short summary of the browser's user agent at sign-in, e.g. "Firefox on Android" */
    device: text(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('runner_sessions_session_hash').on(t.sessionHash), index('runner_sessions_runner').on(t.runnerId)],
);

/** Read-only share links for a named recipient (e.g. a physiotherapist), created after the runner's explicit consent. */
export const runnerShares = pgTable(
  'runner_shares',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    tokenHash: text().notNull(),
    recipient: text().notNull(),
    /** what the recipient sees: diary, weeks, warnings, pain, cadence */
    sections: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    consentedAt: timestamp({ withTimezone: true }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    lastOpenedAt: timestamp({ withTimezone: true }),
    /** the page session the share was created from; null when it was made through the API */
    createdBySession: uuid().references(() => runnerSessions.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('runner_shares_token_hash').on(t.tokenHash),
    index('runner_shares_runner').on(t.runnerId),
    index('runner_shares_created_by_session')
      .on(t.createdBySession)
      .where(sql`${t.createdBySession} is not null`),
  ],
);

/** Web Push subscriptions of a runner's browsers (endpoint + the browser's public keys). */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: idColumn(),
    runnerId: runnerRef(),
    endpoint: text().notNull(),
    p256dh: text().notNull(),
    auth: text().notNull(),
    failures: integer().notNull().default(0),
    lastSentAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('push_subscriptions_endpoint').on(t.endpoint), index('push_subscriptions_runner').on(t.runnerId)],
);
