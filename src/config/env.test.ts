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
});

describe('data exports', () => {
  it('defaults to a directory under the OS temp dir, a 24-hour link and a 60-minute grace after the download', async () => {
    const { tmpdir } = await import('node:os');
    const env = loadEnv({ NODE_ENV: 'development' });
    expect(env.EXPORT_DIR.startsWith(tmpdir())).toBe(true);
    expect(env.EXPORT_LINK_TTL_HOURS).toBe(24);
    expect(env.EXPORT_DOWNLOAD_GRACE_MINUTES).toBe(60);
    expect(loadEnv({ EXPORT_DIR: './data/exports', EXPORT_LINK_TTL_HOURS: '48' })).toMatchObject({ EXPORT_DIR: './data/exports', EXPORT_LINK_TTL_HOURS: 48 });
  });

  it('refuses an unusable link lifetime or grace, naming the variable', () => {
    expect(() => loadEnv({ EXPORT_LINK_TTL_HOURS: '0' })).toThrow(/EXPORT_LINK_TTL_HOURS: at least 1/);
    expect(() => loadEnv({ EXPORT_LINK_TTL_HOURS: '1.5' })).toThrow(/EXPORT_LINK_TTL_HOURS: whole hours/);
    expect(() => loadEnv({ EXPORT_DOWNLOAD_GRACE_MINUTES: '20000' })).toThrow(/EXPORT_DOWNLOAD_GRACE_MINUTES: at most 10080/);
    expect(() => loadEnv({ EXPORT_DIR: '  ' })).toThrow(ConfigError);
  });
});
