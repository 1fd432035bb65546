import { describe, expect, it } from 'vitest';
import { formatApiKey, hashApiKeySecret, newApiKeySecret, parseApiKey } from './api-keys.js';

const ID = '6f1c1a4e-2b9f-4c1e-9d7a-0123456789ab';

describe('API key form', () => {
  it('round-trips id and secret through ssk_<id>_<secret>, secrets with _ and - included', () => {
    for (let i = 0; i < 50; i++) {
      const secret = newApiKeySecret();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(parseApiKey(formatApiKey(ID, secret))).toEqual({ id: ID, secret });
    }
    const tricky = '_'.repeat(20) + '-'.repeat(23);
    expect(parseApiKey(`ssk_${ID}_${tricky}`)).toEqual({ id: ID, secret: tricky });
  });

  it('new secrets are random (256 bits)', () => {
    const seen = new Set(Array.from({ length: 200 }, () => newApiKeySecret()));
    expect(seen.size).toBe(200);
    expect(Buffer.from(newApiKeySecret(), 'base64url')).toHaveLength(32);
  });

  it('refuses anything else: env-style keys, wrong prefix, short or long secrets, upper-case or malformed ids', () => {
    const secret = newApiKeySecret();
    for (const bad of [
      'test-api-key',
      '',
      `ssk_${ID}`,
      `ssk_${ID}_`,
      `SSK_${ID}_${secret}`,
      `sk_${ID}_${secret}`,
      `ssk_${ID}_${secret.slice(1)}`,
      `ssk_${ID}_${secret}x`,
      `ssk_${ID.toUpperCase()}_${secret}`,
      `ssk_${ID.replace(/-/g, '')}_${secret}`,
      `ssk_${ID}_${secret.slice(0, 42)}=`,
      ` ssk_${ID}_${secret}`,
      `ssk_${ID}_${secret}\n`,
    ])
      expect(parseApiKey(bad), JSON.stringify(bad)).toBeNull();
  });

  it('hashes the secret with SHA-256 (hex), never returning the secret', () => {
    const secret = newApiKeySecret();
    const hash = hashApiKeySecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(hashApiKeySecret(secret)).toBe(hash);
    expect(hashApiKeySecret(newApiKeySecret())).not.toBe(hash);
  });
});
