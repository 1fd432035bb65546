import { pathToFileURL } from 'node:url';
import { DEFAULT_FINDINGS_DIR, fuzzSeed, runFitFuzz } from '../test/fuzz/fit-fuzz.js';
import { HAS_FIXTURES } from '../test/fixtures.js';
import { fmt } from './scratch.js';

/**
 * FIT fuzzing at full size: FUZZ_RUNS (default 10,000) mutated real fixtures, whole files included,
 * through the import path in a worker thread (see test/fuzz/). Prints cases/s, outcomes by reason,
 * findings, the slowest file and peak RSS. Per-file bound: 2 s plus 4 ms per kB (the untouched 1 MB
 * multisport fixture alone takes about a second on a busy 2-core machine).
 */
export async function benchFuzz(): Promise<Record<string, unknown>> {
  if (!HAS_FIXTURES) throw new Error('fuzz needs the shared FIT fixtures (../shared/fixtures)');
  const numRuns = Number(process.env.FUZZ_RUNS ?? 10_000);
  const seed = fuzzSeed();
  let last = 0;
  const report = await runFitFuzz({
    numRuns,
    seed,
    wholeFiles: true,
    timeBoundMs: (bytes) => 2_000 + (bytes / 1024) * 4,
    hangMs: 30_000,
    rssCapMb: 1_024,
    poolEvery: 50,
    findingsDir: DEFAULT_FINDINGS_DIR,
    onProgress: (n) => {
      if (n - last >= 1_000) {
        last = n;
        process.stdout.write(`  ${n} cases\n`);
      }
    },
  });
  const failures = Object.entries(report.outcomes)
    .filter(([k]) => k.startsWith('fit_'))
    .sort((a, b) => b[1] - a[1]);
  const valid = (report.outcomes.valid ?? 0) + (report.outcomes['valid-partial'] ?? 0);
  console.log(
    `FIT fuzz (seed ${seed}; FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns} reproduces): ${report.cases} cases in ${fmt(report.seconds, 1)} s = ${fmt(report.casesPerS, 1)} cases/s (${fmt(report.totalBytes / 2 ** 20, 0)} MB decoded)\n` +
      `  valid runs ${valid} (${report.outcomes['valid-partial'] ?? 0} partial); failed with a reason: ${failures.map(([k, n]) => `${k} ${n}`).join(', ')}\n` +
      `  findings (crash, hang, unstorable run, over the time bound, pool disagreement, memory): ${report.findings.length}\n` +
      `  slowest file ${fmt(report.maxMs, 0)} ms: ${report.maxMsCase}\n` +
      `  RSS baseline ${fmt(report.baselineRssMb, 0)} MB, peak ${fmt(report.peakRssMb, 0)} MB; ${report.poolChecks} cases also through the decoder pool`,
  );
  for (const f of report.findings)
    console.log(`  case ${f.index} ${f.kind}: ${f.detail.split('\n')[0]}\n    ${f.case}${f.file ? `\n    bytes: ${f.file}` : ''}`);
  if (report.findings.length) process.exitCode = 1;
  return { ...report, findings: report.findings.map((f) => ({ ...f, detail: f.detail.split('\n')[0] })) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchFuzz();
}
