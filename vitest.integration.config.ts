import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { testTiers } from './test/tiers.js';

/** `npm run test:integration`: the test files that use the real Postgres and Redis (see test/tiers.ts). */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: testTiers(fileURLToPath(new URL('.', import.meta.url))).integration,
    reporters: ['default', ['./test/setup/summary-reporter.ts', { tier: 'integration' }]],
  },
});
