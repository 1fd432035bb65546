import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { erasures, type ErasureCounts } from '../schema/index.js';

/** The runner's Strava athlete ids / Garmin user ids (their webhook inbox rows are matched on them). */
const accountsOf = (runnerId: string, provider: string) =>
  sql`(select external_athlete_id from connections where runner_id = ${runnerId} and provider = ${provider})`;

/** The entries of a stored Garmin notification (`{kind, body: {<field>: [entries]}}`), as rows `e`. */
const garminEntries = sql`jsonb_each(case when jsonb_typeof(payload -> 'body') = 'object' then payload -> 'body' else '{}'::jsonb end) as b(k, v),
  jsonb_array_elements(case when jsonb_typeof(b.v) = 'array' then b.v else '[]'::jsonb end) as e(entry)`;

const garminMentions = (runnerId: string) => sql`exists (select 1 from ${garminEntries} where e.entry ->> 'userId' in ${accountsOf(runnerId, 'garmin')})`;
const garminMentionsOthers = (runnerId: string) =>
  sql`exists (select 1 from ${garminEntries} where e.entry ->> 'userId' is not null and e.entry ->> 'userId' not in ${accountsOf(runnerId, 'garmin')})`;

/**
 * Every table that holds a runner's rows, with how its rows are reached from the runner id, in the
 * order they are deleted (rows that refer to others first; `connections` after the inbox rows matched
 * on its accounts, `runners` last). Erasure deletes exactly these; a new table holding a runner's
 * data is one more line here (and the erasure test fails until it is).
 */
export const RUNNER_OWNED_TABLES: ReadonlyArray<{ table: string; where: (runnerId: string) => SQL }> = [
  {
    table: 'webhook_events',
    where: (id) =>
      sql`(provider = 'strava' and payload ->> 'owner_id' in ${accountsOf(id, 'strava')}) or (provider = 'garmin' and ${garminMentions(id)} and not ${garminMentionsOthers(id)})`,
  },
  { table: 'prompt_deliveries', where: (id) => sql`prompt_id in (select id from pain_prompts where runner_id = ${id})` },
  { table: 'pain_answers', where: (id) => sql`runner_id = ${id}` },
  { table: 'pain_prompts', where: (id) => sql`runner_id = ${id}` },
  { table: 'run_pain', where: (id) => sql`runner_id = ${id}` },
  { table: 'pain_mornings', where: (id) => sql`runner_id = ${id}` },
  { table: 'activity_metrics', where: (id) => sql`activity_id in (select id from activities where runner_id = ${id})` },
  { table: 'activities', where: (id) => sql`runner_id = ${id}` },
  { table: 'files', where: (id) => sql`runner_id = ${id}` },
  { table: 'weeks', where: (id) => sql`runner_id = ${id}` },
  { table: 'warnings', where: (id) => sql`runner_id = ${id}` },
  { table: 'notifications', where: (id) => sql`runner_id = ${id}` },
  { table: 'cadence_goals', where: (id) => sql`runner_id = ${id}` },
  { table: 'runner_sessions', where: (id) => sql`runner_id = ${id}` },
  { table: 'runner_links', where: (id) => sql`runner_id = ${id}` },
  { table: 'runner_shares', where: (id) => sql`runner_id = ${id}` },
  { table: 'push_subscriptions', where: (id) => sql`runner_id = ${id}` },
  { table: 'api_keys', where: (id) => sql`runner_id = ${id}` },
  { table: 'exports', where: (id) => sql`runner_id = ${id}` },
  { table: 'connections', where: (id) => sql`runner_id = ${id}` },
  { table: 'runners', where: (id) => sql`id = ${id}` },
];

/**
 * A Garmin notification can carry several users' entries in one inbox row: the runner's entries are
 * removed from it and the other users' entries stay. Returns how many rows were rewritten.
 */
export async function redactSharedGarminInboxRows(db: DbOrTx, runnerId: string): Promise<number> {
  const res = await db.execute(sql`
    update webhook_events set payload = jsonb_set(payload, '{body}', (
      select jsonb_object_agg(b.k, case when jsonb_typeof(b.v) = 'array' then coalesce(
        (select jsonb_agg(e.entry) from jsonb_array_elements(b.v) as e(entry) where (e.entry ->> 'userId') is null or e.entry ->> 'userId' not in ${accountsOf(runnerId, 'garmin')}),
        '[]'::jsonb) else b.v end)
      from jsonb_each(payload -> 'body') as b(k, v)))
    where provider = 'garmin' and jsonb_typeof(payload -> 'body') = 'object' and ${garminMentions(runnerId)} and ${garminMentionsOthers(runnerId)}`);
  return res.rowCount ?? 0;
}

/** Delete every row of the runner, table by table (RUNNER_OWNED_TABLES); returns the count per table. */
export async function deleteRunnerRows(db: DbOrTx, runnerId: string): Promise<ErasureCounts> {
  const counts: ErasureCounts = {};
  for (const { table, where } of RUNNER_OWNED_TABLES) {
    const res = await db.execute(sql`delete from ${sql.identifier(table)} where ${where(runnerId)}`);
    counts[table] = res.rowCount ?? 0;
  }
  return counts;
}

/** The ids that name the runner's work in queued jobs (activities, prompts, connections, outbox rows, inbox rows, files). */
export async function listRunnerJobSubjects(db: DbOrTx, runnerId: string): Promise<string[]> {
  const res = await db.execute<{ id: string }>(sql`
    select id::text as id from activities where runner_id = ${runnerId}
    union all select id::text from pain_prompts where runner_id = ${runnerId}
    union all select id::text from connections where runner_id = ${runnerId}
    union all select id::text from notifications where runner_id = ${runnerId}
    union all select id::text from files where runner_id = ${runnerId}
    union all select id::text from webhook_events where
      (provider = 'strava' and payload ->> 'owner_id' in ${accountsOf(runnerId, 'strava')}) or (provider = 'garmin' and ${garminMentions(runnerId)})`);
  return res.rows.map((r) => r.id);
}

export async function insertErasure(db: DbOrTx, row: { runnerId: string; requestedBy: string; counts: ErasureCounts; erasedAt: Date }): Promise<void> {
  await db.insert(erasures).values(row);
}

/** Was any runner erased at or after `since`? (A job finding its rows gone then needs no alarm.) */
export async function anyErasureSince(db: DbOrTx, since: Date): Promise<boolean> {
  const res = await db.execute(sql`select 1 from erasures where erased_at >= ${since} limit 1`);
  return (res.rowCount ?? 0) > 0;
}

/** The runner's platform accounts (provider, the platform's user id). */
export async function listRunnerAccounts(db: DbOrTx, runnerId: string): Promise<Array<{ provider: string; externalId: string }>> {
  const res = await db.execute<{ provider: string; externalId: string }>(
    sql`select provider, external_athlete_id as "externalId" from connections where runner_id = ${runnerId}`,
  );
  return res.rows;
}

/** Every inbox row of one platform (for platforms whose notifications only their adapter can read). */
export async function listInboxRowsOf(db: DbOrTx, provider: string): Promise<Array<{ id: string; payload: unknown }>> {
  const res = await db.execute<{ id: string; payload: unknown }>(sql`select id, payload from webhook_events where provider = ${provider}`);
  return res.rows;
}

export async function deleteInboxRows(db: DbOrTx, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db.execute(
    sql`delete from webhook_events where id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
  return res.rowCount ?? 0;
}
