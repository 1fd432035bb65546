import { describe, expect, it } from 'vitest';
import { defaultRedisPrefix, loadEnv } from './env.js';

describe('REDIS_PREFIX default', () => {
  it('is derived from the database name, so two deployments on one Redis use separate queues', () => {
    const prod = loadEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/stridesync' });
    const staging = loadEnv({ DATABASE_URL: 'postgres://postgres@db.internal:5432/stridesync_staging?sslmode=require' });
    expect(prod.REDIS_PREFIX).toBe('stridesync-stridesync');
    expect(staging.REDIS_PREFIX).toBe('stridesync-stridesync_staging');
    expect(prod.REDIS_PREFIX).not.toBe(staging.REDIS_PREFIX);
  });

  it('keeps an explicit prefix (tests and benchmarks set their own) and treats an empty one as unset', () => {
    expect(loadEnv({ REDIS_PREFIX: 't-123-abc', DATABASE_URL: 'postgres://x@h/other' }).REDIS_PREFIX).toBe('t-123-abc');
    expect(loadEnv({ REDIS_PREFIX: '', DATABASE_URL: 'postgres://x@h/other' }).REDIS_PREFIX).toBe('stridesync-other');
    expect(() => loadEnv({ REDIS_PREFIX: 'a:b' })).toThrow(/REDIS_PREFIX/);
  });

  it('replaces characters a key prefix must not carry', () => {
    expect(defaultRedisPrefix('postgres://h/my%20db.v2')).toBe('stridesync-my_db_v2');
  });
});
