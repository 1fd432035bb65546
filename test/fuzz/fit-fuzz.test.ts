import { describe, expect, it } from 'vitest';
import { scanFitContainer } from '../../src/fit/container.js';
import { decodeFit } from '../../src/fit/decode.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
import { DEFAULT_FINDINGS_DIR, fuzzSeed, runFitFuzz } from './fit-fuzz.js';
import { applyOp, fixChecksums, trimFit, walkMessages } from './fit-mutations.js';
import { importFitBytes } from './fit-target.js';

/** Cases per `npm test` run; `npm run bench -- fuzz` runs 10,000 and more file kinds. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);

describe.skipIf(!HAS_FIXTURES)('FIT fuzzing', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('the mutation tools keep what they do not mean to break: trimmed fixtures decode, fixed checksums verify', () => {
    const original = new Uint8Array(readFit('fr965-run-stamina.fit'));
    const trimmed = trimFit(original, 8_000);
    expect(trimmed.length).toBeLessThan(original.length / 10);
    const decoded = decodeFit(trimmed);
    expect(decoded.ok && decoded.runs[0]!.isRun).toBe(true);
    expect(walkMessages(trimmed).filter((m) => m.kind === 'definition').length).toBe(walkMessages(original).filter((m) => m.kind === 'definition').length);

    const flipped = applyOp(trimmed.slice(), { t: 'flip', at: 2 ** 30, bit: 3 });
    expect(scanFitContainer(flipped).damage?.code).toBe('fit_bad_crc');
    expect(scanFitContainer(fixChecksums(flipped)).damage).toBeNull();
  });

  it('the import path answers a failure code for damaged files and runs for good ones', () => {
    expect(importFitBytes(new Uint8Array(0))).toEqual({ kind: 'failed', code: 'fit_not_fit' });
    expect(importFitBytes(new Uint8Array(readFit('corrupt-truncated-eof.fit')))).toEqual({ kind: 'failed', code: 'fit_truncated' });
    expect(importFitBytes(new Uint8Array(readFit('fenix5-run-short.fit')))).toEqual({ kind: 'valid', runs: 1, partial: false });
  });

  it(`${RUNS} mutated fixtures each end as a failure with a code or storable runs, within 2 s and bounded memory`, async () => {
    const seed = fuzzSeed();
    const report = await runFitFuzz({
      numRuns: RUNS,
      seed,
      wholeFiles: false,
      timeBoundMs: () => 2_000,
      hangMs: 10_000,
      rssCapMb: 512,
      poolEvery: 50,
      findingsDir: DEFAULT_FINDINGS_DIR,
    });
    console.log(
      `[fit fuzz] seed ${seed} (FUZZ_SEED=${seed} reproduces): ${report.cases} cases, ${report.casesPerS.toFixed(0)}/s, max ${report.maxMs.toFixed(0)} ms per file, ` +
        `RSS ${report.baselineRssMb.toFixed(0)} → peak ${report.peakRssMb.toFixed(0)} MB, outcomes ${JSON.stringify(report.outcomes)}`,
    );
    for (const f of report.findings) console.error(`[fit fuzz] case ${f.index} ${f.kind}: ${f.detail}\n  ${f.case}${f.file ? `\n  bytes: ${f.file}` : ''}`);
    expect(report.cases).toBe(RUNS);
    expect(report.findings).toEqual([]);
    // the mutations reach both ends: files the decoder refuses and files it turns into runs
    expect(report.outcomes.valid ?? 0).toBeGreaterThan(RUNS / 20);
    expect(report.outcomes.fit_decode_error ?? 0).toBeGreaterThan(0);
    expect(report.poolChecks).toBeGreaterThan(0);
  }, 600_000);
});
