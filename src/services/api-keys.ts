import type { Db } from '../db/client.js';
import { findApiKey, findApiKeyByName, insertApiKey, listApiKeyRows, revokeApiKeyRow, touchApiKey, type ApiKeyRow } from '../db/queries/api-keys.js';
import { KEY_SCOPES, type KeyGrant, type KeyScope } from '../domain/api-access.js';
import { formatApiKey, hashApiKeySecret, newApiKeySecret, parseApiKey } from '../lib/api-keys.js';
import { safeEqual } from '../lib/crypto.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { requireRunner } from './runners.js';

/** A key as an operator sees it: never its secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  scope: KeyScope;
  runnerId: string | null;
  readOnly: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who made a request: the key's name (for the log line) and what it may do. */
export interface ApiKeyIdentity extends KeyGrant {
  name: string;
}

/** A use is written to `last_used_at` at most this often per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/;

export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    runnerId: row.runnerId,
    readOnly: row.readOnly,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Creates a key; the answer holds the full key, which is shown this once and never stored. */
export async function createApiKey(
  deps: { db: Db },
  input: { name: string; scope: string; runnerId?: string | undefined; readOnly?: boolean | undefined },
): Promise<{ key: string; view: ApiKeyView }> {
  const name = input.name.trim();
  if (!NAME.test(name)) throw new ValidationError('name: 1–64 characters (letters, digits, space . _ @ : -), starting with a letter or digit');
  if (isUuid(name)) throw new ValidationError('name: a key id cannot be used as a name');
  if (!(KEY_SCOPES as readonly string[]).includes(input.scope)) throw new ValidationError(`scope: one of ${KEY_SCOPES.join(', ')}`);
  const scope = input.scope as KeyScope;
  if (scope === 'runner' && !input.runnerId) throw new ValidationError('a runner key needs the runner it is bound to (--runner <id>)');
  if (scope !== 'runner' && input.runnerId) throw new ValidationError(`only a runner key is bound to a runner (this one is ${scope})`);
  if (scope !== 'runner' && input.readOnly)
    throw new ValidationError(scope === 'read' ? 'a read key is always read-only' : 'only a runner key can be made read-only');
  const runnerId = scope === 'runner' ? (await requireRunner(deps, input.runnerId!)).id : null;
  const secret = newApiKeySecret();
  const row = await insertApiKey(deps.db, { name, scope, runnerId, readOnly: Boolean(input.readOnly), secretHash: hashApiKeySecret(secret) });
  if (!row) throw new ConflictError(`an API key named "${name}" already exists`, 'api_key_name_taken');
  return { key: formatApiKey(row.id, secret), view: apiKeyView(row) };
}

export async function listApiKeys(deps: { db: Db }): Promise<ApiKeyView[]> {
  return (await listApiKeyRows(deps.db)).map(apiKeyView);
}

/** Revokes a key found by its name or its id; revoking a revoked key changes nothing. */
export async function revokeApiKey(deps: { db: Db; now: () => Date }, nameOrId: string): Promise<ApiKeyView> {
  const row = (isUuid(nameOrId) ? await findApiKey(deps.db, nameOrId.toLowerCase()) : undefined) ?? (await findApiKeyByName(deps.db, nameOrId));
  if (!row) throw new NotFoundError(`no API key named or with id "${nameOrId}"`, 'api_key_not_found');
  return apiKeyView((await revokeApiKeyRow(deps.db, row.id, deps.now()))!);
}

export type KeyCheck = { ok: true; identity: ApiKeyIdentity } | { ok: false; reason: 'unknown' | 'revoked' };

/**
 * A presented database key: its row found by the id in the key, the secret's hash compared in
 * constant time, a revoked key refused, and the use recorded (at most once a minute).
 */
export async function checkApiKey(deps: { db: Db; now: () => Date }, presented: string): Promise<KeyCheck> {
  const parsed = parseApiKey(presented);
  if (!parsed) return { ok: false, reason: 'unknown' };
  const row = await findApiKey(deps.db, parsed.id);
  const hash = hashApiKeySecret(parsed.secret);
  // compared even without a row, so an unknown id costs the same as a wrong secret
  const matches = safeEqual(row?.secretHash ?? '0'.repeat(64), hash);
  if (!row || !matches) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  const now = deps.now();
  const since = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  if (!row.lastUsedAt || row.lastUsedAt < since) await touchApiKey(deps.db, row.id, now, since);
  return { ok: true, identity: { name: row.name, scope: row.scope, runnerId: row.runnerId, readOnly: row.readOnly } };
}
