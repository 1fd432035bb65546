import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles, type ImportLine } from '../../src/cli/import.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitPath, readFit } from '../fixtures.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let runnerId: string;

beforeAll(async () => {
  ctx = await createTestContext();
  runnerId = (await buildRunner(ctx.deps.db)).id;
});
afterAll(async () => {
  await ctx?.close();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), isTty: false }, out, err };
}

describe.skipIf(!HAS_FIXTURES)('stridesync import', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('imports a folder (.fit and .fit.gz, nested) with one JSON line per file, through the queue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stridesync-import-'));
    mkdirSync(join(dir, 'older'));
    copyFileSync(fitPath('fenix2-run.fit'), join(dir, 'a-fenix2.fit'));
    writeFileSync(join(dir, 'older', 'b-stryd.fit.gz'), gzipSync(readFit('stryd-run-developer-fields.fit')));
    copyFileSync(fitPath('coros-pace2-cycling.fit'), join(dir, 'c-ride.FIT'));
    copyFileSync(fitPath('corrupt-truncated-eof.fit'), join(dir, 'd-broken.fit'));
    writeFileSync(join(dir, 'notes.txt'), 'not a FIT file and not named like one');

    const c = capture();
    const lines = await importFiles(ctx.deps, runnerId, [dir, join(dir, 'missing.fit')], c.io, { json: true });
    const parsed = c.out.map((l) => JSON.parse(l) as ImportLine);
    expect(parsed).toEqual(lines);
    const byName = Object.fromEntries(parsed.map((l) => [l.file.split('/').pop(), l]));
    expect(Object.keys(byName).sort()).toEqual(['a-fenix2.fit', 'b-stryd.fit.gz', 'c-ride.FIT', 'd-broken.fit', 'missing.fit']);
    expect(byName['a-fenix2.fit']!.status).toBe('ready');
    expect(byName['a-fenix2.fit']!.metrics).toMatchObject({ cadenceSource: expect.any(String) });
    expect((byName['a-fenix2.fit']!.metrics as { distanceM: number }).distanceM).toBeGreaterThan(8900);
    expect(byName['b-stryd.fit.gz']!.status).toBe('ready');
    expect(byName['c-ride.FIT']!.status).toBe('skipped');
    expect(byName['d-broken.fit']!.status).toBe('failed');
    expect(byName['d-broken.fit']!.error?.code).toMatch(/^fit_/);
    expect(byName['missing.fit']!.status).toBe('failed');
    expect(byName['missing.fit']!.error?.code).toBe('file_unreadable');
  });

  it('reports the same files again as duplicates and shows progress without --json', async () => {
    const c = capture();
    const lines = await importFiles(ctx.deps, runnerId, [fitPath('fenix2-run.fit')], c.io, { json: false });
    expect(lines[0]!.status).toBe('duplicate');
    expect(c.out).toHaveLength(0);
    expect(c.err.join('\n')).toMatch(/\[#+\] 1\/1 {2}fenix2-run\.fit {2}duplicate/);
  });
});
