import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivityOnce } from '../../src/db/queries/activities.js';
import { loadWeekRuns } from '../../src/db/queries/weeks.js';
import { activities } from '../../src/db/schema/index.js';
import { decodeFit } from '../../src/fit/decode.js';
import { deleteActivities, saveDerivedRun } from '../../src/services/activities.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
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
      summary: { ...fitRun.summary, distanceM: fitRun.summary.distanceM! * 0.985, avgCadenceSource: 'strava-summary' as const, elevationFromDevice: false, totalDescentM: null },
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
});
