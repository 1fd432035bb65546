import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testTiers } from './test/tiers.js';

/**
 * `npm run test:unit`: every test file that needs neither Postgres nor Redis (see test/tiers.ts), with
 * no global setup, so it runs in seconds on a machine without either.
 */
export default defineConfig({
  test: {
    include: testTiers(fileURLToPath(new URL('.', import.meta.url))).unit,
    setupFiles: ['test/setup/per-file.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default', ['./test/setup/summary-reporter.ts', { tier: 'unit' }]],
  },
});
