import { describe, expect, it } from 'vitest';
import { authorizeUrl, parseScopes, signState, verifyState } from './oauth.js';

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
});

describe('authorizeUrl', () => {
  it('asks for read,activity:read_all with the state and the configured host', () => {
    const url = authorizeUrl({ oauthUrl: 'https://strava.test/oauth/', clientId: '123' }, 'https://app.example/connect/strava/callback', 'st');
    expect(url.startsWith('https://strava.test/oauth/authorize?')).toBe(true);
    const q = new URL(url).searchParams;
    expect(q.get('scope')).toBe('read,activity:read_all');
    expect(url).toContain('scope=read,activity:read_all');
    expect(q.get('state')).toBe('st');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('redirect_uri')).toBe('https://app.example/connect/strava/callback');
  });
});

describe('parseScopes', () => {
  it('splits the granted scope list', () => {
    expect(parseScopes('read,activity:read')).toEqual(['read', 'activity:read']);
    expect(parseScopes(undefined)).toEqual([]);
  });
});
