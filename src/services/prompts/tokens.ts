import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, sha256Hex } from '../../lib/crypto.js';

/** 256 random bits, base64url (43 characters). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return sha256Hex(`pain-prompt:${token}`);
}

/** A new answer-link token: the hash is what lookups use; the encrypted copy lets reminders repeat the link. */
export function newPromptToken(key: Buffer): { token: string; hash: string; enc: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), enc: encryptSecret(token, key) };
}

export function answerUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/p/${token}`;
}

export function revealToken(enc: string, key: Buffer): string {
  return decryptSecret(enc, key);
}
