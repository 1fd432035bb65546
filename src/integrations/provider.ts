import type { Env } from '../config/env.js';
import type { Enqueue } from '../jobs/queues.js';
import type { JobName } from '../jobs/catalog.js';
import type { Redis } from '../lib/redis.js';

/**
 * What stridesync needs from a platform (Strava, Garmin, …), and nothing more. Everything that is the
 * same on every platform — the locked token store, the signed single-use OAuth state, the connect
 * flow, the session that refreshes once on a 401 and then marks the connection `needs_reauth`, the
 * disconnect, the inbox-row wrapper — lives once in `src/services/connections/` and
 * `src/services/inbox/` and talks to a platform only through this interface. A platform is one
 * adapter folder under `src/integrations/<platform>/` plus one line in `src/integrations/registry.ts`
 * (docs/architecture.md, "Adding a platform").
 */

/** What the adapters read at run time: their own configuration, outbound HTTP, the clock, Redis. */
export interface ProviderContext {
  env: Env;
  fetch: typeof fetch;
  now: () => Date;
  redis: Redis;
}

/** A token answer, in absolute time (platforms say `expires_at` or `expires_in`). */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  /** the platform's id of the account, when the token answer names it (Strava's `athlete.id`) */
  externalId?: string | undefined;
}

/** The account that connected and what it granted. */
export interface Identity {
  externalId: string;
  scopes: string[];
}

/** Why a call is made: platforms with a shared budget keep room for webhook work. */
export type CallPurpose = 'webhook' | 'backfill';

/**
 * One job's calls to the platform with one connection. `api(token)` builds the typed client;
 * `before` runs before every call (Strava: the shared rate budget); `onError` may turn a platform
 * error into another (Strava: a 429 blocks every worker and becomes a delay). A 401 is handled by the
 * generic session (services/connections/session.ts), never here.
 */
export interface CallScope<Api> {
  api(accessToken: string): Api;
  before?(): Promise<void>;
  onError?(err: unknown): Promise<void>;
}

/** The per-platform words of the connect result pages (the common outcomes share one text). */
export interface ConnectPages {
  connected: string[];
  missingScope: { title: string; paragraphs: string[] };
  /** OpenAPI summaries of GET /connect/<id> and its callback */
  startSummary: string;
  callbackSummary: string;
  missingScopeDescription: string;
}

/**
 * What one notification (one inbox row) asks for, per account it names. Used by the generic
 * notification path (services/inbox/handle-generic.ts) for platforms without their own use case.
 */
export type NotificationMeaning =
  { kind: 'activity'; externalUserId: string; activityId: string } | { kind: 'deauthorized'; externalUserId: string } | { kind: 'ignored'; reason: string };

/** A fetched activity, in a form the ingestion pipeline takes: a FIT file goes through `run.import-fit`. */
export type FetchedActivity = { kind: 'fit'; bytes: Buffer };

export interface Provider<Api = unknown> {
  /** the `provider` of its connections and the `source` of its activities; also the URL segment */
  readonly id: string;
  /** how runners know it: "Strava" */
  readonly label: string;
  /** the scope or permission without which nothing useful arrives */
  readonly requiredScope: string;
  /** OAuth 2 with PKCE: a verifier is kept server-side with the state */
  readonly pkce: boolean;
  /** the job that handles one of its inbox rows (swept back when lost), if it has a platform-specific one */
  readonly inboxJob?: JobName;
  readonly pages: ConnectPages;

  configured(env: Env): boolean;
  authorizeUrl(env: Env, redirectUri: string, state: string, verifier: string | undefined): string;
  /** Scopes the callback query itself reports (Strava), checked before the code is spent; absent when only the API says (Garmin). */
  callbackScopes?(query: Record<string, unknown>): string[];
  exchangeCode(ctx: ProviderContext, input: { code: string; redirectUri: string; verifier: string | undefined }): Promise<TokenGrant>;
  /** Who connected and what they granted; `callbackScopes` is what the callback said, if the platform says it there. */
  identify(ctx: ProviderContext, grant: TokenGrant, callbackScopes: string[] | undefined): Promise<Identity>;
  refresh(ctx: ProviderContext, refreshToken: string): Promise<TokenGrant>;
  /** the token endpoint refused the grant for good (revoked, rotated away) */
  isRefusedGrant(err: unknown): boolean;
  /** the platform refused the request itself (4xx): an expired or replayed code, not an outage */
  isClientError(err: unknown): boolean;
  /** a 401 from the API: the access token is not (or no longer) honoured */
  isUnauthorized(err: unknown): boolean;
  /** a 404 from the API */
  isNotFound(err: unknown): boolean;
  callScope(ctx: ProviderContext, purpose: CallPurpose): CallScope<Api>;
  /**
   * The runner disconnects: tell the platform to drop our access. `call` is the session (401 →
   * refresh once); `refreshToken` is the decrypted stored one. Resolves false when there was nothing to
   * tell (not attempted); throws when the platform could not be reached or refused.
   */
  revokeUpstream(
    ctx: ProviderContext,
    conn: { status: string; refreshToken: string | null },
    call: <T>(fn: (api: Api) => Promise<T>) => Promise<T>,
  ): Promise<boolean>;
  /** Queue the history import a fresh connection starts with. */
  startBackfill(deps: { enqueue: Enqueue }, connectionId: string): Promise<void>;

  /** The generic notification path (platforms without their own handler): what a stored notification asks for. */
  interpret?(payload: unknown): NotificationMeaning[];
  /** The generic notification path: fetch one activity. */
  fetchActivity?(api: Api, activityId: string): Promise<FetchedActivity>;
}
