import { and, desc, eq, inArray, isNull, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { painPrompts, promptDeliveries, runners, type PromptKind, type PromptStatus } from '../schema/index.js';

export type PromptRow = typeof painPrompts.$inferSelect;
export type PromptSet = Partial<Omit<typeof painPrompts.$inferInsert, 'id' | 'runnerId' | 'kind'>>;
export type DeliveryRow = typeof promptDeliveries.$inferSelect;

/** A prompt's times as planned (docs/pain.md, Prompts). */
export interface PromptTimes {
  dueAt: Date;
  remindAt: Date | null;
  expiresAt: Date;
}

/** What a new prompt row needs; `token` is the answer link's hash and encrypted copy. */
export interface NewPrompt {
  runnerId: string;
  activityId: string | null;
  kind: PromptKind;
  localDate: string;
  runEndAt: Date | null;
  times: PromptTimes;
  token: { hash: string; enc: string };
  attempt?: number;
}

/** The id, due time and attempt of a prompt: what its send job is keyed on. */
export interface PromptJobRef {
  id: string;
  dueAt: Date;
  attempt: number;
}

export const OPEN_STATUSES = ['pending', 'sent'] as const;

export async function findPrompt(db: DbOrTx, id: string): Promise<PromptRow | null> {
  const [p] = await db.select().from(painPrompts).where(eq(painPrompts.id, id));
  return p ?? null;
}

export async function findPromptByTokenHash(db: DbOrTx, tokenHash: string): Promise<PromptRow | null> {
  const [p] = await db.select().from(painPrompts).where(eq(painPrompts.tokenHash, tokenHash));
  return p ?? null;
}

/** A runner's prompts, newest due first (at most 500), optionally of one stored status. */
export async function listRunnerPrompts(db: DbOrTx, runnerId: string, status?: PromptStatus): Promise<PromptRow[]> {
  return db
    .select()
    .from(painPrompts)
    .where(and(eq(painPrompts.runnerId, runnerId), status ? eq(painPrompts.status, status) : undefined))
    .orderBy(desc(painPrompts.dueAt))
    .limit(500);
}

/** The prompt of one kind for a run (after_run, settle_check), if any. */
export async function findRunPrompt(db: DbOrTx, activityId: string, kind: 'after_run' | 'settle_check'): Promise<PromptRow | null> {
  const [p] = await db
    .select()
    .from(painPrompts)
    .where(and(eq(painPrompts.activityId, activityId), eq(painPrompts.kind, kind)));
  return p ?? null;
}

/** The due time of a runner's next-morning prompt of a morning date, if planned. */
export async function findMorningDueAt(db: DbOrTx, runnerId: string, morningDate: string): Promise<Date | null> {
  const [m] = await db
    .select({ dueAt: painPrompts.dueAt })
    .from(painPrompts)
    .where(and(eq(painPrompts.runnerId, runnerId), eq(painPrompts.kind, 'next_morning'), eq(painPrompts.localDate, morningDate)));
  return m?.dueAt ?? null;
}

/** A new prompt, unless the run (or the runner's morning) already has one of its kind: then null. */
export async function insertPrompt(db: DbOrTx, p: NewPrompt): Promise<PromptJobRef | null> {
  const [row] = await db
    .insert(painPrompts)
    .values({
      runnerId: p.runnerId,
      activityId: p.activityId,
      kind: p.kind,
      localDate: p.localDate,
      runEndAt: p.runEndAt,
      dueAt: p.times.dueAt,
      remindAt: p.times.remindAt,
      expiresAt: p.times.expiresAt,
      attempt: p.attempt ?? 1,
      tokenHash: p.token.hash,
      tokenEnc: p.token.enc,
    })
    .onConflictDoNothing()
    .returning({ id: painPrompts.id, dueAt: painPrompts.dueAt, attempt: painPrompts.attempt });
  return row ?? null;
}

/** Change one prompt; with `attempt`, only while it is still at that attempt. Returns the changed row. */
export async function updatePrompt(
  db: DbOrTx,
  id: string,
  set: PromptSet,
  only: { attempt?: number; statuses?: readonly PromptStatus[] } = {},
): Promise<PromptRow | null> {
  const [row] = await db
    .update(painPrompts)
    .set(set)
    .where(
      and(
        eq(painPrompts.id, id),
        only.attempt !== undefined ? eq(painPrompts.attempt, only.attempt) : undefined,
        only.statuses ? inArray(painPrompts.status, [...only.statuses]) : undefined,
      ),
    )
    .returning();
  return row ?? null;
}

/** Cancel the open prompts of these activities; returns how many. */
export async function cancelOpenPrompts(db: DbOrTx, activityIds: readonly string[], reason: string, now: Date): Promise<number> {
  if (activityIds.length === 0) return 0;
  const rows = await db
    .update(painPrompts)
    .set({ status: 'cancelled', cancelReason: reason, updatedAt: now })
    .where(and(inArray(painPrompts.activityId, [...activityIds]), inArray(painPrompts.status, [...OPEN_STATUSES])))
    .returning({ id: painPrompts.id });
  return rows.length;
}

/**
 * Move the prompts of a copy that is no longer counted to the counted copy of the same run (kinds the
 * counted copy lacks), and cancel what stays open on the copy. The run's pain row moves with them.
 */
export async function movePromptsToCopy(db: DbOrTx, fromId: string, toId: string, now: Date): Promise<void> {
  await db.execute(sql`
    with moved as (
      update pain_prompts p set activity_id = ${toId}, updated_at = ${now}
      where p.activity_id = ${fromId} and not exists (select 1 from pain_prompts q where q.activity_id = ${toId} and q.kind = p.kind)
      returning p.id
    ), cancelled as (
      update pain_prompts set status = 'cancelled', cancel_reason = 'duplicate', updated_at = ${now}
      where activity_id = ${fromId} and status in ('pending', 'sent') and id not in (select id from moved)
    )
    update run_pain set activity_id = ${toId}, updated_at = ${now}
    where activity_id = ${fromId} and not exists (select 1 from run_pain r where r.activity_id = ${toId})`);
}

/**
 * Everything scheduling needs about a run, in one round trip: the activity, its elapsed time, the
 * runner's prompt settings, the copies pointing at it, and what is already planned for it (its
 * post-run prompt, its pain row, and the owner of the next morning's prompt).
 */
export interface RunToSchedule {
  id: string;
  runnerId: string;
  status: string;
  countedInLoad: boolean;
  duplicateOf: string | null;
  isRun: boolean | null;
  startTime: Date | null;
  localDate: string | null;
  createdAt: Date;
  elapsedTimeS: number | null;
  timezone: string;
  morningPromptTime: string;
  quietStart: string;
  quietEnd: string;
  copies: string[];
  hasAfterRun: boolean;
  hasRunPain: boolean;
  morningActivityId: string | null;
  morningKind: PromptKind | null;
  morningRunEndAt: Date | null;
}

/** A timestamp read by raw SQL as epoch milliseconds (raw results keep timestamps as text otherwise). */
const ms = (col: SQL) => sql`(extract(epoch from ${col}) * 1000)::float8`;
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));

export async function loadRunToSchedule(db: DbOrTx, activityId: string): Promise<RunToSchedule | null> {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select a.id, a.runner_id, a.status, a.counted_in_load, a.duplicate_of, a.is_run, ${ms(sql`a.start_time`)} as start_time, a.local_date::text as local_date, ${ms(sql`a.created_at`)} as created_at,
           m.elapsed_time_s, r.timezone, r.morning_prompt_time, r.quiet_start, r.quiet_end,
           array(select c.id from activities c where c.duplicate_of = a.id) as copies,
           exists (select 1 from pain_prompts p where p.activity_id = a.id and p.kind = 'after_run') as has_after_run,
           exists (select 1 from run_pain rp where rp.activity_id = a.id) as has_run_pain,
           mp.activity_id as morning_activity_id, mp.kind as morning_kind, ${ms(sql`mp.run_end_at`)} as morning_run_end_at
    from activities a
    join runners r on r.id = a.runner_id
    left join activity_metrics m on m.activity_id = a.id
    left join pain_prompts mp on mp.runner_id = a.runner_id and mp.local_date = a.local_date + 1 and mp.kind in ('next_morning', 'rest_morning')
    where a.id = ${activityId}`);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id as string,
    runnerId: r.runner_id as string,
    status: r.status as string,
    countedInLoad: r.counted_in_load as boolean,
    duplicateOf: (r.duplicate_of as string | null) ?? null,
    isRun: (r.is_run as boolean | null) ?? null,
    startTime: date(r.start_time),
    localDate: (r.local_date as string | null) ?? null,
    createdAt: date(r.created_at)!,
    elapsedTimeS: (r.elapsed_time_s as number | null) ?? null,
    timezone: r.timezone as string,
    morningPromptTime: r.morning_prompt_time as string,
    quietStart: r.quiet_start as string,
    quietEnd: r.quiet_end as string,
    copies: (r.copies as string[] | null) ?? [],
    hasAfterRun: r.has_after_run as boolean,
    hasRunPain: r.has_run_pain as boolean,
    morningActivityId: (r.morning_activity_id as string | null) ?? null,
    morningKind: (r.morning_kind as PromptKind | null) ?? null,
    morningRunEndAt: date(r.morning_run_end_at),
  };
}

/**
 * The writes of scheduling one run, in one statement: its pain row (if missing), its post-run prompt
 * (unless it has one) and the runner's next-morning prompt of the following date, which a later run
 * of the same day takes over and which replaces a planned rest-day check. Returns the prompts that
 * are new or changed hands and still wait to be sent (their send jobs are to be queued).
 */
export async function writeRunPrompts(
  db: DbOrTx,
  run: { activityId: string; runnerId: string; localDate: string; runEndAt: Date },
  afterRun: { times: PromptTimes; token: { hash: string; enc: string } } | null,
  nextMorning: { localDate: string; times: PromptTimes; token: { hash: string; enc: string } } | null,
  now: Date,
): Promise<PromptJobRef[]> {
  const ts = (d: Date | null) => (d ? d.toISOString() : null);
  const none = sql`select null::uuid as id, null::float8 as due_at, null::int as attempt, null::text as status where false`;
  const ar = afterRun
    ? sql`insert into pain_prompts (runner_id, activity_id, kind, local_date, run_end_at, due_at, remind_at, expires_at, token_hash, token_enc)
          values (${run.runnerId}, ${run.activityId}, 'after_run', ${run.localDate}, ${ts(run.runEndAt)}, ${ts(afterRun.times.dueAt)}, ${ts(afterRun.times.remindAt)}, ${ts(afterRun.times.expiresAt)}, ${afterRun.token.hash}, ${afterRun.token.enc})
          on conflict do nothing
          returning id, ${ms(sql`due_at`)} as due_at, attempt, status`
    : none;
  const nm = nextMorning
    ? sql`insert into pain_prompts (runner_id, activity_id, kind, local_date, run_end_at, due_at, remind_at, expires_at, token_hash, token_enc)
          values (${run.runnerId}, ${run.activityId}, 'next_morning', ${nextMorning.localDate}, ${ts(run.runEndAt)}, ${ts(nextMorning.times.dueAt)}, ${ts(nextMorning.times.remindAt)}, ${ts(nextMorning.times.expiresAt)}, ${nextMorning.token.hash}, ${nextMorning.token.enc})
          on conflict (runner_id, local_date) where kind in ('next_morning', 'rest_morning')
          do update set activity_id = excluded.activity_id, kind = 'next_morning', run_end_at = excluded.run_end_at, updated_at = ${ts(now)}
          where pain_prompts.kind = 'rest_morning' or pain_prompts.activity_id is null or pain_prompts.run_end_at is null or pain_prompts.run_end_at < excluded.run_end_at
          returning id, ${ms(sql`due_at`)} as due_at, attempt, status`
    : none;
  const { rows } = await db.execute<{ id: string; due_at: number; attempt: number; status: string }>(sql`
    with rp as (
      insert into run_pain (activity_id, runner_id, local_date) values (${run.activityId}, ${run.runnerId}, ${run.localDate}) on conflict do nothing
    ), ar as (${ar}), nm as (${nm})
    select id, due_at, attempt, status from ar union all select id, due_at, attempt, status from nm`);
  return rows.filter((r) => r.status === 'pending').map((r) => ({ id: r.id, dueAt: date(r.due_at)!, attempt: r.attempt }));
}

/** Runners who asked for the rest-day morning check (or one runner, if it did). */
export async function restDayCheckRunners(db: DbOrTx, runnerId?: string) {
  return db
    .select()
    .from(runners)
    .where(and(eq(runners.restDayCheck, true), runnerId ? eq(runners.id, runnerId) : undefined));
}

/** Prompts whose send job should have run: due and unsent, or reminder time reached. */
export async function findDuePrompts(db: DbOrTx, now: Date) {
  const [due, reminders] = await Promise.all([
    db
      .select({ id: painPrompts.id, attempt: painPrompts.attempt })
      .from(painPrompts)
      .where(and(eq(painPrompts.status, 'pending'), lte(painPrompts.dueAt, now), sql`${painPrompts.expiresAt} > ${now}`)),
    db
      .select({ id: painPrompts.id, attempt: painPrompts.attempt })
      .from(painPrompts)
      .where(and(eq(painPrompts.status, 'sent'), lte(painPrompts.remindAt, now), isNull(painPrompts.remindedAt), sql`${painPrompts.expiresAt} > ${now}`)),
  ]);
  return { due, reminders };
}

/** Close open prompts whose window has passed; returns their ids. */
export async function expireOpenPrompts(db: DbOrTx, now: Date, id?: string): Promise<string[]> {
  const rows = await db
    .update(painPrompts)
    .set({ status: 'expired', updatedAt: now })
    .where(and(inArray(painPrompts.status, [...OPEN_STATUSES]), id ? eq(painPrompts.id, id) : lte(painPrompts.expiresAt, now)))
    .returning({ id: painPrompts.id });
  return rows.map((r) => r.id);
}

/** A runner's prompts whose times may still change: not yet sent, or sent and not yet reminded. */
export async function findPlannedPrompts(db: DbOrTx, runnerId: string): Promise<PromptRow[]> {
  return db
    .select()
    .from(painPrompts)
    .where(and(eq(painPrompts.runnerId, runnerId), inArray(painPrompts.status, [...OPEN_STATUSES])));
}

/** The delivery row of one prompt × channel × event × attempt, created if missing. */
export async function ensureDelivery(
  db: DbOrTx,
  key: { promptId: string; channel: string; event: 'due' | 'reminder'; attempt: number },
): Promise<DeliveryRow | null> {
  await db.insert(promptDeliveries).values(key).onConflictDoNothing();
  const [d] = await db
    .select()
    .from(promptDeliveries)
    .where(
      and(
        eq(promptDeliveries.promptId, key.promptId),
        eq(promptDeliveries.channel, key.channel),
        eq(promptDeliveries.event, key.event),
        eq(promptDeliveries.attempt, key.attempt),
      ),
    );
  return d ?? null;
}

/** The set clause of a delivery that arrived at `now`: delivered, with `now` appended to its attempts. */
function deliveredSet(now: Date) {
  return {
    status: 'delivered' as const,
    deliveredAt: now,
    updatedAt: now,
    attempts: sql`${promptDeliveries.attempts} || ${JSON.stringify([{ at: now.toISOString() }])}::jsonb`,
  };
}

export async function markDelivered(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(promptDeliveries).set(deliveredSet(now)).where(eq(promptDeliveries.id, id));
}

/** Hand a delivery to an outbox row (the webhook channel): it stays pending until that row is delivered. */
export async function linkDeliveryNotification(db: DbOrTx, id: string, notificationId: string, now: Date): Promise<void> {
  await db.update(promptDeliveries).set({ notificationId, updatedAt: now }).where(eq(promptDeliveries.id, id));
}

/** The receiver took the outbox row: its prompt deliveries not yet delivered are, now. */
export async function markNotificationDeliveriesDelivered(db: DbOrTx, notificationId: string, now: Date): Promise<number> {
  const rows = await db
    .update(promptDeliveries)
    .set(deliveredSet(now))
    .where(and(eq(promptDeliveries.notificationId, notificationId), ne(promptDeliveries.status, 'delivered')))
    .returning({ id: promptDeliveries.id });
  return rows.length;
}

/** The outbox gave the row up: its prompt deliveries not delivered are failed with that reason. */
export async function failNotificationDeliveries(db: DbOrTx, notificationId: string, now: Date, error: string): Promise<void> {
  await db
    .update(promptDeliveries)
    .set({ status: 'failed', updatedAt: now, attempts: sql`${promptDeliveries.attempts} || ${JSON.stringify([{ at: now.toISOString(), error }])}::jsonb` })
    .where(and(eq(promptDeliveries.notificationId, notificationId), ne(promptDeliveries.status, 'delivered')));
}

export async function markDeliveryFailed(db: DbOrTx, id: string, now: Date, error: string): Promise<void> {
  await db
    .update(promptDeliveries)
    .set({ status: 'failed', updatedAt: now, attempts: sql`${promptDeliveries.attempts} || ${JSON.stringify([{ at: now.toISOString(), error }])}::jsonb` })
    .where(eq(promptDeliveries.id, id));
}
