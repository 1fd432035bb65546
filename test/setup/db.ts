import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, quoteIdent, type Database } from '../../src/db/client.js';
import { ADMIN_URL, TEST_DB_PREFIX, databaseUrl } from './pg-urls.js';

export interface TestDatabase extends Database {
  name: string;
  url: string;
  /** close the pool and drop the database */
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  const name = `${TEST_DB_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const database = createDatabase(url, { max: 5, applicationName: 'stridesync-test' });
  return {
    ...database,
    name,
    url,
    async drop() {
      await database.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
