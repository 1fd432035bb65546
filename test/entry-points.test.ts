import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The API process never loads a job processor: src/main.ts imports the workers dynamically, for
 * ROLE=worker|all only. This walks the static import graph (type-only imports are erased and dynamic
 * import() is not followed) from the API's modules and fails naming the chain that reaches one.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const WORKER_ONLY = /^workers\/(main|registry|final-failure|processors\/)/;

function staticImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const [, typeOnly, spec] = m;
    if (typeOnly || !spec!.startsWith('.')) continue;
    const target = relative(ROOT, join(dirname(join(ROOT, file)), spec!.replace(/\.js$/, '.ts')))
      .split('\\')
      .join('/');
    if (existsSync(join(ROOT, target))) out.push(target);
  }
  return out;
}

/** Every module reachable from `entry`, each with the chain that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const dep of staticImports(file)) {
      if (chains.has(dep)) continue;
      chains.set(dep, [...chains.get(file)!, dep]);
      queue.push(dep);
    }
  }
  return chains;
}

describe('entry points', () => {
  it('the walker sees imports, including multi-line ones, and skips type-only ones', () => {
    const graph = reachable('workers/main.ts');
    expect(graph.has('workers/registry.ts')).toBe(true);
    expect(graph.has('workers/processors/index.ts')).toBe(true);
    expect(graph.has('src/jobs/catalog.ts')).toBe(true);
  });

  it.each(['src/main.ts', 'src/http/app.ts', 'src/http/routes/admin.ts'])('%s never loads the workers or a processor', (entry) => {
    const graph = reachable(entry);
    expect(graph.size).toBeGreaterThan(5);
    const leaks = [...graph].filter(([f]) => WORKER_ONLY.test(f)).map(([, chain]) => chain.join(' → '));
    expect(leaks).toEqual([]);
  });

  it('src/main.ts loads the workers for the worker role, dynamically', () => {
    const source = readFileSync(join(ROOT, 'src/main.ts'), 'utf8');
    expect(source).toMatch(/await import\('\.\.\/workers\/main\.js'\)/);
  });
});
