import { describe, expect, it } from 'vitest';
import { checkHandshake, isDeauthorization, StravaEvent, stravaEventDedupeKey } from './webhook.js';

const create = {
  object_type: 'activity',
  object_id: 1360128428,
  aspect_type: 'create',
  updates: {},
  owner_id: 134815,
  subscription_id: 120475,
  event_time: 1516126040,
};

describe('StravaEvent', () => {
  it('accepts the documented bodies, with updates as strings', () => {
    const e = StravaEvent.parse({ ...create, aspect_type: 'update', updates: { title: 'Easy 5k', type: 'Run', private: 'true' } });
    expect(e.updates).toEqual({ title: 'Easy 5k', type: 'Run', private: 'true' });
  });

  it('turns boolean update values into the documented strings, and a missing updates into {}', () => {
    expect(StravaEvent.parse({ ...create, updates: { private: true } }).updates.private).toBe('true');
    const { updates: _u, ...noUpdates } = create;
    expect(StravaEvent.parse(noUpdates).updates).toEqual({});
  });

  it('refuses bodies that are not Strava events', () => {
    expect(StravaEvent.safeParse({ ...create, object_type: 'club' }).success).toBe(false);
    expect(StravaEvent.safeParse({ ...create, object_id: 'abc' }).success).toBe(false);
    expect(StravaEvent.safeParse({ ...create, object_id: -4 }).success).toBe(false);
    expect(StravaEvent.safeParse({ ...create, object_id: 1.5 }).success).toBe(false);
    expect(StravaEvent.safeParse({ ...create, owner_id: undefined }).success).toBe(false);
  });

  it('accepts numeric strings in every id field and keeps ids as exact decimal strings (above 2^53 too)', () => {
    const e = StravaEvent.parse({ ...create, object_id: '18014398509481985', owner_id: '134815', subscription_id: '1', event_time: '1516126040' });
    expect(e).toMatchObject({ object_id: '18014398509481985', owner_id: '134815', subscription_id: '1', event_time: 1516126040 });
    expect(StravaEvent.parse(create)).toMatchObject({ object_id: '1360128428', owner_id: '134815', subscription_id: '120475' });
  });

  it('recognises deauthorisation only from an athlete event with authorized "false"', () => {
    const deauth = StravaEvent.parse({ ...create, object_type: 'athlete', aspect_type: 'update', updates: { authorized: 'false' } });
    expect(isDeauthorization(deauth)).toBe(true);
    expect(isDeauthorization(StravaEvent.parse({ ...create, aspect_type: 'update', updates: { authorized: 'false' } }))).toBe(false);
  });

  it('keys redeliveries identically and different events differently', () => {
    const e = StravaEvent.parse(create);
    expect(stravaEventDedupeKey(e)).toBe('strava:activity:create:1360128428:1516126040');
    expect(stravaEventDedupeKey({ ...e, event_time: e.event_time + 1 })).not.toBe(stravaEventDedupeKey(e));
  });
});

describe('checkHandshake', () => {
  const q = { 'hub.mode': 'subscribe', 'hub.challenge': '15f7d1a91c1f40f8', 'hub.verify_token': 'secret' };

  it('echoes the challenge when the verify token matches', () => {
    expect(checkHandshake(q, 'secret')).toEqual({ ok: true, challenge: '15f7d1a91c1f40f8' });
  });

  it('refuses a wrong or missing verify token', () => {
    expect(checkHandshake({ ...q, 'hub.verify_token': 'nope' }, 'secret')).toEqual({ ok: false, reason: 'bad_verify_token' });
    expect(checkHandshake({ ...q, 'hub.verify_token': undefined }, 'secret')).toEqual({ ok: false, reason: 'bad_verify_token' });
  });

  it('refuses a request without a challenge', () => {
    expect(checkHandshake({ ...q, 'hub.challenge': undefined }, 'secret')).toEqual({ ok: false, reason: 'bad_request' });
  });
});
