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

describe('PUBLIC_URL in production', () => {
  const prod = { NODE_ENV: 'production', API_KEYS: 'k', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

  it('refuses a plain http PUBLIC_URL with a message naming the way out', () => {
    for (const url of ['http://run.example', 'http://10.0.0.5:3000', 'http://run.example/app/']) {
      expect(() => loadEnv({ ...prod, PUBLIC_URL: url }), url).toThrow(ConfigError);
      expect(() => loadEnv({ ...prod, PUBLIC_URL: url }), url).toThrow(/PUBLIC_URL: must be https:\/\/ in production.*ALLOW_INSECURE_PUBLIC_URL=true/);
    }
  });

  it('accepts https, http on this machine (localhost, 127.x, ::1, the default), and http when explicitly allowed', () => {
    expect(loadEnv({ ...prod, PUBLIC_URL: 'https://run.example' }).PUBLIC_URL).toBe('https://run.example');
    for (const url of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://app.localhost']) {
      expect(loadEnv({ ...prod, PUBLIC_URL: url }).PUBLIC_URL, url).toBe(url);
    }
    expect(loadEnv(prod).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadEnv({ ...prod, PUBLIC_URL: 'http://run.example', ALLOW_INSECURE_PUBLIC_URL: 'true' }).PUBLIC_URL).toBe('http://run.example');
    expect(() => loadEnv({ ...prod, PUBLIC_URL: 'http://run.example', ALLOW_INSECURE_PUBLIC_URL: 'false' })).toThrow(/PUBLIC_URL/);
    expect(() => loadEnv({ ...prod, ALLOW_INSECURE_PUBLIC_URL: 'yes' })).toThrow(/ALLOW_INSECURE_PUBLIC_URL/);
    // development and tests keep any URL
    expect(loadEnv({ PUBLIC_URL: 'http://run.example' }).PUBLIC_URL).toBe('http://run.example');
  });
});

describe('TRUST_PROXY', () => {
  it('defaults to loopback and accepts a hop count, false, or addresses, CIDRs and range names', () => {
    expect(loadEnv({}).TRUST_PROXY).toEqual(['loopback']);
    expect(loadEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadEnv({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: '0' }).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: ' 10.0.0.0/8, 172.16.0.0/12 ,fd00::/8,loopback,203.0.113.7 ' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '172.16.0.0/12',
      'fd00::/8',
      'loopback',
      '203.0.113.7',
    ]);
  });

  it('refuses true, nonsense and bad CIDRs with the variable named', () => {
    for (const bad of ['true', 'proxy.example', '10.0.0.0/33', '300.1.1.1', '11', '10.0.0.1/8/2', ',']) {
      expect(() => loadEnv({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: /);
    }
  });
});

describe('zip archive caps', () => {
  it('default to 20,000 records, 4 GiB inflated and a ratio of 100; sizes take units', () => {
    const env = loadEnv({});
    expect([env.ZIP_MAX_ENTRIES, env.ZIP_MAX_UNCOMPRESSED_BYTES, env.ZIP_MAX_RATIO]).toEqual([20_000, 4 * 1024 ** 3, 100]);
    expect(loadEnv({ ZIP_MAX_UNCOMPRESSED_BYTES: '2mb' }).ZIP_MAX_UNCOMPRESSED_BYTES).toBe(2 * 1024 ** 2);
    expect(() => loadEnv({ ZIP_MAX_UNCOMPRESSED_BYTES: 'lots' })).toThrow(/ZIP_MAX_UNCOMPRESSED_BYTES/);
    expect(() => loadEnv({ ZIP_MAX_ENTRIES: '0' })).toThrow(/ZIP_MAX_ENTRIES/);
    expect(() => loadEnv({ ZIP_MAX_RATIO: '0.5' })).toThrow(/ZIP_MAX_RATIO/);
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
