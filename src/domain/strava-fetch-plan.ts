/**
 * How a Strava event becomes work, as plain decisions (docs/platforms.md, "Strava: how an event is
 * handled"). No I/O: the use cases in src/services/strava/ look things up, ask this module what to do,
 * and do it.
 *
 * 1. planStravaEvent — what an inbox event asks for: fetch (create → `webhook`, update → `update`),
 *    confirm a delete or a deauthorisation with Strava first (events are unsigned), or nothing.
 * 2. planDetail — whether the fetch job calls GET /activities/{id}: always for a create or an update
 *    (the event body is trusted for ids only; a title, type or privacy change all arrive this way),
 *    not for a stream re-check or a backfilled row that already holds its list summary.
 * 3. planAfterDetail — given the fetched detail and what we store: reuse, fetch, skip or keep the
 *    streams; whether the run is derived again (a changed sport type re-classifies it) or only its
 *    new title/privacy is stored (a rename costs no re-derivation); whether a soft-deleted row comes
 *    back (Strava served it again).
 * 4. planStreamOutcome — after the streams call: use them, look again later (fresh uploads have
 *    empty streams for minutes), or fall back to the summary.
 */

export type FetchReason = 'webhook' | 'update' | 'backfill';
export type StreamsStatus = 'ok' | 'empty' | 'skipped' | 'pending';

export interface PlanEvent {
  objectType: 'activity' | 'athlete';
  aspect: 'create' | 'update' | 'delete';
  updates: Record<string, string>;
}

export type EventPlan =
  | { action: 'fetch'; reason: 'webhook' | 'update' }
  | { action: 'confirm_delete' }
  | { action: 'confirm_deauthorization' }
  | { action: 'ignore'; outcome: 'ignored_athlete_update' | 'ignored_inactive_connection' | 'delete_unknown_activity' | 'delete_not_confirmed' };

/**
 * `activity` is the stored row for a delete's object (null: none); `connectionStatus` the
 * connection's. A delete for a connection that is not active cannot be confirmed (no token to ask
 * with), so it is not acted on.
 */
export function planStravaEvent(event: PlanEvent, ctx: { connectionStatus: string; activity: { deleted: boolean } | null }): EventPlan {
  if (event.objectType === 'athlete') {
    return event.updates.authorized === 'false' ? { action: 'confirm_deauthorization' } : { action: 'ignore', outcome: 'ignored_athlete_update' };
  }
  if (event.aspect === 'delete') {
    if (!ctx.activity || ctx.activity.deleted) return { action: 'ignore', outcome: 'delete_unknown_activity' };
    if (ctx.connectionStatus !== 'active') return { action: 'ignore', outcome: 'delete_not_confirmed' };
    return { action: 'confirm_delete' };
  }
  if (ctx.connectionStatus !== 'active') return { action: 'ignore', outcome: 'ignored_inactive_connection' };
  return { action: 'fetch', reason: event.aspect === 'create' ? 'webhook' : 'update' };
}

export interface StoredState {
  /** the row exists and is soft-deleted */
  deleted: boolean;
  status: 'queued' | 'processing' | 'ready' | 'failed';
  /** the stored payload, when there is a readable one (never for a deleted row: it is fetched afresh) */
  payload: { sportType: string; streamsStatus: StreamsStatus; hasStreams: boolean } | null;
}

/** Whether the job calls GET /activities/{id}. */
export function planDetail(input: { reason: FetchReason; streamAttempt: number; stored: StoredState | null }): boolean {
  const payload = input.stored && !input.stored.deleted ? input.stored.payload : null;
  return !payload || input.reason === 'update' || (input.reason === 'webhook' && input.streamAttempt === 0);
}

export interface FetchPlan {
  /** what the streams start as: kept from the store, to fetch, not wanted (not a run, manual), or known empty */
  streamsStatus: StreamsStatus;
  reuseStreams: boolean;
  /** the sport type changed: the run is classified again */
  reclassify: boolean;
  /** a soft-deleted row Strava serves again: brought back */
  restore: boolean;
  /** false: only the new title/privacy is stored (an update that changed no numbers) */
  derive: boolean;
}

export function planAfterDetail(input: {
  reason: FetchReason;
  stored: StoredState | null;
  fetched: { sportType: string; isRun: boolean; manual: boolean };
}): FetchPlan {
  const { reason, stored, fetched } = input;
  const restore = Boolean(stored?.deleted);
  const payload = stored && !restore ? stored.payload : null;
  const reclassify = payload !== null && payload.sportType !== fetched.sportType;
  const reuseStreams = payload?.streamsStatus === 'ok' && payload.hasStreams;
  const wantStreams = fetched.isRun && !fetched.manual;
  const streamsStatus: StreamsStatus = reuseStreams
    ? 'ok'
    : !wantStreams
      ? 'skipped'
      : payload?.streamsStatus === 'empty' && reason === 'update'
        ? 'empty'
        : 'pending';
  // An update that changed only the title or privacy: no new numbers, no re-derivation. While the
  // create's (or backfill's) fetch still waits for streams, that job finishes the run.
  const renameOnly =
    reason === 'update' &&
    stored !== null &&
    !restore &&
    !reclassify &&
    (stored.status === 'ready' ? streamsStatus !== 'pending' : stored.status !== 'failed' && payload?.streamsStatus === 'pending');
  return { streamsStatus, reuseStreams, reclassify, restore, derive: !renameOnly };
}

/** After the streams call: `retry` → look again after `retryDelaysMs[streamAttempt]`. A backfilled activity is old: its streams are final. */
export function planStreamOutcome(input: {
  reason: FetchReason;
  streamAttempt: number;
  hasData: boolean;
  retryDelaysMs: readonly number[];
}): { kind: 'ok' } | { kind: 'retry'; delayMs: number } | { kind: 'empty' } {
  if (input.hasData) return { kind: 'ok' };
  if (input.reason !== 'backfill' && input.streamAttempt < input.retryDelaysMs.length)
    return { kind: 'retry', delayMs: input.retryDelaysMs[input.streamAttempt]! };
  return { kind: 'empty' };
}
