import { describe, expect, it } from 'vitest';
import { authorizeUrl, parseScopes } from './oauth.js';

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
