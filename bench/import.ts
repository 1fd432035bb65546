import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { copier, FIXTURES } from './fit-copies.js';
import { createRunner } from '../src/services/runners.js';
import { ZipWriter } from '../test/factories/zip-writer.js';
import { benchPipeline } from './pipeline.js';
import { BENCH_SECRETS, fmt, startBenchService } from './scratch.js';

/**
 * `npm run bench -- import`: the bulk-history import as a runner would run it. 2,000 FIT files (real
 * watch runs from the shared fixtures, re-encoded one day apart so each is a distinct run) are imported
 * by the real CLI process, once from a folder and once from a zip of the same files, into a scratch
 * database. Reports files/s and the CLI process's peak RSS (VmHWM: main thread, decoder threads and
 * all), next to the upload pipeline's own activities/s.
 */

const RSS_TARGET_MB = 300;

/** The built CLI (what `npx stridesync` runs) when present, else the sources through tsx (more memory). */
const BUILT_CLI = 'dist/src/cli/main.js';
const CLI = existsSync(BUILT_CLI) ? [BUILT_CLI] : ['--import', 'tsx', 'src/cli/main.ts'];

interface CliRun {
  seconds: number;
  lines: number;
  statuses: Record<string, number>;
  peakRssMb: number;
}

/** Run `stridesync import --json` as its own process, sampling its peak RSS from /proc. */
async function runCli(env: NodeJS.ProcessEnv, args: string[]): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...CLI, 'import', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // process gone
    }
  };
  const timer = setInterval(sample, 100);
  const statuses: Record<string, number> = {};
  let lines = 0;
  let rest = '';
  child.stdout.on('data', (d: Buffer) => {
    rest += d.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const p of parts) {
      if (!p.trim()) continue;
      lines += 1;
      const s = (JSON.parse(p) as { status: string }).status;
      statuses[s] = (statuses[s] ?? 0) + 1;
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`import exited ${code}: ${stderr}`);
  return { seconds: (performance.now() - t0) / 1000, lines, statuses, peakRssMb: peakKb / 1024 };
}

export async function benchImport(count = 2000): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'stridesync-bench-import-'));
  const svc = await startBenchService('import');
  const { scratch, deps } = svc;
  try {
    const tBuild = performance.now();
    const copiers = FIXTURES.map(copier);
    const folder = join(dir, 'files');
    const zipPath = join(dir, 'export.zip');
    const zip = new ZipWriter(zipPath);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const data = Buffer.from(copiers[i % copiers.length]!(new Date(Date.UTC(2020, 0, 1, 6) + i * 86_400_000)));
      bytes += data.length;
      const name = `${String(i).padStart(5, '0')}.fit`;
      writeFileSync(join(folder, name), data);
      await zip.add(`activities/${name}`, data);
    }
    await zip.close();
    console.log(`import: CLI = node ${CLI.join(' ')}${existsSync(BUILT_CLI) ? '' : ' (run npm run build first for the figures of the built command)'}`);
    console.log(`import: built ${count} FIT files (${fmt(bytes / 1024 / 1024, 1)} MB) and their zip in ${fmt((performance.now() - tBuild) / 1000, 1)} s`);

    // the CLI works on the same scratch database and Redis prefix as this deployment
    const childEnv = {
      ...process.env,
      ...BENCH_SECRETS,
      NODE_ENV: 'test',
      DATABASE_URL: scratch.url,
      REDIS_PREFIX: svc.env.REDIS_PREFIX,
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: '2',
    };
    const folderRunner = await createRunner(deps, { name: 'folder', timezone: 'Europe/Oslo' });
    const fromFolder = await runCli(childEnv, ['--runner', folderRunner.id, '--json', folder]);
    const zipRunner = await createRunner(deps, { name: 'zip', timezone: 'Europe/Oslo' });
    const fromZip = await runCli(childEnv, ['--runner', zipRunner.id, '--json', zipPath]);
    const report = (label: string, r: CliRun) =>
      console.log(
        `import ${label}: ${r.lines} lines ${JSON.stringify(r.statuses)} in ${fmt(r.seconds, 1)} s = ${fmt(count / r.seconds, 1)} files/s; peak RSS ${fmt(r.peakRssMb, 0)} MB (target < ${RSS_TARGET_MB} MB${r.peakRssMb < RSS_TARGET_MB ? '' : ' — MISSED'})`,
      );
    report('from a folder', fromFolder);
    report('from a zip', fromZip);
    const pipeline = await benchPipeline(200);
    console.log(
      `import vs pipeline: folder ${fmt(count / fromFolder.seconds, 1)} files/s, zip ${fmt(count / fromZip.seconds, 1)} files/s, upload pipeline ${fmt(pipeline.activitiesPerS as number, 1)} activities/s`,
    );
    return {
      files: count,
      folder: { filesPerS: count / fromFolder.seconds, peakRssMb: fromFolder.peakRssMb, statuses: fromFolder.statuses },
      zip: { filesPerS: count / fromZip.seconds, peakRssMb: fromZip.peakRssMb, statuses: fromZip.statuses },
      pipelineActivitiesPerS: pipeline.activitiesPerS,
      rssTargetMb: RSS_TARGET_MB,
    };
  } finally {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchImport(Number(process.argv[2] ?? 2000));
}
