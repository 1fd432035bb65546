import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { importFiles, summaryTable, type ImportLine } from '../../src/cli/import.js';
import { weeks } from '../../src/db/schema/index.js';
import { registerSchedules } from '../../workers/schedules.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitPath, readFit } from '../fixtures.js';
import { shiftFitFile } from '../factories/fit-shift.js';
import { buildRunner } from '../factories/runners.js';
import { writeZip } from '../factories/zip-writer.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { captureIo } from '../setup/cli.js';
import { TEST_REDIS_URL } from '../setup/pg-urls.js';

let ctx: TestContext;
let runnerId: string;

beforeAll(async () => {
  ctx = await createTestContext();
  runnerId = (await buildRunner(ctx.deps.db)).id;
});
afterAll(async () => {
  await ctx?.close();
});

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

    const c = captureIo();
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
    const c = captureIo();
    const lines = await importFiles(ctx.deps, runnerId, [fitPath('fenix2-run.fit')], c.io, { json: false });
    expect(lines[0]!.status).toBe('duplicate');
    expect(c.out).toHaveLength(0);
    expect(c.err.join('\n')).toMatch(/\[#+\] 1\/1 {2}fenix2-run\.fit {2}duplicate/);
  });

  it('prints one line per activity of a multisport file (each running leg, with its session index)', async () => {
    const c = captureIo();
    const lines = await importFiles(ctx.deps, runnerId, [fitPath('fenix2-multisport.fit')], c.io, { json: true });
    expect(lines.map((l) => [l.sessionIndex, l.status])).toEqual([
      [0, 'ready'],
      [1, 'ready'],
    ]);
    expect(new Set(lines.map((l) => l.activityId)).size).toBe(2);
    expect(lines.every((l) => l.file.endsWith('fenix2-multisport.fit'))).toBe(true);
    expect(c.out).toHaveLength(2);
  });

  it('keeps a noise run visible but not counted, with its reason', async () => {
    const c = captureIo();
    const [line] = await importFiles(ctx.deps, runnerId, [fitPath('fenix5-run-short.fit')], c.io, { json: true });
    expect(line).toMatchObject({ status: 'ready', countedInLoad: false, excludedReason: 'noise_short' });
  });

  it('imports every FIT inside a zip (detected by its bytes) and reports the other entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stridesync-zip-import-'));
    const zip = await writeZip(join(dir, 'export.data'), [
      { name: 'DI_CONNECT/', data: Buffer.alloc(0), deflate: false },
      { name: 'DI_CONNECT/activities/fr965.fit', data: Buffer.from(shiftFitFile(readFit('fr965-run-stamina.fit'), new Date('2026-03-02T06:00:00Z'))) },
      { name: 'activities/1234.fit.gz', data: gzipSync(shiftFitFile(readFit('fenix2-run.fit'), new Date('2026-03-04T06:00:00Z'))), deflate: false },
      { name: 'activities/1235.gpx', data: Buffer.from('<gpx></gpx>') },
      { name: 'activities/1236.tcx', data: Buffer.from('<tcx/>') },
      { name: '../../etc/evil.fit', data: readFit('fenix2-run.fit') },
      { name: 'activities/broken.fit', data: Buffer.from('an entry named .fit that is not FIT at all') },
    ]);
    const c = captureIo();
    const lines = await importFiles(ctx.deps, runnerId, [zip], c.io, { json: true, batchSize: 2 });
    const byEntry = Object.fromEntries(lines.map((l) => [l.entry, l]));
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => l.file === zip)).toBe(true);
    expect(byEntry['DI_CONNECT/activities/fr965.fit']!.status).toBe('ready');
    expect(byEntry['activities/1234.fit.gz']!).toMatchObject({ status: 'ready', countedInLoad: true, sessionIndex: 0 });
    expect(byEntry['activities/1235.gpx']!).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/GPX is not imported/) });
    expect(byEntry['activities/1236.tcx']!.status).toBe('skipped');
    expect(byEntry['../../etc/evil.fit']!).toMatchObject({ status: 'failed', error: { code: 'zip_unsafe_path' } });
    expect(byEntry['activities/broken.fit']!).toMatchObject({ status: 'failed', error: { code: 'fit_not_fit' } });
    // the same archive again: the FIT entries (stored files) are duplicates
    const again = await importFiles(ctx.deps, runnerId, [zip], captureIo().io, { json: true });
    expect(
      again
        .filter((l) => l.status === 'duplicate')
        .map((l) => l.entry)
        .sort(),
    ).toEqual(['DI_CONNECT/activities/fr965.fit', 'activities/1234.fit.gz', 'activities/broken.fit']);
  });

  it("waits only for its own jobs: the hourly week-close scheduler's delayed job does not hold it up", async () => {
    await registerSchedules(ctx.deps.queues, ctx.env);
    expect((await ctx.deps.queues.compute.getJobSchedulers()).map((j) => j.key)).toContain('week-close');
    const bytes = shiftFitFile(readFit('fr965-run-stamina.fit'), new Date('2026-04-06T06:00:00Z'));
    const dir = mkdtempSync(join(tmpdir(), 'stridesync-sched-'));
    writeFileSync(join(dir, 'fr965-shifted.fit'), bytes);
    const t0 = Date.now();
    const [line] = await importFiles(ctx.deps, runnerId, [dir], captureIo().io, { json: true });
    const elapsed = Date.now() - t0;
    expect(line!.status).toBe('ready');
    // the old wait counted every delayed job and gave up only after 30 s
    expect(elapsed).toBeLessThan(15_000);
    // its own weekly recompute did finish: the run's week is stored
    const stored = await ctx.deps.db
      .select()
      .from(weeks)
      .where(and(eq(weeks.runnerId, runnerId), eq(weeks.week, '2026-W15')));
    expect(stored).toHaveLength(1);
    // while the scheduler's next run is still waiting, delayed, in the same queue
    expect(await ctx.deps.queues.compute.getDelayedCount()).toBeGreaterThanOrEqual(1);
    await ctx.deps.queues.compute.removeJobScheduler('week-close');
    await ctx.deps.queues.events.removeJobScheduler('inbox-sweep');
  });

  it('labels both cadences in the summary table', () => {
    const table = summaryTable([
      {
        file: 'a.fit',
        entry: null,
        sessionIndex: 0,
        activityId: 'x',
        status: 'ready',
        countedInLoad: true,
        excludedReason: null,
        error: null,
        metrics: { distanceM: 5000, movingTimeS: 1800, avgCadenceSpm: 160.2, runCadenceSpm: 169.4, elevationLossM: 12 },
      },
    ]);
    expect(table[0]).toMatch(/run spm\s+avg spm/);
    expect(table[1]).toMatch(/169\s+160/);
  });
});

describe.skipIf(!HAS_FIXTURES)('stridesync import --json as a process', () => {
  it('writes only result lines to stdout; worker logs go to stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stridesync-cli-'));
    copyFileSync(fitPath('fenix5-walk-short.fit'), join(dir, 'a.fit'));
    copyFileSync(fitPath('corrupt-bad-file-crc.fit'), join(dir, 'b.fit'));
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: ctx.testDb.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: ctx.prefix,
      API_KEYS: 'k',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
      LOG_LEVEL: 'debug',
    };
    const { stdout, stderr } = await promisify(execFile)('node_modules/.bin/tsx', ['src/cli/main.ts', 'import', '--runner', runnerId, '--json', dir], { env });
    const out = stdout.trim().split('\n');
    expect(out).toHaveLength(2);
    const parsed = out.map((l) => JSON.parse(l) as ImportLine);
    expect(parsed.map((l) => l.status).sort()).toEqual(['failed', 'skipped']);
    expect(parsed.every((l) => 'file' in l && 'sessionIndex' in l && !('msg' in l))).toBe(true);
    // the worker's own log lines (job done, FIT file rejected) went to stderr
    expect(stderr).toMatch(/"msg":"FIT file rejected"/);
  }, 60_000);
});
