import { randomBytes } from 'node:crypto';
import type { Env } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import { saveConnection } from '../../db/queries/connections.js';
import type { Provider } from '../../integrations/provider.js';
import { encryptSecret } from '../../lib/crypto.js';
import { AppError, BadRequestError, NotConfiguredError } from '../../lib/errors.js';
import type { Enqueue } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import type { Redis } from '../../lib/redis.js';
import { requireRunner } from '../runners.js';
import { consumeState, issueState } from './oauth-state.js';

/**
 * Connecting a runner's account on any platform (OAuth 2; docs/security.md, "Connecting a
 * platform"). The state is signed, expires, is bound to the browser and single-use
 * (oauth-state.ts); platforms with PKCE keep the verifier server-side with it. The callback checks
 * the state, the grant and the required scope, exchanges the code, asks the platform who connected,
 * stores the connection with AES-256-GCM encrypted tokens and queues the platform's backfill.
 */

export interface ConnectDeps {
  db: Db;
  redis: Redis;
  enqueue: Enqueue;
  env: Env;
  fetch: typeof fetch;
  now: () => Date;
  log: Logger;
}

export type ConnectResult =
  | { kind: 'connected'; runnerId: string; connectionId: string; externalId: string; reconnected: boolean }
  | { kind: 'missing_scope'; runnerId: string; granted: string[] }
  | { kind: 'denied'; runnerId: string }
  | { kind: 'athlete_taken'; runnerId: string }
  | { kind: 'other_athlete_connected'; runnerId: string };

export function callbackUrl(env: Pick<Env, 'PUBLIC_URL'>, provider: Pick<Provider, 'id'>): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, '')}/connect/${provider.id}/callback`;
}

function requireConfigured(deps: { env: Env }, provider: Provider): void {
  if (!provider.configured(deps.env)) throw new NotConfiguredError(provider.label);
}

/**
 * The platform's authorize URL for a runner, with a fresh single-use state bound to the browser
 * (`browserNonce` is the value of the HttpOnly cookie the connect start sets; see http/connect-flow.ts).
 */
export async function startConnect(
  deps: Pick<ConnectDeps, 'db' | 'redis' | 'env' | 'now'>,
  provider: Provider,
  runnerId: string,
  browserNonce: string,
): Promise<string> {
  requireConfigured(deps, provider);
  const runner = await requireRunner(deps, runnerId);
  // RFC 7636: 32 random bytes → 43 base64url characters
  const verifier = provider.pkce ? randomBytes(32).toString('base64url') : undefined;
  const state = await issueState(deps, provider.id, runner.id, browserNonce, verifier);
  return provider.authorizeUrl(deps.env, callbackUrl(deps.env, provider), state, verifier);
}

/** GET /connect/<platform>/callback: check the state, the grant and the scopes, store the tokens, queue the backfill. */
export async function completeConnect(
  deps: ConnectDeps,
  provider: Provider,
  query: Record<string, unknown>,
  browserNonce: string | undefined,
): Promise<ConnectResult> {
  requireConfigured(deps, provider);
  const { runnerId, verifier } = await consumeState(deps, provider.id, query.state, browserNonce, provider.pkce);

  if (typeof query.error === 'string') return { kind: 'denied', runnerId };
  const reported = provider.callbackScopes?.(query);
  if (reported && !reported.includes(provider.requiredScope)) return { kind: 'missing_scope', runnerId, granted: reported };
  if (typeof query.code !== 'string' || query.code.length === 0) throw new BadRequestError('the callback carries no authorisation code', 'missing_code');

  let grant;
  try {
    grant = await provider.exchangeCode(deps, { code: query.code, redirectUri: callbackUrl(deps.env, provider), verifier });
  } catch (err) {
    if (provider.isClientError(err))
      throw new BadRequestError(`${provider.label} refused the authorisation code (expired or already used); start again`, 'invalid_code');
    throw new AppError(502, `${provider.id}_unavailable`, `could not reach ${provider.label} to finish connecting: ${(err as Error).message}`);
  }
  let identity;
  try {
    identity = await provider.identify(deps, grant, reported);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(502, `${provider.id}_unavailable`, `${provider.label} did not say which account connected: ${(err as Error).message}`);
  }
  if (!identity.scopes.includes(provider.requiredScope)) return { kind: 'missing_scope', runnerId, granted: identity.scopes };

  const key = deps.env.tokenEncryptionKey;
  const saved = await saveConnection(deps.db, provider.id, runnerId, identity.externalId, {
    accessTokenEnc: encryptSecret(grant.accessToken, key),
    refreshTokenEnc: encryptSecret(grant.refreshToken, key),
    tokenExpiresAt: grant.expiresAt,
    scopes: identity.scopes,
    status: 'active',
    statusReason: null,
    backfillStatus: 'queued',
    backfillTotal: 0,
    backfillDone: 0,
    updatedAt: deps.now(),
  });
  if (saved.kind !== 'saved') return { kind: saved.kind, runnerId };

  await provider.startBackfill(deps, saved.id);
  deps.log.info(
    { runnerId, connectionId: saved.id, account: identity.externalId, reconnected: saved.reconnected },
    `${provider.id} connected; backfill queued`,
  );
  return { kind: 'connected', runnerId, connectionId: saved.id, externalId: identity.externalId, reconnected: saved.reconnected };
}
