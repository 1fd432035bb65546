import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from './env.js';

describe('loadEnv', () => {
  it('applies the documented defaults', () => {
    const env = loadEnv({ NODE_ENV: 'development' });
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/stridesync');
    expect(env.PORT).toBe(3000);
    expect(env.PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadEnv({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadEnv({ PUBLIC_URL: 'https://run.example/' }).PUBLIC_URL).toBe('https://run.example');
    expect(env.ROLE).toBe('all');
    expect(env.STRAVA_API_URL).toBe('https://www.strava.com/api/v3');
    expect(env.strava).toBeNull();
    expect(env.generated.apiKey).toBeTruthy();
    expect(env.tokenEncryptionKey).toHaveLength(32);
  });

  it('names the bad variable in one line', () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadEnv({ ROLE: 'both' })).toThrow(/ROLE/);
    expect(() => loadEnv({ TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/TOKEN_ENCRYPTION_KEY: must be 32 bytes/);
  });

  it('requires real secrets in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/API_KEYS: required in production/);
  });

  it('turns Strava on only when all three of its variables are set', () => {
    expect(loadEnv({ STRAVA_CLIENT_ID: '1', STRAVA_CLIENT_SECRET: 's' }).strava).toBeNull();
    expect(loadEnv({ STRAVA_CLIENT_ID: '1', STRAVA_CLIENT_SECRET: 's', STRAVA_VERIFY_TOKEN: 'v' }).strava).toEqual({
      clientId: '1',
      clientSecret: 's',
      verifyToken: 'v',
    });
  });
});

describe('.env.example', () => {
  it('documents every variable the schema reads', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const { EnvSchema } = await import('./env.js');
    const missing = Object.keys(EnvSchema.shape).filter((k) => !new RegExp(`^#?\\s*${k}=`, 'm').test(text));
    expect(missing).toEqual([]);
  });
});

describe('notify pushes', () => {
  it('refuses a push URL without a signing secret', () => {
    expect(() => loadEnv({ NOTIFY_WEBHOOK_URL: 'https://hooks.example/in' })).toThrow(/NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set/);
    expect(loadEnv({ NOTIFY_WEBHOOK_URL: 'https://hooks.example/in', NOTIFY_WEBHOOK_SECRET: 's' }).NOTIFY_WEBHOOK_URL).toBe('https://hooks.example/in');
  });

  it('accepts a whsec_ secret with a base64 key and any plain string, and refuses a whsec_ secret that is not base64', () => {
    const url = 'https://hooks.example/in';
    const whsec = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    expect(loadEnv({ NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: whsec }).NOTIFY_WEBHOOK_SECRET).toBe(whsec);
    expect(loadEnv({ NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: 'a plain shared secret' }).NOTIFY_WEBHOOK_SECRET).toBe('a plain shared secret');
    for (const bad of ['whsec_', 'whsec_not base64!', 'whsec_abc'])
      expect(() => loadEnv({ NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: bad })).toThrow(
        /NOTIFY_WEBHOOK_SECRET: a whsec_ secret must be followed by its key in base64/,
      );
  });
});
