import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { loadEnv, type Env } from '../src/config/env.js';
import { createDatabase, migrateDatabase, quoteIdent, type Database } from '../src/db/client.js';
import { closeDeps, createDeps, purgeRedisPrefix, type AppDeps } from '../src/deps.js';
import { inlineFitDecoder, type FitDecoder } from '../src/fit/decode-pool.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/lib/logger.js';

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

/** A benchmark's service: a scratch database, deps on it under a scratch Redis prefix, and optionally the app on loopback. */
export interface BenchService {
  scratch: ScratchDatabase;
  env: Env;
  deps: AppDeps;
  /** the app's server (when started with `listen`), on 127.0.0.1 */
  server: Server | null;
  /** `http://127.0.0.1:<port>` of the app ('' without `listen`) */
  base: string;
  /** the API key's header (API_KEYS is `bench`) */
  headers: { Authorization: string };
  /** stops the server, purges the Redis prefix, closes the deps and drops the database */
  close(): Promise<void>;
}

/** The API key (`bench`) and the fixed token key every benchmark deployment runs with, also handed to CLI child processes. */
export const BENCH_SECRETS = { API_KEYS: 'bench', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') } as const;

/**
 * Everything a benchmark needs to run the real service on scratch state: production settings, the API
 * key `bench`, a fixed token key, `env` added on top (e.g. Strava settings, rate limits).
 */
export async function startBenchService(
  label: string,
  o: { env?: Record<string, string>; logLevel?: string; now?: () => Date; fitDecoder?: FitDecoder; listen?: boolean } = {},
): Promise<BenchService> {
  const scratch = await createScratchDatabase(label);
  const env = loadEnv({
    NODE_ENV: 'production',
    // request logs at info would measure stdout, not the routes
    LOG_LEVEL: o.logLevel ?? 'warn',
    DATABASE_URL: scratch.url,
    REDIS_PREFIX: `bench-${label}-${randomBytes(3).toString('hex')}`,
    ...BENCH_SECRETS,
    ...o.env,
  });
  const deps = createDeps(env, createLogger({ level: env.LOG_LEVEL }), {
    database: scratch,
    fitDecoder: o.fitDecoder ?? inlineFitDecoder,
    ...(o.now ? { now: o.now } : {}),
  });
  let server: Server | null = null;
  let base = '';
  if (o.listen) {
    server = createApp(deps).listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    scratch,
    env,
    deps,
    server,
    base,
    headers: { Authorization: 'Bearer bench' },
    async close() {
      if (server) await new Promise((r) => server!.close(r));
      await purgeRedisPrefix(deps).catch(() => undefined);
      await closeDeps(deps).catch(() => undefined);
      await scratch.drop();
    },
  };
}

/**
 * `insert into activities …` of `days` daily counted, ready runs of a runner ending the day before
 * `endDate` (06:00 local, UTC+1), returning `id, local_date`: the first step of the benchmarks' set-based seeds
 * (`with ins as (${dailyRunsInsert(…)}) …`).
 */
export function dailyRunsInsert(runnerId: string, endDate: string, days: number): SQL {
  return sql`insert into activities (runner_id, source, external_id, session_index, sport, is_run, start_time, local_date, utc_offset_s, status, counted_in_load)
      select ${runnerId}::uuid, 'upload', 'seed-' || g, 0, 'running', true,
             (${endDate}::date - g) + time '06:00', (${endDate}::date - g), 3600, 'ready', true
      from generate_series(1, ${days}) g
      returning id, local_date`;
}

/** Median and 95th percentile wall time of a GET on loopback, the median CPU this process spent on it, status and bytes. */
export async function timeRequests(
  url: string,
  headers: Record<string, string>,
  iterations: number,
): Promise<{ ms: number; p95Ms: number; cpuMs: number; status: number; bytes: number }> {
  const one = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, status: res.status, bytes: body.byteLength };
  };
  for (let i = 0; i < 3; i++) await one();
  const runs = [];
  for (let i = 0; i < iterations; i++) runs.push(await one());
  const ms = runs.map((r) => r.ms);
  return { ms: median(ms), p95Ms: percentile(ms, 95), cpuMs: median(runs.map((r) => r.cpuMs)), status: runs[0]!.status, bytes: runs[0]!.bytes };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The next message from a benchmark's child process carrying `key`; rejects if the child exits first. */
export function nextMessage<M extends object, K extends string>(child: ChildProcess, key: K): Promise<Extract<M, Record<K, unknown>>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (key in m) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<M, Record<K, unknown>>);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`bench server exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
