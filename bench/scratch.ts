import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, migrateDatabase, quoteIdent, type Database } from '../src/db/client.js';

const BASE = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface ScratchDatabase extends Database {
  url: string;
  drop(): Promise<void>;
}

/** A migrated throw-away database for one benchmark, dropped afterwards. */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `stridesync_bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${BASE}/postgres` });
  await admin.connect();
  await admin.query(`create database ${quoteIdent(name)}`);
  await admin.end();
  const url = `${BASE}/${name}`;
  const database = createDatabase(url, { max: 10, applicationName: 'stridesync-bench' });
  await migrateDatabase(database.db);
  return {
    ...database,
    url,
    async drop() {
      await database.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: `${BASE}/postgres` });
      await c.connect();
      await c.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      await c.end();
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}
