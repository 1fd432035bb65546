import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTS_DIR, type TierCounts } from './summary-reporter.js';

/**
 * The last step of `npm test`: one closing line for the whole suite, "tests: N passed, N failed, N
 * skipped", summed over the tiers that just ran (unit, integration). A tier whose counts are missing
 * is a failure: the line never claims more than was run.
 */
const TIERS = ['unit', 'integration'];
let passed = 0;
let failed = 0;
let skipped = 0;
const missing: string[] = [];
for (const tier of TIERS) {
  const file = join(COUNTS_DIR, `${tier}.json`);
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as TierCounts;
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
    rmSync(file);
  } catch {
    missing.push(tier);
  }
}
if (missing.length > 0) {
  process.stdout.write(`\ntests: the ${missing.join(' and ')} tier did not report; run npm test\n`);
  process.exit(1);
}
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped (unit and integration tiers)\n`);
process.exit(failed > 0 ? 1 : 0);
