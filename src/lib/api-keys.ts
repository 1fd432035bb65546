import { randomBytes } from 'node:crypto';
import { sha256Hex } from './crypto.js';

/**
 * The form of a database API key: `ssk_<key id>_<secret>`. The id (a UUID) finds the row without
 * scanning; the secret is 256 random bits (43 base64url characters), of which only the SHA-256 is
 * stored, compared in constant time.
 */

const KEY_FORM = /^ssk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function newApiKeySecret(): string {
  return randomBytes(32).toString('base64url');
}

export function formatApiKey(id: string, secret: string): string {
  return `ssk_${id}_${secret}`;
}

/** The key's id and secret, or null when the text does not have the form of a database key. */
export function parseApiKey(presented: string): ParsedApiKey | null {
  const m = KEY_FORM.exec(presented);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function hashApiKeySecret(secret: string): string {
  return sha256Hex(secret);
}
