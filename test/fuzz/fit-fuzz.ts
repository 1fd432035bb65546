import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { createFitDecoderPool, type FitDecoder } from '../../src/fit/decode-pool.js';
import type { FitDecodeResult } from '../../src/fit/types.js';
import { FIT_DIR } from '../fixtures.js';
import type { FuzzRequest, FuzzResponse } from './fit-fuzz-thread.js';
import { buildCase, describeCase, fitCaseArb, type FitCase } from './fit-mutations.js';
import type { FitImportOutcome } from './fit-target.js';

/**
 * The FIT fuzzer: mutated real fixtures (see fit-mutations.ts) through the import path (fit-target.ts)
 * in a worker thread, one case at a time, so a hang is cut off and reported instead of stalling the
 * run. Every case must end as a failure with a code or as storable runs, within a time bound, while
 * the process's RSS stays under a cap. Now and then the same bytes also go through the production
 * decoder pool, whose answer must agree.
 */

export interface FuzzOptions {
  numRuns: number;
  seed: number;
  /** also fuzz whole (untrimmed) fixtures, a few of them over 200 kB: slower */
  wholeFiles: boolean;
  /** per-file bound: a case slower than this is a finding */
  timeBoundMs: (bytes: number) => number;
  /** a case still running after this long is a hang: the thread is killed and replaced */
  hangMs: number;
  /** RSS growth above the baseline that counts as a finding, MB */
  rssCapMb: number;
  /** every n-th case also goes through createFitDecoderPool (0 = never) */
  poolEvery: number;
  /** folder for the bytes of each finding (to reproduce it); none when undefined */
  findingsDir?: string;
  onProgress?: (done: number) => void;
}

export interface FuzzFinding {
  index: number;
  kind: 'crash' | 'unstorable' | 'hang' | 'slow' | 'pool-mismatch' | 'memory';
  detail: string;
  case: string;
  file?: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  seconds: number;
  casesPerS: number;
  /** "valid", "valid-partial" or the failure code */
  outcomes: Record<string, number>;
  findings: FuzzFinding[];
  maxMs: number;
  maxMsCase: string;
  totalBytes: number;
  baselineRssMb: number;
  peakRssMb: number;
  poolChecks: number;
}

export function fitFixtures(): Map<string, Uint8Array> {
  const names = readdirSync(FIT_DIR)
    .filter((n) => n.toLowerCase().endsWith('.fit'))
    .sort();
  return new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(FIT_DIR, n)))]));
}

/** The fuzz seed: FUZZ_SEED when set (to reproduce a run), else a fixed default. */
export function fuzzSeed(fallback = 20_261_129): number {
  const v = Number(process.env.FUZZ_SEED);
  return Number.isInteger(v) && process.env.FUZZ_SEED ? v : fallback;
}

class FuzzThread {
  private worker!: Worker;
  private pending: { id: number; resolve: (r: FuzzResponse) => void } | null = null;
  private nextId = 1;

  constructor() {
    this.spawn();
  }

  private spawn(): void {
    const entry = new URL('./fit-fuzz-thread.ts', import.meta.url);
    this.worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true });
    this.worker.on('message', (msg: FuzzResponse) => {
      if (this.pending?.id === msg.id) {
        const p = this.pending;
        this.pending = null;
        p.resolve(msg);
      }
    });
    this.worker.on('error', (err) => this.settleCrash(`thread error: ${err.message}`));
    this.worker.on('exit', (code) => this.settleCrash(`thread exited with code ${code}`));
  }

  private settleCrash(reason: string): void {
    if (!this.pending) return;
    const p = this.pending;
    this.pending = null;
    p.resolve({ id: p.id, outcome: { kind: 'crash', stage: 'decode', error: reason }, ms: 0 });
  }

  /** null when the case did not finish within `hangMs` (the thread is then replaced). */
  async run(bytes: Uint8Array, hangMs: number): Promise<FuzzResponse | null> {
    const id = this.nextId++;
    const reply = new Promise<FuzzResponse>((resolve) => {
      this.pending = { id, resolve };
    });
    this.worker.postMessage({ id, bytes } satisfies FuzzRequest, [bytes.buffer as ArrayBuffer]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), hangMs);
    });
    const res = await Promise.race([reply, timeout]);
    clearTimeout(timer);
    if (res === null) {
      this.pending = null;
      const old = this.worker;
      old.removeAllListeners();
      await old.terminate();
      this.spawn();
    }
    return res;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
  }
}

function outcomeKey(o: FitImportOutcome): string {
  if (o.kind === 'valid') return o.partial ? 'valid-partial' : 'valid';
  if (o.kind === 'failed') return o.code;
  return o.kind;
}

/** The decoder pool and the fuzz thread must agree: same failure code, or both produce runs. */
function poolAgrees(pool: FitDecodeResult, o: FitImportOutcome): boolean {
  if (o.kind === 'failed') return !pool.ok && pool.code === o.code;
  if (o.kind === 'crash' && o.stage === 'decode') return !pool.ok && pool.code === 'fit_decode_error';
  return pool.ok;
}

export async function runFitFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const fixtures = fitFixtures();
  const names = [...fixtures.keys()];
  const thread = new FuzzThread();
  const pool: FitDecoder | null = opts.poolEvery > 0 ? createFitDecoderPool(1) : null;
  const outcomes: Record<string, number> = {};
  const findings: FuzzFinding[] = [];
  let index = 0;
  let maxMs = 0;
  let maxMsCase = '';
  let totalBytes = 0;
  let poolChecks = 0;
  let memoryReported = false;

  const record = (f: Omit<FuzzFinding, 'file'>, bytes: Uint8Array | null) => {
    let file: string | undefined;
    if (opts.findingsDir && bytes) {
      mkdirSync(opts.findingsDir, { recursive: true });
      file = join(opts.findingsDir, `seed${opts.seed}-case${f.index}-${f.kind}.fit`);
      writeFileSync(file, bytes);
    }
    findings.push({ ...f, ...(file ? { file } : {}) });
  };

  try {
    // warm-up: load the decoder in both threads before the RSS baseline is taken
    const warm = fixtures.get(names.find((n) => n.includes('run')) ?? names[0]!)!;
    await thread.run(warm.slice(), 60_000);
    if (pool) await pool.decode(warm.slice());
    const baselineRss = process.memoryUsage.rss();
    let peakRss = baselineRss;
    const t0 = performance.now();

    await fc.assert(
      fc.asyncProperty(fitCaseArb(names, { wholeFiles: opts.wholeFiles }), async (c: FitCase) => {
        const i = index++;
        const bytes = buildCase(c, fixtures);
        totalBytes += bytes.length;
        const keep = opts.findingsDir || (pool && i % opts.poolEvery === 0) ? bytes.slice() : null;
        const res = await thread.run(bytes, opts.hangMs);
        const what = describeCase(c);
        if (res === null) {
          record({ index: i, kind: 'hang', detail: `no answer after ${opts.hangMs} ms`, case: what }, keep);
          outcomes.hang = (outcomes.hang ?? 0) + 1;
        } else {
          const key = outcomeKey(res.outcome);
          outcomes[key] = (outcomes[key] ?? 0) + 1;
          if (res.ms > maxMs) {
            maxMs = res.ms;
            maxMsCase = `${what} (${keep?.length ?? '?'} bytes)`;
          }
          if (res.outcome.kind === 'crash') record({ index: i, kind: 'crash', detail: `${res.outcome.stage}: ${res.outcome.error}`, case: what }, keep);
          if (res.outcome.kind === 'unstorable') record({ index: i, kind: 'unstorable', detail: res.outcome.problem, case: what }, keep);
          const bound = opts.timeBoundMs(keep?.length ?? 0);
          if (res.ms > bound) record({ index: i, kind: 'slow', detail: `${res.ms.toFixed(0)} ms > ${bound.toFixed(0)} ms`, case: what }, keep);
          if (pool && keep && i % opts.poolEvery === 0) {
            poolChecks++;
            const pooled = await Promise.race([pool.decode(keep), new Promise<null>((r) => setTimeout(() => r(null), opts.hangMs).unref())]);
            if (pooled === null) record({ index: i, kind: 'hang', detail: 'decoder pool gave no answer', case: what }, keep);
            else if (!poolAgrees(pooled, res.outcome))
              record(
                { index: i, kind: 'pool-mismatch', detail: `pool ${pooled.ok ? 'ok' : pooled.code} vs thread ${outcomeKey(res.outcome)}`, case: what },
                keep,
              );
          }
        }
        const rss = process.memoryUsage.rss();
        peakRss = Math.max(peakRss, rss);
        if (!memoryReported && rss - baselineRss > opts.rssCapMb * 1024 * 1024) {
          memoryReported = true;
          record(
            {
              index: i,
              kind: 'memory',
              detail: `RSS ${(rss / 2 ** 20).toFixed(0)} MB, ${((rss - baselineRss) / 2 ** 20).toFixed(0)} MB above the baseline (cap ${opts.rssCapMb} MB)`,
              case: what,
            },
            keep,
          );
        }
        opts.onProgress?.(index);
        return true;
      }),
      { numRuns: opts.numRuns, seed: opts.seed, endOnFailure: true },
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      seed: opts.seed,
      cases: index,
      seconds,
      casesPerS: index / seconds,
      outcomes,
      findings,
      maxMs,
      maxMsCase,
      totalBytes,
      baselineRssMb: baselineRss / 2 ** 20,
      peakRssMb: peakRss / 2 ** 20,
      poolChecks,
    };
  } finally {
    await thread.close();
    await pool?.close();
  }
}

export const DEFAULT_FINDINGS_DIR = join(tmpdir(), 'stridesync-fit-fuzz');
