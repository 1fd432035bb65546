import type { CallPurpose, CallScope, Provider } from '../../integrations/provider.js';
import { PermanentJobError } from '../../lib/errors.js';
import { getAccessToken, markNeedsReauth, type TokenDeps } from './token-store.js';

/**
 * A platform's calls for one connection within one job — every call to every platform goes through
 * here. Before each call the platform's `before` hook runs (Strava: the shared rate budget); a 401
 * refreshes the token once and retries, and a 401 with a freshly refreshed token means the runner
 * withdrew access: the connection is marked `needs_reauth` and the job fails for good
 * (`<platform>_unauthorized`). Other errors go through the platform's `onError` (Strava: a 429
 * blocks every worker and becomes a delay) and are rethrown.
 */

export type SessionDeps = TokenDeps;

export class ProviderSession<Api> {
  private token: string | null = null;
  private api: Api | null = null;
  private fresh = false;
  private readonly scope: CallScope<Api>;

  constructor(
    private readonly deps: SessionDeps,
    private readonly provider: Provider<Api>,
    private readonly connectionId: string,
    purpose: CallPurpose = 'webhook',
  ) {
    this.scope = provider.callScope(deps, purpose);
  }

  private async open(rejected?: string): Promise<Api> {
    const t = await getAccessToken(this.deps, this.provider as Provider, this.connectionId, rejected ? { rejected } : {});
    this.token = t.token;
    this.fresh = t.refreshed;
    this.api = this.scope.api(t.token);
    return this.api;
  }

  async call<T>(fn: (api: Api) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.scope.before?.();
      const api = this.api ?? (await this.open());
      try {
        return await fn(api);
      } catch (err) {
        if (this.provider.isUnauthorized(err)) {
          if (this.fresh || attempt > 0) {
            await markNeedsReauth(this.deps, this.connectionId, 'unauthorized_after_refresh');
            throw new PermanentJobError(
              `${this.provider.id}_unauthorized`,
              `${this.provider.label} answered 401 to a freshly refreshed token: access was revoked`,
            );
          }
          await this.open(this.token ?? undefined);
          continue;
        }
        await this.scope.onError?.(err);
        throw err;
      }
    }
  }
}

/** A session for `connectionId` with `provider`. */
export function openSession<Api>(deps: SessionDeps, provider: Provider<Api>, connectionId: string, purpose: CallPurpose = 'webhook'): ProviderSession<Api> {
  return new ProviderSession(deps, provider, connectionId, purpose);
}
