import { describe, expect, it } from 'vitest';
import { planAfterDetail, planDetail, planStravaEvent, planStreamOutcome, type FetchReason, type StoredState } from './strava-fetch-plan.js';

const ev = (objectType: 'activity' | 'athlete', aspect: 'create' | 'update' | 'delete', updates: Record<string, string> = {}) => ({
  objectType,
  aspect,
  updates,
});
const row = { deleted: false };

describe('planStravaEvent: what an inbox event asks for', () => {
  it.each([
    ['create', ev('activity', 'create'), 'active', null, { action: 'fetch', reason: 'webhook' }],
    ['update: title', ev('activity', 'update', { title: 'Morning run' }), 'active', null, { action: 'fetch', reason: 'update' }],
    ['update: type', ev('activity', 'update', { type: 'Ride' }), 'active', null, { action: 'fetch', reason: 'update' }],
    ['update: privacy', ev('activity', 'update', { private: 'true' }), 'active', null, { action: 'fetch', reason: 'update' }],
    ['update: visibility', ev('activity', 'update', { visibility: 'only_me' }), 'active', null, { action: 'fetch', reason: 'update' }],
    ['create, connection needs_reauth', ev('activity', 'create'), 'needs_reauth', null, { action: 'ignore', outcome: 'ignored_inactive_connection' }],
    ['update, connection revoked', ev('activity', 'update', { title: 'x' }), 'revoked', null, { action: 'ignore', outcome: 'ignored_inactive_connection' }],
    ['delete of a stored activity', ev('activity', 'delete'), 'active', row, { action: 'confirm_delete' }],
    ['delete of an unknown activity', ev('activity', 'delete'), 'active', null, { action: 'ignore', outcome: 'delete_unknown_activity' }],
    ['delete of an already deleted activity', ev('activity', 'delete'), 'active', { deleted: true }, { action: 'ignore', outcome: 'delete_unknown_activity' }],
    [
      'delete, connection needs_reauth (cannot be confirmed)',
      ev('activity', 'delete'),
      'needs_reauth',
      row,
      { action: 'ignore', outcome: 'delete_not_confirmed' },
    ],
    ['deauthorization', ev('athlete', 'update', { authorized: 'false' }), 'active', null, { action: 'confirm_deauthorization' }],
    ['deauthorization, connection needs_reauth', ev('athlete', 'update', { authorized: 'false' }), 'needs_reauth', null, { action: 'confirm_deauthorization' }],
    ['other athlete update', ev('athlete', 'update', { name: 'x' }), 'active', null, { action: 'ignore', outcome: 'ignored_athlete_update' }],
    [
      'authorized on an activity is not a deauthorization',
      ev('activity', 'update', { authorized: 'false' }),
      'active',
      null,
      { action: 'fetch', reason: 'update' },
    ],
  ] as const)('%s', (_name, event, connectionStatus, activity, expected) => {
    expect(planStravaEvent(event, { connectionStatus, activity })).toEqual(expected);
  });
});

const stored = (over: Partial<StoredState> & { payload?: StoredState['payload'] } = {}): StoredState => ({
  deleted: false,
  status: 'ready',
  payload: { sportType: 'Run', streamsStatus: 'ok', hasStreams: true },
  ...over,
});
const run = { sportType: 'Run', isRun: true, manual: false };

describe('planDetail: whether GET /activities/{id} is called', () => {
  it.each<[string, FetchReason, number, StoredState | null, boolean]>([
    ['create, nothing stored', 'webhook', 0, null, true],
    ['create, stored (redelivery)', 'webhook', 0, stored(), true],
    ['stream re-check of a create', 'webhook', 1, stored({ payload: { sportType: 'Run', streamsStatus: 'pending', hasStreams: false } }), false],
    ['update always re-reads the detail', 'update', 0, stored(), true],
    [
      'backfilled row with its list summary',
      'backfill',
      0,
      stored({ status: 'queued', payload: { sportType: 'Run', streamsStatus: 'pending', hasStreams: false } }),
      false,
    ],
    ['backfill, nothing stored', 'backfill', 0, null, true],
    ['deleted row: fetched afresh', 'backfill', 0, stored({ deleted: true }), true],
    ['stored row with an unreadable payload', 'webhook', 2, stored({ payload: null }), true],
  ])('%s', (_name, reason, streamAttempt, s, expected) => {
    expect(planDetail({ reason, streamAttempt, stored: s })).toBe(expected);
  });
});

describe('planAfterDetail: streams, re-derivation, re-classification, restore', () => {
  it.each<[string, FetchReason, StoredState | null, typeof run, Partial<ReturnType<typeof planAfterDetail>>]>([
    ['create of a run: fetch streams, derive', 'webhook', null, run, { streamsStatus: 'pending', derive: true, reclassify: false, restore: false }],
    ['create of a manual run: no streams', 'webhook', null, { ...run, manual: true }, { streamsStatus: 'skipped', derive: true }],
    [
      'create of a ride: no streams, derived (not counted)',
      'webhook',
      null,
      { sportType: 'Ride', isRun: false, manual: false },
      { streamsStatus: 'skipped', derive: true },
    ],
    ['update: title on a ready run → stored, not derived again', 'update', stored(), run, { streamsStatus: 'ok', reuseStreams: true, derive: false }],
    [
      'update: type Run → Ride → re-classified',
      'update',
      stored(),
      { sportType: 'Ride', isRun: false, manual: false },
      { reclassify: true, derive: true, streamsStatus: 'ok' },
    ],
    [
      'update: type Ride → Run → streams fetched, derived',
      'update',
      stored({ payload: { sportType: 'Ride', streamsStatus: 'skipped', hasStreams: false } }),
      run,
      { reclassify: true, streamsStatus: 'pending', derive: true },
    ],
    [
      'update on a ready run whose streams came back empty: stays empty',
      'update',
      stored({ payload: { sportType: 'Run', streamsStatus: 'empty', hasStreams: false } }),
      run,
      { streamsStatus: 'empty', derive: false },
    ],
    [
      'update while the create still waits for streams: that job finishes',
      'update',
      stored({ status: 'processing', payload: { sportType: 'Run', streamsStatus: 'pending', hasStreams: false } }),
      run,
      { streamsStatus: 'pending', derive: false },
    ],
    ['update of a failed row: derived again', 'update', stored({ status: 'failed' }), run, { derive: true }],
    [
      'update of a soft-deleted row: restored and derived',
      'update',
      stored({ deleted: true }),
      run,
      { restore: true, derive: true, streamsStatus: 'pending', reclassify: false },
    ],
    [
      'backfill fetch of a listed row',
      'backfill',
      stored({ status: 'queued', payload: { sportType: 'Run', streamsStatus: 'pending', hasStreams: false } }),
      run,
      { streamsStatus: 'pending', derive: true },
    ],
  ])('%s', (_name, reason, s, fetched, expected) => {
    expect(planAfterDetail({ reason, stored: s, fetched })).toMatchObject(expected);
  });
});

describe('planStreamOutcome', () => {
  const delays = [300_000, 900_000, 2_700_000];
  it.each<[string, FetchReason, number, boolean, ReturnType<typeof planStreamOutcome>]>([
    ['streams arrived', 'webhook', 0, true, { kind: 'ok' }],
    ['empty on the first look: again in 5 min', 'webhook', 0, false, { kind: 'retry', delayMs: 300_000 }],
    ['empty on the third look: again in 45 min', 'webhook', 2, false, { kind: 'retry', delayMs: 2_700_000 }],
    ['empty after every retry: the summary', 'webhook', 3, false, { kind: 'empty' }],
    ['backfill: final at once', 'backfill', 0, false, { kind: 'empty' }],
  ])('%s', (_name, reason, streamAttempt, hasData, expected) => {
    expect(planStreamOutcome({ reason, streamAttempt, hasData, retryDelaysMs: delays })).toEqual(expected);
  });
});
