import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint: import boundaries', () => {
  it('keeps src/domain and src/fit free of db, http, services, integrations, jobs, workers and I/O packages', async () => {
    for (const [file, spec] of [
      ['src/domain/x.ts', '../db/client.js'],
      ['src/domain/rules/x.ts', '../../services/activities.js'],
      ['src/fit/x.ts', '../integrations/strava/to-run.js'],
      ['src/fit/x.ts', '../jobs/catalog.js'],
      ['src/fit/x.ts', '../http/app.js'],
      ['src/domain/x.ts', '../../workers/main.js'],
      ['src/domain/x.ts', 'drizzle-orm'],
      ['src/fit/x.ts', 'pg'],
    ] as const) {
      expect(await ruleIds(file, `import { a } from '${spec}';\nexport const b = a;\n`), `${file} → ${spec}`).toEqual(['no-restricted-imports']);
    }
  });

  it('lets the pure layers import each other, lib and Node built-ins', async () => {
    expect(
      await ruleIds(
        'src/fit/x.ts',
        `import { a } from '../domain/run.js';\nimport { b } from './types.js';\nimport { Worker } from 'node:worker_threads';\nexport const c = [a, b, Worker];\n`,
      ),
    ).toEqual([]);
  });

  it('keeps workers out of src/http, and leaves other layers free to use them', async () => {
    expect(await ruleIds('src/http/routes/x.ts', `import { startWorkers } from '../../../workers/main.js';\nexport const a = startWorkers;\n`)).toEqual([
      'no-restricted-imports',
    ]);
    expect(await ruleIds('src/cli/x.ts', `import { startWorkers } from '../../workers/main.js';\nexport const a = startWorkers;\n`)).toEqual([]);
  });

  it('keeps the service entry from loading processors statically (the worker role imports them dynamically)', async () => {
    for (const spec of ['../workers/main.js', '../workers/registry.js', '../workers/processors/index.js', '../workers/processors/run.derive.js']) {
      expect(await ruleIds('src/main.ts', `import { a } from '${spec}';\nexport const b = a;\n`), spec).toEqual(['no-restricted-imports']);
    }
    expect(await ruleIds('src/main.ts', `import { keepSchedules } from '../workers/schedules.js';\nexport const a = keepSchedules;\n`)).toEqual([]);
    expect(
      await ruleIds('src/main.ts', `export async function w() {\n  const { startWorkers } = await import('../workers/main.js');\n  return startWorkers;\n}\n`),
    ).toEqual([]);
  });

  it('refuses focused and skipped tests', async () => {
    expect(await ruleIds('src/domain/x.test.ts', `import { it } from 'vitest';\nit.only('a', () => {});\n`)).toEqual(['no-restricted-properties']);
    expect(await ruleIds('src/domain/x.test.ts', `import { it } from 'vitest';\nit.skipIf(true)('a', () => {});\n`)).toEqual([]);
  });
});
