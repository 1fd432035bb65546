import { defineConfig } from 'vitest/config';

/** Pure tests only (domain, fit, mappings): no database, no Redis. `npx vitest run -c vitest.unit.config.ts` */
export default defineConfig({
  test: {
    include: ['src/domain/**/*.test.ts', 'src/fit/**/*.test.ts', 'src/integrations/**/to-run.test.ts', 'src/integrations/garmin/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
  },
});
