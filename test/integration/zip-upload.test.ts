import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
import { shiftFitFile } from '../factories/fit-shift.js';
import { activities } from '../../src/db/schema/index.js';
import { buildRunner } from '../factories/runners.js';
import { writeZip } from '../factories/zip-writer.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let runnerId: string;
const dir = mkdtempSync(join(tmpdir(), 'stridesync-zip-upload-'));

beforeAll(async () => {
  ctx = await createTestContext({ UPLOAD_ZIP_LIMIT: '3mb', ZIP_MAX_ENTRIES: '8', ZIP_MAX_UNCOMPRESSED_BYTES: '2mb', ZIP_MAX_RATIO: '100' });
  ctx.startWorkers();
  runnerId = (await buildRunner(ctx.deps.db)).id;
});
afterAll(async () => {
  await ctx?.close();
});

const post = (bytes: Buffer, runner = runnerId) =>
  request(ctx.app).post(`/v1/runners/${runner}/uploads`).set(ctx.auth).set('Content-Type', 'application/octet-stream').send(bytes);

describe.skipIf(!HAS_FIXTURES)('POST /v1/runners/:id/uploads with a zip archive', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('queues every FIT entry and answers a per-entry summary (skipped and failed entries with reasons)', async () => {
    const zip = await writeZip(join(dir, 'strava-export.zip'), [
      { name: 'activities/', data: Buffer.alloc(0), deflate: false },
      { name: 'activities/101.fit.gz', data: gzipSync(shiftFitFile(readFit('fenix2-run.fit'), new Date('2026-02-02T07:00:00Z'))), deflate: false },
      { name: 'activities/102.fit', data: Buffer.from(shiftFitFile(readFit('fr965-run-stamina.fit'), new Date('2026-02-04T07:00:00Z'))) },
      { name: 'activities/103.gpx', data: Buffer.from('<gpx/>') },
      { name: '/etc/cron.d/evil.fit', data: Buffer.from('x') },
      { name: 'activities/104.fit', data: Buffer.alloc(0) },
    ]);
    const res = await post(readFileSync(zip));
    expect(res.status).toBe(202);
    expect(res.body.archive).toBe(true);
    expect(res.body.counts).toEqual({ queued: 2, duplicate: 0, skipped: 1, failed: 2 });
    const byEntry = Object.fromEntries(res.body.entries.map((e: { entry: string }) => [e.entry, e]));
    expect(byEntry['activities/101.fit.gz']).toMatchObject({ status: 'queued', activityId: expect.any(String), reason: null, error: null });
    expect(byEntry['activities/103.gpx']).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/GPX/) });
    expect(byEntry['/etc/cron.d/evil.fit']).toMatchObject({ status: 'failed', error: { code: 'zip_unsafe_path' } });
    expect(byEntry['activities/104.fit']).toMatchObject({ status: 'failed', error: { code: 'empty_body' } });

    await ctx.drain();
    const a = await request(ctx.app).get(`/v1/runners/${runnerId}/activities/${byEntry['activities/102.fit'].activityId}`).set(ctx.auth);
    expect(a.body).toMatchObject({ status: 'ready', isRun: true, countedInLoad: true, excludedReason: null });

    const again = await post(readFileSync(zip));
    expect(again.status).toBe(200);
    expect(again.body.counts).toMatchObject({ queued: 0, duplicate: 2 });
  });

  it('refuses an archive over UPLOAD_ZIP_LIMIT with 413, and an unreadable one with 400', async () => {
    const big = await writeZip(join(dir, 'big.zip'), [
      { name: 'a.fit', data: Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7919) % 251)), deflate: false },
    ]);
    const tooBig = await post(readFileSync(big)).catch((err: { response?: request.Response }) => err.response!);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('body_too_large');
    const broken = await post(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)]));
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('zip_unreadable');
  });

  it('still takes a single FIT file, and checks the runner before reading the body', async () => {
    const one = await post(Buffer.from(shiftFitFile(readFit('fenix2-run.fit'), new Date('2026-02-09T07:00:00Z'))));
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ activityId: expect.any(String), status: 'queued' });
    const unknown = await post(readFileSync(join(dir, 'strava-export.zip')), '6f1c1a4e-2b9f-4c1e-9d7a-000000000000');
    expect(unknown.status).toBe(404);
  });
});

describe('zip archive caps', () => {
  it('refuses more records than ZIP_MAX_ENTRIES, or FIT entries inflating past ZIP_MAX_UNCOMPRESSED_BYTES, with 413 naming the cap; nothing is imported', async () => {
    const runner = (await buildRunner(ctx.deps.db)).id;
    const many = await writeZip(
      join(dir, 'many.zip'),
      Array.from({ length: 9 }, (_, i) => ({ name: `activities/${i}.fit`, data: randomBytes(100) })),
    );
    const tooMany = await post(readFileSync(many), runner);
    expect([tooMany.status, tooMany.body.error.code]).toEqual([413, 'zip_too_many_entries']);
    expect(tooMany.body.error.message).toContain('ZIP_MAX_ENTRIES');

    const large = await writeZip(join(dir, 'large.zip'), [
      { name: 'a.fit', data: randomBytes(1_100_000), deflate: false },
      { name: 'b.fit', data: randomBytes(1_100_000), deflate: false },
    ]);
    const tooLarge = await post(readFileSync(large), runner);
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'zip_too_large_uncompressed']);
    expect(tooLarge.body.error.message).toContain('ZIP_MAX_UNCOMPRESSED_BYTES');
    expect(await ctx.deps.db.select().from(activities).where(eq(activities.runnerId, runner))).toEqual([]);
  });

  it('records an entry over ZIP_MAX_RATIO as failed with zip_entry_ratio and reads the others', async () => {
    const runner = (await buildRunner(ctx.deps.db)).id;
    const zip = await writeZip(join(dir, 'ratio.zip'), [
      { name: 'bomb.fit', data: Buffer.alloc(5 * 1024 * 1024) },
      { name: 'other.gpx', data: Buffer.from('<gpx/>') },
    ]);
    const res = await post(readFileSync(zip), runner);
    expect(res.status).toBe(200);
    expect(res.body.entries[0]).toMatchObject({ entry: 'bomb.fit', status: 'failed', error: { code: 'zip_entry_ratio' } });
    expect(res.body.entries[0].error.message).toContain('ZIP_MAX_RATIO');
    expect(res.body.counts).toEqual({ queued: 0, duplicate: 0, skipped: 1, failed: 1 });
  });
});
