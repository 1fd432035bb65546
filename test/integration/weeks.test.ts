import nock from 'nock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import type { Run } from '../../src/domain/run.js';
import { decodeFit } from '../../src/fit/decode.js';
import { deleteActivities, saveDerivedRun } from '../../src/services/activities.js';
import { SIGNATURE_HEADER, signPush } from '../../src/services/notify.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, fitManifest, readFit } from '../fixtures.js';
import { shiftFitFile } from '../factories/fit-shift.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

const NOTIFY = 'http://notify.example.test';
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
// Monday of ISO week 2026-W48, 09:00 Oslo: weeks W41–W47 are complete.
const NOW = new Date('2026-11-23T08:00:00Z');

let ctx: TestContext;
let runnerId: string;
const pushes: Array<{ body: { id: string; type: string; data: { code: string; week: string } }; headers: Record<string, string> }> = [];

function fixtureRun(name: string): Run {
  const decoded = decodeFit(readFit(name));
  if (!decoded.ok) throw new Error(`${name}: ${decoded.message}`);
  return decoded.runs[0]!;
}

/**
 * Import a real fixture run as if recorded on `localDate`: the FIT file is re-encoded with shifted
 * timestamps (a new file) and uploaded through the API, queue and workers like any watch file.
 */
async function ingest(fixture: string, localDate: string): Promise<string> {
  const bytes = shiftFitFile(readFit(fixture), new Date(`${localDate}T06:00:00Z`));
  const res = await request(ctx.app)
    .post(`/v1/runners/${runnerId}/uploads`)
    .set(ctx.auth)
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from(bytes));
  expect(res.status).toBe(202);
  return res.body.activityId as string;
}

async function weeks() {
  await ctx.drain();
  const res = await request(ctx.app).get(`/v1/runners/${runnerId}/weeks`).set(ctx.auth);
  expect(res.status).toBe(200);
  return new Map<
    string,
    { variables: { runs: number; distanceM: number }; changePct: { distanceM: number | null }; warnings: Array<{ code: string; message: string }> }
  >(res.body.weeks.map((w: { week: string }) => [w.week, w]));
}

const codes = (w: { warnings: Array<{ code: string }> } | undefined) => (w?.warnings ?? []).map((x) => x.code).sort();

beforeAll(async () => {
  ctx = await createTestContext({ NOTIFY_WEBHOOK_URL: `${NOTIFY}/hook`, NOTIFY_WEBHOOK_SECRET: SECRET }, { now: () => NOW });
  ctx.startWorkers();
  runnerId = (await buildRunner(ctx.deps.db, { timezone: 'Europe/Oslo' })).id;
  nock(NOTIFY)
    .persist()
    .post('/hook')
    .reply(function (_uri, body) {
      pushes.push({ body: body as never, headers: this.req.headers as Record<string, string> });
      return [204, ''];
    });
});
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
});

describe.skipIf(!HAS_FIXTURES)('six weeks of fixture runs → weeks, warnings and pushes', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);
  const ids: Record<string, string> = {};

  it('imports six weeks of real runs through the upload path and raises LOAD_JUMP (+50 %) and RUN_SPIKE where they belong', async () => {
    const easy = 'fenix2-run.fit'; // 9.0 km, 61 m descent, 162 spm
    const long = 'fr965-run-stamina.fit'; // 11.2 km
    const plan: Array<[string, string]> = [
      ['2026-10-06', easy],
      ['2026-10-08', easy], // W41 18 km
      ['2026-10-13', easy],
      ['2026-10-15', easy], // W42 18 km
      ['2026-10-20', easy],
      ['2026-10-22', easy], // W43 18 km
      ['2026-10-27', easy],
      ['2026-10-29', easy],
      ['2026-10-31', easy], // W44 27 km: +50 %
      ['2026-11-03', easy],
      ['2026-11-05', easy],
      ['2026-11-07', easy], // W45 27 km
      ['2026-11-10', easy],
      ['2026-11-12', easy],
      ['2026-11-14', long], // W46 29.2 km, longest 11.2 > 1.1 × 9.0
    ];
    for (const [date, fixture] of plan) ids[date] = await ingest(fixture, date);

    const w = await weeks();
    expect([...w.keys()].sort()).toEqual(['2026-W41', '2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46']);
    expect(w.get('2026-W41')!.variables.runs).toBe(2);
    expect(w.get('2026-W44')!.variables.runs).toBe(3);
    expect(w.get('2026-W44')!.changePct.distanceM).toBeCloseTo(50, 0);
    expect(codes(w.get('2026-W42'))).toEqual([]);
    expect(codes(w.get('2026-W43'))).toEqual([]);
    expect(codes(w.get('2026-W44'))).toContain('LOAD_JUMP');
    expect(codes(w.get('2026-W44'))).not.toContain('RUN_SPIKE');
    expect(codes(w.get('2026-W45'))).toEqual([]);
    expect(codes(w.get('2026-W46'))).toContain('RUN_SPIKE');
    // W46 distance is +8.2 % (under 10 %) but the slow 11.2 km run adds 19.5 % running time:
    // the time half of the volume rule fires, alongside the spike and the resulting multi-change.
    expect(codes(w.get('2026-W46'))).toEqual(['LOAD_JUMP', 'MULTI_CHANGE', 'RUN_SPIKE']);
    const timeJump = w.get('2026-W46')!.warnings.find((x) => x.code === 'LOAD_JUMP') as unknown as { evidence: Record<string, number> };
    const timer = (file: string) => fitManifest().files.find((f) => f.file === file)!.sessions[0]!.total_timer_time_s!;
    const [easyS, longS] = [timer('fenix2-run.fit'), timer('fr965-run-stamina.fit')];
    const expectedTimePct = ((2 * easyS + longS) / (3 * easyS) - 1) * 100;
    expect(timeJump.evidence.movingTimeChangePct).toBeCloseTo(expectedTimePct, 0);
    expect(timeJump.evidence.distanceChangePct).toBeLessThan(10);
    const jump = w.get('2026-W44')!.warnings.find((x) => x.code === 'LOAD_JUMP')!;
    expect(jump.message).toMatch(/27\.0 km/);
    expect(jump.message).toMatch(/18\.0 km/);
  }, 60_000); // fifteen FIT re-encodings and imports: about 30 s on a busy 2-core machine

  it('pushes each warning once, signed, and not again when the week is recomputed', async () => {
    await ctx.drain();
    const open = await request(ctx.app).get(`/v1/runners/${runnerId}/warnings?status=open`).set(ctx.auth);
    expect(open.body.warnings.length).toBeGreaterThan(0);
    expect(pushes).toHaveLength(open.body.warnings.length);
    expect(new Set(pushes.map((p) => p.body.id)).size).toBe(pushes.length);
    for (const p of pushes) {
      const signed = signPush(SECRET, p.headers['webhook-id']!, new Date(Number(p.headers['webhook-timestamp']) * 1000), JSON.stringify(p.body));
      expect(p.headers[SIGNATURE_HEADER]).toBe(signed[SIGNATURE_HEADER]);
      expect(p.body.type).toBe('warning.raised');
    }
    for (const week of ['2026-W44', '2026-W45', '2026-W46']) await ctx.deps.enqueue('week.recompute', { runnerId, week });
    await ctx.drain();
    expect(pushes).toHaveLength(open.body.warnings.length);
  });

  it("resolves W44's LOAD_JUMP when a run is deleted, and moves the jump to W45", async () => {
    await deleteActivities(ctx.deps, runnerId, [ids['2026-10-31']!]);
    const w = await weeks();
    expect(w.get('2026-W44')!.variables.runs).toBe(2);
    expect(codes(w.get('2026-W44'))).not.toContain('LOAD_JUMP');
    expect(codes(w.get('2026-W45'))).toContain('LOAD_JUMP');
    const all = await request(ctx.app).get(`/v1/runners/${runnerId}/warnings`).set(ctx.auth);
    const w44 = all.body.warnings.find((x: { week: string; code: string }) => x.week === '2026-W44' && x.code === 'LOAD_JUMP');
    expect(w44.status).toBe('resolved');
    expect(w44.resolvedAt).toBeTruthy();
  });

  it('reports the weeks from the CLI verb as JSON with the same numbers', async () => {
    const { reportWeeksCommand } = await import('../../src/cli/report.js');
    const out: string[] = [];
    const code = await reportWeeksCommand.run(ctx.deps, ['--runner', runnerId, '--json'], { out: (l) => out.push(l), err: () => undefined, isTty: false });
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('\n'));
    expect(parsed.weeks.find((x: { week: string }) => x.week === '2026-W45').variables.runs).toBe(3);
  });
});

describe.skipIf(!HAS_FIXTURES)('the binding check when a week closes', () => {
  it("recomputes a week stored as incomplete once its Sunday has passed in the runner's zone", async () => {
    const { closeEndedWeeks } = await import('../../src/services/close-weeks.js');
    const runner = await buildRunner(ctx.deps.db, { timezone: 'America/New_York' });
    const { row } = await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'open-week', status: 'queued' });
    // Sunday 22 Nov 2026 in New York, while the week is still running there.
    const during = { ...ctx.deps, now: () => new Date('2026-11-22T20:00:00Z') };
    const run = { ...fixtureRun('fenix2-run.fit'), startTime: new Date('2026-11-22T12:00:00Z'), utcOffsetS: -18000 };
    await saveDerivedRun(during, row.id, run);
    const { recomputeWeek } = await import('../../src/services/recompute-week.js');
    await recomputeWeek({ ...during, notifyConfigured: false }, runner.id, '2026-W47');
    const stored = async () =>
      (await request(ctx.app).get(`/v1/runners/${runner.id}/weeks`).set(ctx.auth)).body.weeks.find((w: { week: string }) => w.week === '2026-W47');
    expect((await stored()).complete).toBe(false);

    // 02:00 UTC Monday is still Sunday evening in New York: nothing to close yet.
    expect(await closeEndedWeeks({ ...ctx.deps, now: () => new Date('2026-11-23T02:00:00Z') })).toBe(0);
    // Monday 06:00 UTC = 01:00 in New York: the week has ended there.
    expect(await closeEndedWeeks({ ...ctx.deps, now: () => new Date('2026-11-23T06:00:00Z') })).toBeGreaterThanOrEqual(1);
    await ctx.drain();
    expect((await stored()).complete).toBe(true);
  });
});
