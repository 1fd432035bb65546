import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, migrateDatabase, quoteIdent } from '../../src/db/client.js';
import { ADMIN_URL, TEST_DB_PREFIX, TEMPLATE_PREFIX, databaseUrl } from './pg-urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build one template database by running the real migrations once; each test file then clones it
 * (CREATE DATABASE … TEMPLATE …), which takes milliseconds instead of re-running migrations.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `tests need PostgreSQL at ${ADMIN_URL} (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): ${(err as Error).message}`,
    );
  }
  // Leftovers of runs that crashed (their pid is gone) are dropped so they do not pile up.
  const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1 or datname like $2`, [
    `${TEST_DB_PREFIX}%`,
    `${TEMPLATE_PREFIX}%`,
  ]);
  for (const { datname } of stale.rows) {
    const pid = Number(/_(\d+)(_|$)/.exec(datname)?.[1]);
    if (pid && !isAlive(pid)) {
      await admin.query(`update pg_database set datistemplate = false where datname = $1`, [datname]);
      await admin.query(`drop database if exists ${quoteIdent(datname)} with (force)`).catch(() => undefined);
    }
  }

  const template = `${TEMPLATE_PREFIX}${process.pid}`;
  await admin.query(`drop database if exists ${quoteIdent(template)} with (force)`);
  await admin.query(`create database ${quoteIdent(template)}`);
  const database = createDatabase(databaseUrl(template), { max: 1 });
  try {
    await migrateDatabase(database.db);
  } finally {
    await database.close();
  }
  await admin.query(`update pg_database set datistemplate = true where datname = $1`, [template]);
  await admin.end();
  project.provide('templateDatabase', template);

  return async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`update pg_database set datistemplate = false where datname = $1`, [template]);
    await c.query(`drop database if exists ${quoteIdent(template)} with (force)`);
    await c.end();
  };
}
