import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface TierCounts {
  tier: string;
  passed: number;
  failed: number;
  skipped: number;
}

/** Where each tier leaves its counts for `test/setup/test-total.ts` (under node_modules, never committed). */
export const COUNTS_DIR = join(process.cwd(), 'node_modules', '.cache', 'stridesync-tests');

/**
 * Prints a tier's totals as one plain closing line, "unit tests: N passed, N failed, N skipped", and
 * keeps the counts so `npm test` can end with one line for the whole suite ("tests: …", printed by
 * test/setup/test-total.ts once every tier has passed).
 */
export default class SummaryReporter implements Reporter {
  constructor(private readonly opts: { tier?: string } = {}) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // a file that failed to load has no tests but is a failure
      if (mod.state() === 'failed' && ![...mod.children.allTests()].some((t) => t.result().state === 'failed')) failed++;
    }
    const tier = this.opts.tier ?? 'all';
    process.stdout.write(`\n${tier === 'all' ? '' : `${tier} `}tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    if (tier !== 'all') {
      mkdirSync(COUNTS_DIR, { recursive: true });
      writeFileSync(join(COUNTS_DIR, `${tier}.json`), JSON.stringify({ tier, passed, failed, skipped } satisfies TierCounts));
    }
  }
}
