import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitManifest, readFit } from '../fixtures.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
let runnerId: string;

beforeAll(async () => {
  ctx = await createTestContext();
  ctx.startWorkers();
  runnerId = (await buildRunner(ctx.deps.db)).id;
});
afterAll(async () => {
  await ctx?.close();
});

async function upload(bytes: Buffer, runner = runnerId) {
  return request(ctx.app).post(`/v1/runners/${runner}/uploads`).set(ctx.auth).set('Content-Type', 'application/octet-stream').send(bytes);
}

async function activity(id: string) {
  await ctx.drain();
  const res = await request(ctx.app).get(`/v1/runners/${runnerId}/activities/${id}`).set(ctx.auth);
  expect(res.status).toBe(200);
  return res.body;
}

describe.skipIf(!HAS_FIXTURES)('FIT uploads through the queue into Postgres', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('derives a real run: distance, cadence and descent match the device session', async () => {
    const fx = fitManifest().files.find((f) => f.file === 'fenix2-run.fit')!;
    const res = await upload(readFit('fenix2-run.fit'));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('ready');
    expect(a.isRun).toBe(true);
    expect(a.countedInLoad).toBe(true);
    const s = fx.sessions[0]!;
    expect(Math.abs(a.metrics.distanceM - s.total_distance_m!) / s.total_distance_m!).toBeLessThan(0.005);
    expect(Math.abs(a.metrics.avgCadenceSpm - s.avg_steps_per_min_derived!)).toBeLessThan(1.5);
    expect(Math.abs(a.metrics.elevationLossM - s.total_descent_m!)).toBeLessThanOrEqual(Math.max(5, 0.2 * s.total_descent_m!));
    expect(a.localDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('answers duplicate for the same file again, raw or gzipped, and keeps one activity', async () => {
    const bytes = readFit('stryd-run-developer-fields.fit');
    const first = await upload(bytes);
    expect(first.status).toBe(202);
    const again = await upload(bytes);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ activityId: first.body.activityId, status: 'duplicate' });
    const gz = await upload(gzipSync(bytes));
    expect(gz.body).toEqual({ activityId: first.body.activityId, status: 'duplicate' });
    await ctx.drain();
    const list = await request(ctx.app).get(`/v1/runners/${runnerId}/activities`).set(ctx.auth);
    expect(list.body.activities.filter((x: { id: string }) => x.id === first.body.activityId)).toHaveLength(1);
  });

  it('stores a ride but does not count it as a run', async () => {
    const res = await upload(readFit('edge820-bike-short.fit'));
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('ready');
    expect(a.isRun).toBe(false);
    expect(a.countedInLoad).toBe(false);
  });

  it.each([
    ['corrupt-truncated-eof.fit', 'fit_truncated'],
    ['corrupt-bad-file-crc.fit', 'fit_bad_crc'],
  ])('ends %s as failed with %s and a message', async (name, code) => {
    const res = await upload(readFit(name));
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('failed');
    expect(a.error.code).toBe(code);
    expect(a.error.message.length).toBeGreaterThan(10);
    expect(a.countedInLoad).toBe(false);
  });

  it('keeps the intact first file of a chain whose second header is broken, flagged partial', async () => {
    const res = await upload(readFit('corrupt-chained-bad-second-header.fit'));
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('ready');
    expect(a.metrics.partial).toBe(true);
  });

  it('keeps processing after corrupt files: the same workers import the next good file', async () => {
    const res = await upload(readFit('fenix5-run-short.fit'));
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('ready');
    expect(a.isRun).toBe(true);
  });

  it('fails a file that is not FIT at all with fit_not_fit', async () => {
    const res = await upload(Buffer.from('this is a GPX file, not FIT'.repeat(10)));
    const a = await activity(res.body.activityId);
    expect(a.status).toBe('failed');
    expect(a.error.code).toBe('fit_not_fit');
  });

  it('rejects an empty body, a bad gzip and an unknown runner with 4xx', async () => {
    expect((await upload(Buffer.alloc(0))).status).toBe(400);
    const badGz = Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]);
    const r = await upload(badGz);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_gzip');
    expect((await upload(readFit('fenix2-run.fit'), '6f1c1a4e-2b9f-4c1e-9d7a-000000000000')).status).toBe(404);
  });

  it("hides another runner's activity (ownership is part of the lookup)", async () => {
    const other = await buildRunner(ctx.deps.db);
    const res = await upload(readFit('fenix5-run-short.fit'));
    await ctx.drain();
    const peek = await request(ctx.app).get(`/v1/runners/${other.id}/activities/${res.body.activityId}`).set(ctx.auth);
    expect(peek.status).toBe(404);
  });

  it('schedules the weekly recompute: the run shows up in its ISO week', async () => {
    await ctx.drain();
    const weeks = await request(ctx.app).get(`/v1/runners/${runnerId}/weeks`).set(ctx.auth);
    expect(weeks.status).toBe(200);
    const total = weeks.body.weeks.reduce((n: number, w: { variables: { runs: number } }) => n + w.variables.runs, 0);
    expect(total).toBeGreaterThanOrEqual(2);
  });
});
