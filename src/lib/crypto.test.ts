import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, safeEqual } from './crypto.js';

describe('token encryption', () => {
  const key = randomBytes(32);

  it('round-trips a token and never stores the plain text', () => {
    const stored = encryptSecret('a4b9-access-token', key);
    expect(stored).not.toContain('a4b9');
    expect(decryptSecret(stored, key)).toBe('a4b9-access-token');
  });

  it('uses a fresh IV so the same token encrypts differently each time', () => {
    expect(encryptSecret('same', key)).not.toBe(encryptSecret('same', key));
  });

  it('refuses a tampered ciphertext', () => {
    const stored = encryptSecret('secret', key);
    const parts = stored.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 0xff;
    parts[3] = ct.toString('base64url');
    expect(() => decryptSecret(parts.join('.'), key)).toThrow();
  });

  it('refuses the wrong key', () => {
    expect(() => decryptSecret(encryptSecret('secret', key), randomBytes(32))).toThrow();
  });
});

describe('safeEqual', () => {
  it('compares equal and unequal strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
