/**
 * `npm run bench`: every speed and memory figure of the project with its target, in one run.
 * Benchmarks use the real local Postgres and Redis (scratch databases and key prefixes, removed
 * afterwards) and only loopback addresses. `npm run bench -- fit week` runs a subset.
 */
import { benchCadence } from './cadence.js';
import { benchExport } from './export.js';
import { benchFit } from './fit.js';
import { benchFuzz } from './fuzz.js';
import { benchImport } from './import.js';
import { benchPages } from './pages.js';
import { benchPain } from './pain.js';
import { benchPipeline } from './pipeline.js';
import { benchSoak } from './soak.js';
import { benchWebhook } from './webhook.js';
import { benchWeekIngest } from './week-ingest.js';
import { benchWeekPure } from './week.js';

const suites: Record<string, () => Promise<Record<string, unknown>>> = {
  fit: () => benchFit(),
  pipeline: () => benchPipeline(200),
  week: async () => ({ pure: await benchWeekPure(), ingest: await benchWeekIngest() }),
  webhook: () => benchWebhook(),
  fuzz: () => benchFuzz(),
  soak: () => benchSoak(),
  import: () => benchImport(2000),
  pain: () => benchPain(),
  cadence: () => benchCadence(),
  pages: () => benchPages(),
  export: () => benchExport(Number(process.env.BENCH_EXPORT_DAYS ?? 1826)),
};

const wanted = process.argv.slice(2).filter((a) => a in suites);
const results: Record<string, unknown> = {};
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  try {
    results[name] = await suites[name]!();
  } catch (err) {
    results[name] = { error: (err as Error).message };
    console.error(`${name} failed: ${(err as Error).stack}`);
    process.exitCode = 1;
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`\n=== summary ===\n${JSON.stringify(results, null, 2)}`);
process.exit(process.exitCode ?? 0);
