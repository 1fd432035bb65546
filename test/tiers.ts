import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Which test files need Postgres or Redis. A file is an integration test when its own text reaches
 * for them (the test context, the database harness, a pg or ioredis client, a deployment built with
 * createDeps); every other test file is a unit test, runnable with no service at all. The two vitest
 * configs use this one split, so a new test file lands in the right tier without being listed.
 */
export const INTEGRATION_MARKERS = [
  /setup\/(context|db|pg-urls|global-setup)(\.js)?['"]/,
  /\bcreateTestContext\b/,
  /\bcreateDeps\b/,
  /\bcreateDatabase\b/,
  /\bcreateRedis\b/,
  /from ['"](pg|ioredis)['"]/,
];

const ROOTS = ['src', 'workers', 'test'];

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(p, out);
    } else if (e.name.endsWith('.test.ts')) out.push(p);
  }
}

export function needsServices(source: string): boolean {
  return INTEGRATION_MARKERS.some((m) => m.test(source));
}

export function testTiers(root: string): { unit: string[]; integration: string[] } {
  const files: string[] = [];
  for (const r of ROOTS) walk(join(root, r), files);
  const unit: string[] = [];
  const integration: string[] = [];
  for (const f of files.sort()) (needsServices(readFileSync(f, 'utf8')) ? integration : unit).push(relative(root, f).split('\\').join('/'));
  return { unit, integration };
}
