import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { KeyScope } from '../../domain/api-access.js';
import { createdAt, idColumn } from './columns.js';
import { runners } from './runners.js';

/**
 * API keys kept in the database (the `API_KEYS` setting's keys are not stored): named, scoped
 * (operator, read, or bound to one runner), revocable. Only the SHA-256 of the key's secret is stored.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: idColumn(),
    name: text().notNull(),
    scope: text().$type<KeyScope>().notNull(),
    /** the runner a `runner` key is bound to; null for the other scopes */
    runnerId: uuid().references(() => runners.id, { onDelete: 'cascade' }),
    readOnly: boolean().notNull().default(false),
    secretHash: text().notNull(),
    createdAt: createdAt(),
    /** written at most once a minute */
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_keys_name').on(t.name),
    index('api_keys_runner').on(t.runnerId),
    check('api_keys_scope', sql`${t.scope} IN ('operator', 'read', 'runner')`),
    check('api_keys_runner_scope', sql`(${t.scope} = 'runner') = (${t.runnerId} IS NOT NULL)`),
  ],
);
