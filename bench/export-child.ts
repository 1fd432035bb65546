import { readFileSync } from 'node:fs';
import { loadEnv } from '../src/config/env.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { createLogger } from '../src/lib/logger.js';
import { runExport } from '../src/services/exports/build.js';

/**
 * The process that does one export for `npm run bench -- export`: deps from the environment the bench
 * hands it, then the `export.build` job's own function on the export named in argv. Prints its wall
 * time and its peak RSS (VmHWM: everything this process ever held) as one JSON line.
 */
function vm(key: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const exportId = process.argv[2]!;
const env = loadEnv();
const deps = createDeps(env, createLogger({ level: env.LOG_LEVEL }));
const rssBeforeMb = vm('VmRSS');
const t0 = performance.now();
const result = await runExport(deps, exportId);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, bytes: result.bytes ?? 0, status: result.status, rssBeforeMb, peakRssMb: vm('VmHWM') })}\n`);
await closeDeps(deps);
process.exit(0);
