import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * In development the API key and token-encryption key are generated on first start and kept in
 * `.stridesync-dev.json` (git-ignored), so a restart can still decrypt the tokens it stored and the
 * printed key keeps working. Never used when NODE_ENV=production.
 */
export const DEV_SECRETS_FILE = resolve(process.cwd(), '.stridesync-dev.json');

export function withDevSecrets(source: Record<string, string | undefined>): Record<string, string | undefined> {
  if (source.NODE_ENV === 'production' || source.NODE_ENV === 'test' || !existsSync(DEV_SECRETS_FILE)) return source;
  const saved = JSON.parse(readFileSync(DEV_SECRETS_FILE, 'utf8')) as {
    API_KEYS?: string;
    TOKEN_ENCRYPTION_KEY?: string;
    VAPID_PUBLIC_KEY?: string;
    VAPID_PRIVATE_KEY?: string;
  };
  const ownVapid = Boolean(source.VAPID_PUBLIC_KEY || source.VAPID_PRIVATE_KEY);
  return {
    ...source,
    API_KEYS: source.API_KEYS || saved.API_KEYS,
    TOKEN_ENCRYPTION_KEY: source.TOKEN_ENCRYPTION_KEY || saved.TOKEN_ENCRYPTION_KEY,
    VAPID_PUBLIC_KEY: ownVapid ? source.VAPID_PUBLIC_KEY : saved.VAPID_PUBLIC_KEY,
    VAPID_PRIVATE_KEY: ownVapid ? source.VAPID_PRIVATE_KEY : saved.VAPID_PRIVATE_KEY,
  };
}

export function saveDevSecrets(
  generated: { apiKey?: string; tokenEncryptionKey?: string; vapidPublicKey?: string; vapidPrivateKey?: string },
  source: Record<string, string | undefined>,
): void {
  if (!generated.apiKey && !generated.tokenEncryptionKey && !generated.vapidPublicKey) return;
  if (source.NODE_ENV === 'test') return;
  const current = existsSync(DEV_SECRETS_FILE) ? (JSON.parse(readFileSync(DEV_SECRETS_FILE, 'utf8')) as Record<string, string>) : {};
  if (generated.apiKey) current.API_KEYS = generated.apiKey;
  if (generated.tokenEncryptionKey) current.TOKEN_ENCRYPTION_KEY = generated.tokenEncryptionKey;
  if (generated.vapidPublicKey && generated.vapidPrivateKey) {
    current.VAPID_PUBLIC_KEY = generated.vapidPublicKey;
    current.VAPID_PRIVATE_KEY = generated.vapidPrivateKey;
  }
  writeFileSync(DEV_SECRETS_FILE, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
}
