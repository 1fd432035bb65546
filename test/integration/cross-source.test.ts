import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { loadWeekRuns } from '../../src/db/queries/weeks.js';
import { activities } from '../../src/db/schema/index.js';
import { decodeFit } from '../../src/fit/decode.js';
import { deleteActivities, saveDerivedRun } from '../../src/services/activities.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
import { shiftFitFile } from '../factories/fit-shift.js';
import { buildRunner } from '../factories/runners.js';
import { createTestContext, type TestContext } from '../setup/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

async function row(id: string) {
  const [r] = await ctx.deps.db.select().from(activities).where(eq(activities.id, id));
  return r!;
}

describe.skipIf(!HAS_FIXTURES)('the same run from two sources', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);

  it('counts one copy, prefers the Garmin/FIT copy, and promotes the other when it is deleted', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const decoded = decodeFit(readFit('fenix2-run.fit'));
    if (!decoded.ok) throw new Error(decoded.message);
    const fitRun = decoded.runs[0]!;
    // Strava's copy of the same run: 40 s later start (upload clock), 1.5 % shorter, summary only.
    const stravaRun = {
      ...fitRun,
      startTime: new Date(fitRun.startTime.getTime() + 40_000),
      samples: null,
      summary: {
        ...fitRun.summary,
        distanceM: fitRun.summary.distanceM! * 0.985,
        avgCadenceSource: 'strava-summary' as const,
        elevationFromDevice: false,
        totalDescentM: null,
      },
    };

    const strava = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'strava', externalId: '1360128428', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, strava.id, stravaRun);
    expect((await row(strava.id)).countedInLoad).toBe(true);

    const garmin = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'garmin', externalId: '10010727180', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, garmin.id, fitRun);
    expect((await row(garmin.id)).countedInLoad).toBe(true);
    const demoted = await row(strava.id);
    expect(demoted.countedInLoad).toBe(false);
    expect(demoted.duplicateOf).toBe(garmin.id);

    const local = (await row(garmin.id)).localDate!;
    const counted = await loadWeekRuns(ctx.deps.db, runner.id, local, local);
    expect(counted.map((r) => r.id)).toEqual([garmin.id]);

    // Deriving the Strava copy again (an update event) must not flip the decision.
    await saveDerivedRun(ctx.deps, strava.id, stravaRun);
    expect((await row(strava.id)).countedInLoad).toBe(false);

    await deleteActivities(ctx.deps, runner.id, [garmin.id]);
    const promoted = await row(strava.id);
    expect(promoted.countedInLoad).toBe(true);
    expect(promoted.duplicateOf).toBeNull();
  });

  it('keeps two different runs on the same morning apart', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const decoded = decodeFit(readFit('fenix2-run.fit'));
    if (!decoded.ok) throw new Error(decoded.message);
    const a = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'a', status: 'queued' })).row;
    const b = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'strava', externalId: 'b', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, a.id, decoded.runs[0]!);
    await saveDerivedRun(ctx.deps, b.id, { ...decoded.runs[0]!, startTime: new Date(decoded.runs[0]!.startTime.getTime() + 3 * 3600_000) });
    expect((await row(a.id)).countedInLoad).toBe(true);
    expect((await row(b.id)).countedInLoad).toBe(true);
  });

  it('counts a re-saved copy whose start moved by whole hours (local time written as UTC) once', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const start = new Date('2026-03-10T06:00:00Z');
    // The original, and an exporter's copy that wrote the local wall clock (2 h later) as UTC: the
    // timestamps move by 2 h, the local timestamp stays where it was.
    const original = decodeFit(shiftFitFile(readFit('fenix2-run.fit'), start));
    const resaved = decodeFit(shiftFitFile(readFit('fenix2-run.fit'), new Date(start.getTime() + 2 * 3600_000), { localStart: start }));
    if (!original.ok || !resaved.ok) throw new Error('fixture did not decode');
    const a = original.runs[0]!;
    const b = resaved.runs[0]!;
    expect(b.startTime.getTime() - a.startTime.getTime()).toBe(2 * 3600_000);
    expect(a.utcOffsetS).not.toBeNull();
    expect(b.utcOffsetS).toBe(a.utcOffsetS! - 7200);

    const first = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'original', status: 'queued' })).row;
    const second = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'resaved', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, first.id, a);
    await saveDerivedRun(ctx.deps, second.id, b);
    const [r1, r2] = [await row(first.id), await row(second.id)];
    expect([r1.countedInLoad, r2.countedInLoad].filter(Boolean)).toHaveLength(1);
    const loser = r1.countedInLoad ? r2 : r1;
    expect(loser.excludedReason).toBe('duplicate');
    expect(loser.duplicateOf).toBe(r1.countedInLoad ? r1.id : r2.id);

    // the same file 3 h later with its local clock moving too is a different run (a second loop that day)
    const other = decodeFit(shiftFitFile(readFit('fenix2-run.fit'), new Date(start.getTime() + 3 * 3600_000)));
    if (!other.ok) throw new Error('fixture did not decode');
    const third = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'later', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, third.id, other.runs[0]!);
    expect((await row(third.id)).countedInLoad).toBe(true);
  });

  it('keeps a noise run visible, not counted, and out of dedupe', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const decoded = decodeFit(readFit('fenix5-run-short.fit'));
    if (!decoded.ok) throw new Error(decoded.message);
    const a = (await insertActivityOnce(ctx.deps.db, { runnerId: runner.id, source: 'upload', externalId: 'short', status: 'queued' })).row;
    await saveDerivedRun(ctx.deps, a.id, decoded.runs[0]!);
    const r = await row(a.id);
    expect(r).toMatchObject({ status: 'ready', isRun: true, countedInLoad: false, excludedReason: 'noise_short', duplicateOf: null });
    const local = r.localDate!;
    expect(await loadWeekRuns(ctx.deps.db, runner.id, local, local)).toEqual([]);
  });
});
