/**
 * FIT decode benchmark. Run: `npx tsx bench/fit.ts`.
 * (a) Speed: median of N runs of decodeFit + deriveRunMetrics on the largest running fixture, against a
 *     bare `new Decoder(Stream.fromByteArray(bytes)).read()` of the same bytes in the same process.
 *     Target: ratio ≤ 1.3.
 * (b) Memory: peak RSS of a fresh child process that decodes and derives a synthetic 24-hour run
 *     (86,400 one-second records, built with the SDK Encoder). The child reports the kernel's
 *     high-water mark (process.resourceUsage().maxRSS), so the figure is a true peak and is not polluted
 *     by (a). Target: < 200 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Decoder, Stream } from '@garmin/fitsdk';
import { FIT_DIR, HAS_FIXTURES, fitManifest } from '../test/fixtures.js';
import { deriveRunMetrics } from '../src/domain/metrics.js';
import { decodeFit } from '../src/fit/decode.js';
import { buildSyntheticRunFit } from '../src/fit/synthetic.js';

const RUNS = 25;
const WARMUP = 5;
const DAY_S = 86_400;
const SPEED_TARGET_RATIO = 1.3;
const RSS_TARGET_MB = 200;
const MB = 1024 * 1024;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function largestRunningFixture(): { name: string; bytes: Uint8Array } {
  if (!HAS_FIXTURES) {
    return { name: 'synthetic 2-h run (fixtures missing)', bytes: buildSyntheticRunFit({ seconds: 7200, altitudeM: (t) => 100 + 15 * Math.sin(t / 300) }) };
  }
  const file = fitManifest()
    .files.filter((f) => f.category.startsWith('run'))
    .sort((a, b) => b.size_bytes - a.size_bytes)[0]!;
  return { name: file.file, bytes: new Uint8Array(readFileSync(join(FIT_DIR, file.file))) };
}

function decodeAndDerive(bytes: Uint8Array): number {
  const result = decodeFit(bytes);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.runs.map(deriveRunMetrics).length;
}

function speed(): Record<string, unknown> {
  const { name, bytes } = largestRunningFixture();
  const sdk: number[] = [];
  const ours: number[] = [];
  const decodeOnly: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Interleaved so both sides see the same JIT and GC conditions.
    const a = timeMs(() => new Decoder(Stream.fromByteArray(bytes)).read());
    const b = timeMs(() => decodeAndDerive(bytes));
    const c = timeMs(() => decodeFit(bytes));
    if (i < WARMUP) continue;
    sdk.push(a);
    ours.push(b);
    decodeOnly.push(c);
  }
  const ratio = median(ours) / median(sdk);
  return {
    file: name,
    bytes: bytes.length,
    runs: RUNS,
    sdkReadMedianMs: +median(sdk).toFixed(2),
    decodeMedianMs: +median(decodeOnly).toFixed(2),
    decodeDeriveMedianMs: +median(ours).toFixed(2),
    ratio: +ratio.toFixed(3),
    targetRatio: SPEED_TARGET_RATIO,
    met: ratio <= SPEED_TARGET_RATIO,
  };
}

/** Child side of (b): decode + derive the file at `path`, print RSS figures as JSON. */
function memoryChild(path: string): void {
  const bytes = new Uint8Array(readFileSync(path));
  const baselineMaxRssMb = process.resourceUsage().maxRSS / 1024;
  const t = performance.now();
  const result = decodeFit(bytes);
  if (!result.ok) throw new Error(result.message);
  const metrics = result.runs.map(deriveRunMetrics);
  const ms = performance.now() - t;
  const run = result.runs[0]!;
  process.stdout.write(
    JSON.stringify({
      records: run.samples?.timeS.length ?? 0,
      distanceKm: +(metrics[0]!.distanceM / 1000).toFixed(1),
      splits: metrics[0]!.splits.length,
      decodeDeriveMs: Math.round(ms),
      baselineMaxRssMb: +baselineMaxRssMb.toFixed(1),
      peakRssMb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      rssAfterMb: +(process.memoryUsage().rss / MB).toFixed(1),
    }),
  );
}

function memory(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'stridesync-fit-bench-'));
  try {
    const bytes = buildSyntheticRunFit({
      seconds: DAY_S,
      speedMps: (t) => 2.6 + 0.4 * Math.sin(t / 900),
      cadenceSpm: (t) => 166 + 6 * Math.sin(t / 600),
      altitudeM: (t) => 300 + 80 * Math.sin(t / 1800) + 0.3 * Math.sin(t * 7.1),
    });
    const path = join(dir, '24h.fit');
    writeFileSync(path, bytes);
    const self = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--memory-child', path], { encoding: 'utf8', cwd: join(self, '..', '..') });
    if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
    const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { peakRssMb: number };
    return { fileMb: +(bytes.length / MB).toFixed(2), ...figures, targetPeakRssMb: RSS_TARGET_MB, met: figures.peakRssMb < RSS_TARGET_MB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchFit(): Promise<Record<string, unknown>> {
  const s = speed();
  console.log(`[fit] speed, ${s['file']} (${s['bytes']} B), median of ${RUNS}:`);
  console.log(`      SDK read ${s['sdkReadMedianMs']} ms | decodeFit ${s['decodeMedianMs']} ms | decodeFit + deriveRunMetrics ${s['decodeDeriveMedianMs']} ms`);
  console.log(`      ratio ${s['ratio']}× (target ≤ ${SPEED_TARGET_RATIO}×) ${s['met'] ? 'OK' : 'MISSED'}`);
  const m = memory();
  console.log(`[fit] memory, synthetic 24-h run (${m['records']} records, ${m['fileMb']} MB FIT, ${m['distanceKm']} km) in a child process:`);
  console.log(`      peak RSS ${m['peakRssMb']} MB (process baseline before decoding ${m['baselineMaxRssMb']} MB), decode + derive ${m['decodeDeriveMs']} ms`);
  console.log(`      target < ${RSS_TARGET_MB} MB ${m['met'] ? 'OK' : 'MISSED'}`);
  return { speed: s, memory: m };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const childAt = process.argv.indexOf('--memory-child');
  if (childAt !== -1) memoryChild(process.argv[childAt + 1]!);
  else await benchFit();
}
