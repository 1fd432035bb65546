import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizeUrl, createPkceVerifier, exchangeCode, isRefusedGrant, pkceChallenge, refreshAccessToken } from './oauth.js';

const cfg = { oauthUrl: 'https://connect.garmin.test/', tokenUrl: 'https://diauth.garmin.test/token', clientId: 'cid', clientSecret: 'csecret' };

describe('PKCE', () => {
  it('makes RFC 7636 verifiers and the S256 challenge', () => {
    const v = createPkceVerifier();
    expect(v).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(createPkceVerifier()).not.toBe(v);
    // RFC 7636 appendix B
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(pkceChallenge(v)).toBe(createHash('sha256').update(v).digest('base64url'));
  });

  it('builds the oauth2Confirm URL with the challenge, never the verifier', () => {
    const url = new URL(authorizeUrl(cfg, 'https://app.example/connect/garmin/callback', 'st.ate', 'the-verifier'));
    expect(`${url.origin}${url.pathname}`).toBe('https://connect.garmin.test/oauth2Confirm');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'cid',
      code_challenge: pkceChallenge('the-verifier'),
      code_challenge_method: 'S256',
      redirect_uri: 'https://app.example/connect/garmin/callback',
      state: 'st.ate',
    });
    expect(url.toString()).not.toContain('the-verifier');
  });
});

function fakeFetch(status: number, body: unknown, seen: Array<{ url: string; init: RequestInit }>): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
}

describe('token endpoint', () => {
  const answer = { access_token: 'a', refresh_token: 'r2', expires_in: 86400, refresh_token_expires_in: 7775998, token_type: 'bearer', extra: 1 };

  it('exchanges a code with the PKCE verifier and redirect_uri (form body)', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const res = await exchangeCode(cfg, fakeFetch(200, answer, seen), { code: 'c0de', verifier: 'v3r', redirectUri: 'https://app.example/cb' });
    expect(res.access_token).toBe('a');
    expect(seen[0]!.url).toBe(cfg.tokenUrl);
    expect(Object.fromEntries(new URLSearchParams(String(seen[0]!.init.body)))).toEqual({
      client_id: 'cid',
      client_secret: 'csecret',
      grant_type: 'authorization_code',
      code: 'c0de',
      code_verifier: 'v3r',
      redirect_uri: 'https://app.example/cb',
    });
  });

  it('refreshes, and classifies a refused grant as final', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    await refreshAccessToken(cfg, fakeFetch(200, answer, seen), 'r1');
    expect(new URLSearchParams(String(seen[0]!.init.body)).get('refresh_token')).toBe('r1');
    const refused = await refreshAccessToken(cfg, fakeFetch(400, { error: 'invalid_grant' }, []), 'r1').catch((e: unknown) => e);
    expect(isRefusedGrant(refused)).toBe(true);
    const down = await refreshAccessToken(cfg, fakeFetch(503, 'x', []), 'r1').catch((e: unknown) => e);
    expect(isRefusedGrant(down)).toBe(false);
    await expect(refreshAccessToken(cfg, fakeFetch(200, { access_token: 'a' }, []), 'r1')).rejects.toThrow(/unexpected shape/);
  });
});
