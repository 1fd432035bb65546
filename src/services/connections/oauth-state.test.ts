import { describe, expect, it } from 'vitest';
import { signState, statePurpose, verifyState } from './oauth-state.js';

const key = Buffer.alloc(32, 3);
const now = new Date('2026-05-01T10:00:00Z');
const payload = { r: '6f1c1a4e-2b9f-4c1e-9d7a-000000000001', n: 'nonce', e: now.getTime() / 1000 + 600 };

describe('OAuth state', () => {
  it('round-trips a signed state before it expires', () => {
    expect(verifyState(signState(payload, key), key, now)).toEqual({ ok: true, payload });
  });

  it('refuses a tampered, foreign-key, expired or malformed state', () => {
    const state = signState(payload, key);
    const [body, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, r: 'someone-else' })).toString('base64url');
    expect(verifyState(`${forged}.${mac}`, key, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyState(state, Buffer.alloc(32, 4), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyState(state, key, new Date(now.getTime() + 601_000))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyState(body!, key, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keeps Garmin and Strava states apart (separate MAC domains)', () => {
    const key = Buffer.alloc(32, 1);
    const now = new Date('2026-05-01T10:00:00Z');
    const s = signState({ r: 'r', n: 'n', e: now.getTime() / 1000 + 60 }, key, statePurpose('garmin'));
    expect(verifyState(s, key, now, statePurpose('garmin')).ok).toBe(true);
    expect(verifyState(s, key, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('names each platform its own MAC domain', () => {
    expect(statePurpose('strava')).toBe('strava-oauth-state');
    expect(statePurpose('garmin')).toBe('garmin-oauth-state');
  });
});
