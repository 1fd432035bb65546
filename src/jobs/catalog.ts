import { z } from 'zod';

/**
 * Every job, declared once: name → payload schema, queue, retry policy, dedupe policy.
 * Producers (HTTP, CLI, processors) enqueue through `enqueue()` / `enqueueBulk()` (src/jobs/queues.ts),
 * which validate against this catalog and apply its ids and options; nothing adds to a queue directly.
 * The worker re-validates before running. Payloads carry ids, never file bytes or tokens
 * (job data sits in Redis in clear text).
 *
 * Queues are named after what they protect: `strava-api` / `garmin-api` (third-party rate limits),
 * `compute` (CPU: FIT decoding, derivation, weekly rules), `events` (cheap webhook routing),
 * `notify` (outbound pushes).
 */

export const QUEUE_NAMES = ['events', 'strava-api', 'garmin-api', 'compute', 'notify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

const uuid = z.uuid();
const isoWeek = z.string().regex(/^\d{4}-W\d{2}$/, 'ISO week like 2026-W47');

/** One job's declaration, over its payload type P. */
export interface JobDefinition<P = unknown> {
  queue: QueueName;
  payload: z.ZodType<P>;
  attempts: number;
  /** exponential back-off base, ms */
  backoffMs: number;
  /**
   * custom job id from the payload (BullMQ: no ':' and not all digits) — saves work, Postgres guarantees
   * idempotency. An id of undefined means BullMQ numbers that job itself.
   */
  jobId?: (payload: P) => string | undefined;
  /**
   * debounce: one pending job per id; a burst collapses into one run (week recompute, Strava fetch).
   * A job added while the one holding the id runs is kept and runs once after it (never in parallel).
   * An id of undefined means no debounce for that payload.
   */
  debounce?: { id: (payload: P) => string | undefined; delayMs: number };
  /** lower runs first (BullMQ priority); webhook-driven work beats backfill */
  priority?: number;
}

/** The debounce id of a Strava fetch (see `strava.fetch-activity`); undefined for backfill fetches. */
export function stravaFetchDebounceId(p: { connectionId: string; stravaActivityId: string; reason: string; streamAttempt?: number }): string | undefined {
  if (p.reason === 'backfill') return undefined;
  return `${(p.streamAttempt ?? 0) > 0 ? 'strava-streams' : 'strava-fetch'}-${p.connectionId}-${p.stravaActivityId}`;
}

/** The job id of a Strava fetch: backfill fetches only (the others are debounced instead). */
export function stravaFetchJobId(p: { connectionId: string; stravaActivityId: string; reason: string }): string | undefined {
  return p.reason === 'backfill' ? `strava.backfill-fetch-${p.connectionId}-${p.stravaActivityId}` : undefined;
}

/** Contextual typing for one entry: its callbacks get the entry's own payload type, and it keeps its schema's type. */
function define<S extends z.ZodType>(def: JobDefinition<z.infer<S>> & { payload: S }): JobDefinition<z.infer<S>> & { payload: S } {
  return def;
}

const DEFINITIONS = {
  /** route one stored Strava webhook event (inbox row) to the work it calls for */
  'strava.handle-event': define({
    queue: 'events',
    payload: z.object({ eventId: uuid }),
    attempts: 5,
    backoffMs: 2_000,
    jobId: (p) => `strava.handle-event-${p.eventId}`,
  }),
  /** fetch one Strava activity + streams with the athlete's token, store it, then derive */
  'strava.fetch-activity': define({
    queue: 'strava-api',
    payload: z.object({
      connectionId: uuid,
      stravaActivityId: z.string().regex(/^\d+$/),
      /** webhook: a create event; update: an update event (title/type/privacy); backfill: listed at connect time */
      reason: z.enum(['webhook', 'update', 'backfill']),
      /** stream fetch attempts so far (streams can be empty right after create) */
      streamAttempt: z.number().int().min(0).default(0),
    }),
    attempts: 8,
    backoffMs: 10_000,
    priority: 1,
    // One fetch per activity however many events name it: events arriving while a fetch waits
    // collapse into it (it reads Strava's latest state when it runs); one arriving while it runs
    // makes exactly one more fetch after it. Stream re-checks have their own id (a pending re-check
    // must not swallow an update event). Backfill fetches are counted one by one, so not debounced:
    // each gets its own id instead, so a backfill page listed twice does not fetch an activity twice.
    jobId: stravaFetchJobId,
    debounce: { id: stravaFetchDebounceId, delayMs: 2_000 },
  }),
  /** list the last weeks of a connected athlete's activities page by page and fan out fetches */
  'strava.backfill': define({
    queue: 'strava-api',
    payload: z.object({
      connectionId: uuid,
      weeks: z.number().int().min(1).max(104).default(12),
      page: z.number().int().min(1).default(1),
      /** epoch-second window fixed by page 1, so later pages list the same range however late they run */
      after: z.number().int().nonnegative().optional(),
      before: z.number().int().positive().optional(),
    }),
    attempts: 8,
    backoffMs: 30_000,
    priority: 10,
  }),
  /** route one stored Garmin notification (inbox row): file pings fan out, deregistrations revoke, permission changes flag */
  'garmin.handle-notification': define({
    queue: 'events',
    payload: z.object({ eventId: uuid }),
    attempts: 5,
    backoffMs: 2_000,
    jobId: (p) => `garmin.handle-notification-${p.eventId}`,
  }),
  /**
   * route one stored notification of a platform that has no use case of its own (the generic path,
   * services/inbox/handle-generic.ts): fetch what it names into the FIT pipeline, or revoke
   */
  'inbox.handle-notification': define({
    queue: 'events',
    payload: z.object({ provider: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/), eventId: uuid }),
    attempts: 5,
    backoffMs: 2_000,
    jobId: (p) => `inbox.handle-notification-${p.eventId}`,
  }),
  /** ask Garmin to re-send the last weeks of activities (30-day windows); files then arrive as pings */
  'garmin.backfill': define({
    queue: 'garmin-api',
    payload: z.object({ connectionId: uuid, days: z.number().int().min(1).max(365).default(84) }),
    attempts: 6,
    backoffMs: 30_000,
    priority: 10,
    jobId: (p) => `garmin.backfill-${p.connectionId}`,
  }),
  /**
   * download one Activity File of a ping (one download; 410 Gone is final), then import it. The job
   * names the inbox row and the file's place in it: the callbackURL carries Garmin's pull token, so
   * it stays in Postgres and out of Redis.
   */
  'garmin.fetch-fit': define({
    queue: 'garmin-api',
    payload: z.object({ connectionId: uuid, eventId: uuid, entryIndex: z.number().int().min(0) }),
    attempts: 6,
    backoffMs: 15_000,
    priority: 1,
    jobId: (p) => `garmin.fetch-fit-${p.eventId}-${p.entryIndex}`,
  }),
  /** decode a stored FIT file, derive metrics, store them (uploads, CLI import, Garmin files) */
  'run.import-fit': define({
    queue: 'compute',
    payload: z.object({ activityId: uuid }),
    attempts: 3,
    backoffMs: 2_000,
    jobId: (p) => `run.import-fit-${p.activityId}`,
  }),
  /** map a stored provider payload (Strava activity + streams) into a Run and derive metrics */
  'run.derive': define({
    queue: 'compute',
    payload: z.object({ activityId: uuid }),
    attempts: 3,
    backoffMs: 2_000,
    debounce: { id: (p) => `derive-${p.activityId}`, delayMs: 0 },
  }),
  /** aggregate one runner-week, evaluate the rules, store weeks and warnings */
  'week.recompute': define({
    queue: 'compute',
    payload: z.object({ runnerId: uuid, week: isoWeek }),
    attempts: 5,
    backoffMs: 1_000,
    debounce: { id: (p) => `week-${p.runnerId}-${p.week}`, delayMs: 1_000 },
  }),
  /**
   * the recovery sweep: re-queue every kind of pending state whose job was lost (inbox rows, file
   * imports, Strava fetches and derivations, pushes, week recomputes); see src/services/recovery-sweep.ts
   */
  'inbox.sweep': define({
    queue: 'events',
    payload: z.object({}),
    attempts: 1,
    backoffMs: 1_000,
  }),
  /** the binding check: recompute every stored week that has ended in its runner's time zone */
  'week.close': define({
    queue: 'compute',
    payload: z.object({}),
    attempts: 3,
    backoffMs: 5_000,
  }),
  /**
   * remove soft-deleted activities past DELETED_RETENTION_DAYS, handled webhook events past WEBHOOK_RETENTION_DAYS,
   * and export files past their link's expiry or EXPORT_DOWNLOAD_GRACE_MINUTES after their download
   */
  'retention.purge': define({
    queue: 'events',
    payload: z.object({}),
    attempts: 3,
    backoffMs: 60_000,
  }),
  /** build one runner's data export (a zip streamed to EXPORT_DIR), then e-mail its download link */
  'export.build': define({
    queue: 'compute',
    payload: z.object({ exportId: uuid }),
    attempts: 3,
    backoffMs: 10_000,
    jobId: (p) => `export.build-${p.exportId}`,
  }),
  /** push one outbox row to NOTIFY_WEBHOOK_URL, signed */
  'notify.deliver': define({
    queue: 'notify',
    payload: z.object({ notificationId: uuid }),
    attempts: 8,
    backoffMs: 5_000,
    jobId: (p) => `notify-${p.notificationId}`,
  }),
  /** send one pain prompt event (due or reminder) through every configured channel, once per channel */
  'prompt.send': define({
    queue: 'notify',
    payload: z.object({ promptId: uuid, event: z.enum(['due', 'reminder']), attempt: z.number().int().min(1).max(2).default(1) }),
    attempts: 6,
    backoffMs: 10_000,
    jobId: (p) => `prompt-send-${p.promptId}-${p.event}-${p.attempt}`,
  }),
  /**
   * revoke one platform grant upstream (an `upstream_revokes` row: a disconnect whose first attempt
   * failed, or an erased runner's connection) until the platform confirms or says the grant is gone
   */
  'connection.revoke-upstream': define({
    queue: 'events',
    payload: z.object({ revokeId: uuid }),
    attempts: 10,
    backoffMs: 60_000,
    jobId: (p) => `revoke-upstream-${p.revokeId}`,
  }),
  /** every minute: send due prompts whose job was lost, close expired ones, plan rest-day morning checks */
  'prompt.sweep': define({
    queue: 'notify',
    payload: z.object({}),
    attempts: 1,
    backoffMs: 1_000,
  }),
};

type Payloads = { [N in keyof typeof DEFINITIONS]: z.infer<(typeof DEFINITIONS)[N]['payload']> };
export type JobName = keyof Payloads;
export type JobPayload<N extends JobName> = Payloads[N];

/**
 * The catalog, typed as a mapped type over the job names: `JOBS[name]` for a generic `name: N` is
 * `JobDefinition<JobPayload<N>>`, so its `jobId`, `debounce.id` and `payload.parse` take and give
 * `JobPayload<N>` with no casts (the "correlated union" pattern). Each entry keeps its own schema
 * and callbacks' types in DEFINITIONS.
 */
export const JOBS: { readonly [N in JobName]: JobDefinition<JobPayload<N>> } = DEFINITIONS;

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** Validate a payload against its job's schema (throws a ZodError), typed for a generic job name. */
export function parsePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  return JOBS[name].payload.parse(payload);
}

/** Is this string (a BullMQ job's name) a catalog job? */
export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

export function jobsOnQueue(queue: QueueName): JobName[] {
  return JOB_NAMES.filter((n) => JOBS[n].queue === queue);
}
