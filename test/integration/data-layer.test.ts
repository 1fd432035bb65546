import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbOrTx } from '../../src/db/client.js';
import { insertActivityOnce, isActivityStillPending, listStalePendingStravaActivities } from '../../src/db/queries/activities.js';
import { countStuckRows } from '../../src/db/queries/metrics.js';
import { listWarnings, resolveWarningsExcept, upsertOpenWarning } from '../../src/db/queries/warnings.js';
import { listRunDatesNewerThanTheirWeek } from '../../src/db/queries/weeks.js';
import * as schema from '../../src/db/schema/index.js';
import { buildRunner } from '../factories/runners.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

let t: TestDatabase;
let runnerId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  runnerId = (await buildRunner(t.db)).id;
});

afterAll(async () => {
  await t.drop();
});

describe('warnings queries', () => {
  const finding = (message: string) => ({ severity: 'amber', provisional: false, message, evidence: { runId: null, weekToDate: true } });

  it('keeps one row per runner/week/code, resolves the codes that stopped firing and re-opens one that fires again', async () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const jump = await upsertOpenWarning(t.db, { runnerId, week: '2026-W47', code: 'LOAD_JUMP' }, finding('first'), now);
    await upsertOpenWarning(t.db, { runnerId, week: '2026-W47', code: 'RUN_SPIKE' }, finding('spike'), now);
    expect(await upsertOpenWarning(t.db, { runnerId, week: '2026-W47', code: 'LOAD_JUMP' }, { ...finding('second'), severity: 'red' }, now)).toBe(jump);

    const resolved = await resolveWarningsExcept(t.db, runnerId, '2026-W47', ['LOAD_JUMP'], now);
    expect(resolved.map((w) => w.code)).toEqual(['RUN_SPIKE']);
    expect((await listWarnings(t.db, runnerId, { status: 'open' })).map((w) => [w.code, w.severity, w.message])).toEqual([['LOAD_JUMP', 'red', 'second']]);

    await upsertOpenWarning(t.db, { runnerId, week: '2026-W47', code: 'RUN_SPIKE' }, finding('again'), now);
    const all = await listWarnings(t.db, runnerId, { weeks: ['2026-W47'] });
    expect(all).toHaveLength(2);
    expect(all.find((w) => w.code === 'RUN_SPIKE')).toMatchObject({ status: 'open', resolvedAt: null, message: 'again' });
    expect(await resolveWarningsExcept(t.db, runnerId, '2026-W47', [], now)).toHaveLength(2);
  });
});

describe("the recovery sweep's activity look-ups and their indexes", () => {
  /**
   * The plan Postgres picks for the statement `fn` sends, as a cached (generic) plan would be made:
   * sequential scans off, so an index is taken whenever its predicate provably matches.
   */
  async function genericPlanOf(fn: (db: DbOrTx) => Promise<unknown>): Promise<string> {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const sent: Array<{ text: string; params: unknown[] }> = [];
      const db = drizzle(client, { schema, casing: 'snake_case', logger: { logQuery: (text, params) => sent.push({ text, params }) } });
      await fn(db);
      const { text, params } = sent.at(-1)!;
      await client.query('set enable_seqscan = off');
      await client.query('set plan_cache_mode = force_generic_plan');
      await client.query(`prepare q as ${text}`);
      const literal = (p: unknown) => (typeof p === 'number' ? String(p) : client.escapeLiteral(p instanceof Date ? p.toISOString() : String(p)));
      const { rows } = await client.query(`explain (format json) execute q${params.length ? `(${params.map(literal).join(', ')})` : ''}`);
      return JSON.stringify(rows[0]);
    } finally {
      await client.end();
    }
  }

  it('finds stale queued Strava activities and tells whether one is still pending', async () => {
    const { row } = await insertActivityOnce(t.db, { runnerId, source: 'strava', externalId: '777', status: 'queued' });
    await t.db.execute(sql`update activities set updated_at = now() - interval '1 hour' where id = ${row.id}`);
    const staleBefore = new Date(Date.now() - 60_000);
    expect((await listStalePendingStravaActivities(t.db, staleBefore, 10)).map((r) => r.id)).toEqual([row.id]);
    expect(await isActivityStillPending(t.db, row.id, staleBefore)).toBe(true);
    expect(await isActivityStillPending(t.db, row.id, new Date(Date.now() - 2 * 3600_000))).toBe(false);
    expect((await countStuckRows(t.db, 10)).find((r) => r.kind === 'activity_queued')?.n).toBe(1);
  });

  it('lets the sweep and the stuck gauge read the partial index, even in a generic plan', async () => {
    const staleBefore = new Date(Date.now() - 60_000);
    expect(await genericPlanOf((db) => listStalePendingStravaActivities(db, staleBefore, 10))).toContain('activities_pending');
    expect(await genericPlanOf((db) => countStuckRows(db, 10))).toContain('activities_pending');
  });

  it('finds counted runs changed after their week was computed through activities_counted_updated', async () => {
    const { row } = await insertActivityOnce(t.db, {
      runnerId,
      source: 'upload',
      externalId: 'counted-1',
      status: 'ready',
      countedInLoad: true,
      localDate: '2026-11-18',
    });
    await t.db.execute(sql`update activities set updated_at = now() - interval '1 hour' where id = ${row.id}`);
    const since = new Date(Date.now() - 24 * 3600_000);
    const staleBefore = new Date(Date.now() - 60_000);
    expect(await listRunDatesNewerThanTheirWeek(t.db, since, staleBefore, 10)).toEqual([{ runnerId, localDate: '2026-11-18' }]);
    expect(await genericPlanOf((db) => listRunDatesNewerThanTheirWeek(db, since, staleBefore, 10))).toContain('activities_counted_updated');
  });
});
