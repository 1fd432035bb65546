import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { insertExportOnce } from '../src/db/queries/exports.js';
import { createRunner } from '../src/services/runners.js';
import { acceptFitFile } from '../src/services/uploads.js';
import { FIT_DIR } from '../test/fixtures.js';
import { startWorkers } from '../workers/main.js';
import { copier, FIXTURES } from './fit-copies.js';
import { BENCH_SECRETS, fmt, startBenchService } from './scratch.js';

/**
 * `npm run bench -- export`: a runner's data export over a 5-year daily history. 1,826 runs with real
 * FIT bytes (two watch fixtures, moved one day apart by byte patching so each file is distinct) are
 * seeded straight into a scratch database, with the metrics the real pipeline derived for the fixture;
 * then a separate process runs the `export.build` job's function and reports its wall time, zip MB/s
 * and peak RSS (VmHWM).
 */

const RSS_TARGET_MB = 300;
const MBPS_TARGET = 20;
const SEED_BATCH = 50;

const CHILD = ['--import', 'tsx', 'bench/export-child.ts'];

export async function benchExport(days = 1826): Promise<Record<string, unknown>> {
  const exportDir = mkdtempSync(join(tmpdir(), 'stridesync-bench-export-'));
  const svc = await startBenchService('export', { env: { EXPORT_DIR: exportDir } });
  try {
    const { deps } = svc;
    const runner = await createRunner(deps, { name: 'Bench Runner', timezone: 'Europe/Oslo' });

    // the fixtures through the real pipeline once: their derived metrics are the template of every copy
    const workers = startWorkers(deps, { queues: ['compute'] });
    const templates: string[] = [];
    for (const f of FIXTURES) templates.push((await acceptFitFile(deps, { runnerId: runner.id, bytes: readFileSync(join(FIT_DIR, f)), origin: f })).activityId);
    for (;;) {
      const r = await deps.db.execute<{ n: number }>(sql`select count(*)::int as n from activities where id in ${templates} and status = 'ready'`);
      if (r.rows[0]!.n === templates.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await workers.close();
    const metricColumns = (
      await deps.db.execute<{ column_name: string }>(
        sql`select column_name from information_schema.columns where table_name = 'activity_metrics' and column_name <> 'activity_id' order by ordinal_position`,
      )
    ).rows.map((r) => sql.identifier(r.column_name));

    const tSeed = performance.now();
    const copiers = FIXTURES.map(copier);
    let seededBytes = 0;
    const end = Date.UTC(2026, 10, 1, 6);
    for (let i = 0; i < days; i += SEED_BATCH) {
      const rows = [];
      for (let j = i; j < Math.min(days, i + SEED_BATCH); j++) {
        const start = new Date(end - (days - j) * 86_400_000);
        const bytes = Buffer.from(copiers[j % copiers.length]!(start));
        seededBytes += bytes.length;
        rows.push({ bytes, sha: createHash('sha256').update(bytes).digest('hex'), start, template: templates[j % templates.length]!, name: `day-${j}.fit` });
      }
      for (const r of rows) {
        await deps.db.execute(sql`with f as (
            insert into files (runner_id, sha256, size_bytes, origin, bytes) values (${runner.id}, ${r.sha}, ${r.bytes.length}, ${r.name}, ${r.bytes}) returning id
          ), a as (
            insert into activities (runner_id, source, external_id, session_index, file_id, sport, is_run, start_time, local_date, utc_offset_s, status, counted_in_load, name)
            select ${runner.id}::uuid, 'upload', ${r.sha}, 0, f.id, 'running', true, ${r.start.toISOString()}::timestamptz, (${r.start.toISOString()}::timestamptz at time zone 'Europe/Oslo')::date, 3600, 'ready', true, 'Morning run' from f
            returning id
          )
          insert into activity_metrics (activity_id, ${sql.join(metricColumns, sql`, `)})
          select a.id, ${sql.join(
            metricColumns.map((c) => sql`m.${c}`),
            sql`, `,
          )} from a, activity_metrics m where m.activity_id = ${r.template}::uuid`);
      }
    }
    const seedS = (performance.now() - tSeed) / 1000;
    console.log(`export: seeded ${days} runs with FIT files (${fmt(seededBytes / 1_048_576, 0)} MB) in ${fmt(seedS, 1)} s`);

    const { row } = await insertExportOnce(deps.db, { runnerId: runner.id, requestId: `bench-${randomUUID()}`, tokenHash: randomUUID(), tokenEncrypted: null });
    const child = spawn(process.execPath, [...CHILD, row.id], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: svc.scratch.url,
        REDIS_PREFIX: svc.env.REDIS_PREFIX,
        EXPORT_DIR: exportDir,
        ...BENCH_SECRETS,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`export child exited ${code}`);
    const r = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; bytes: number; status: string; rssBeforeMb: number; peakRssMb: number };
    const mb = r.bytes / 1_048_576;
    const mbps = mb / r.seconds;
    console.log(
      `export: ${days} runs → zip ${fmt(mb, 1)} MB in ${fmt(r.seconds, 1)} s = ${fmt(mbps, 1)} MB/s (target > ${MBPS_TARGET}${mbps > MBPS_TARGET ? '' : ' — MISSED'}); ` +
        `peak RSS ${fmt(r.peakRssMb, 0)} MB (target < ${RSS_TARGET_MB}${r.peakRssMb < RSS_TARGET_MB ? '' : ' — MISSED'}; ${fmt(r.rssBeforeMb, 0)} MB before the export); ` +
        `zip/FIT bytes ${fmt(r.bytes / seededBytes, 2)}`,
    );
    return {
      runs: days,
      fitMb: Number(fmt(seededBytes / 1_048_576, 1)),
      zipMb: Number(fmt(mb, 1)),
      seconds: Number(fmt(r.seconds, 2)),
      mbPerS: Number(fmt(mbps, 1)),
      mbPerSTarget: MBPS_TARGET,
      peakRssMb: Math.round(r.peakRssMb),
      rssBeforeMb: Math.round(r.rssBeforeMb),
      rssTargetMb: RSS_TARGET_MB,
      mbpsRatio: Number(fmt(mbps / MBPS_TARGET, 2)),
      rssRatio: Number(fmt(r.peakRssMb / RSS_TARGET_MB, 2)),
    };
  } finally {
    await svc.close();
    rmSync(exportDir, { recursive: true, force: true });
  }
}
