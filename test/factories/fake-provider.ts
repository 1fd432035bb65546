import { z } from 'zod';
import type { NotificationMeaning, Provider } from '../../src/integrations/provider.js';
import { postTokenForm } from '../../src/lib/token-endpoint.js';

/**
 * A third platform that exists only in tests: the proof that a new platform costs one adapter and one
 * registry entry (docs/architecture.md, "Adding a platform"). OAuth 2 with PKCE against a token
 * endpoint nock intercepts, scopes reported on the callback like Strava's, activities fetched as FIT
 * files, notifications `{ events: [{ user, activity } | { user, deauthorized: true }] }`.
 */

export const FAKE_ORIGIN = 'https://fake-platform.test';

export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeApi {
  activityFile(id: string): Promise<Buffer>;
  revoke(): Promise<void>;
}

const TokenAnswer = z.object({ access_token: z.string(), refresh_token: z.string(), expires_in: z.number(), user_id: z.string().optional() });
const Notification = z.object({
  events: z.array(z.union([z.object({ user: z.string(), activity: z.string() }), z.object({ user: z.string(), deauthorized: z.literal(true) })])),
});

export function createFakeProvider(o: { origin?: string; id?: string } = {}): Provider {
  const origin = o.origin ?? FAKE_ORIGIN;
  const token = (fetchFn: typeof fetch, now: Date, form: Record<string, string>) =>
    postTokenForm(
      {
        url: `${origin}/oauth/token`,
        form: { client_id: 'fake-client', client_secret: 'fake-secret', ...form },
        fetch: fetchFn,
        timeoutMs: 5_000,
        label: 'Fake',
      },
      TokenAnswer,
      (status, message) => new FakeApiError(status, message),
    ).then((t) => ({
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: new Date(now.getTime() + t.expires_in * 1000),
      externalId: t.user_id,
    }));
  const api = (fetchFn: typeof fetch, accessToken: string): FakeApi => {
    const call = async (method: string, path: string) => {
      const res = await fetchFn(`${origin}${path}`, { method, headers: { Authorization: `Bearer ${accessToken}` } });
      if (!res.ok) throw new FakeApiError(res.status, `Fake ${method} ${path} → ${res.status}`);
      return res;
    };
    return {
      activityFile: async (id) => Buffer.from(await (await call('GET', `/api/activities/${id}/file`)).arrayBuffer()),
      revoke: async () => void (await call('DELETE', '/api/registration')),
    };
  };
  const provider: Provider<FakeApi> = {
    id: o.id ?? 'fake',
    label: 'Fake',
    requiredScope: 'activities',
    pkce: true,
    pages: {
      connected: ['Your Fake account is connected.'],
      missingScope: { title: 'Activities are not shared', paragraphs: ['Connect again and share your activities.'] },
      startSummary: 'Start connecting a Fake account',
      callbackSummary: 'Fake OAuth callback',
      missingScopeDescription: 'activities not granted',
    },
    configured: () => true,
    authorizeUrl: (_env, redirectUri, state, verifier) =>
      `${origin}/authorize?${new URLSearchParams({ redirect_uri: redirectUri, state, challenge: verifier ?? '' })}`,
    callbackScopes: (query) => (typeof query.scope === 'string' ? query.scope.split(',') : []),
    exchangeCode: (ctx, input) =>
      token(ctx.fetch, ctx.now(), { grant_type: 'authorization_code', code: input.code, code_verifier: input.verifier ?? '', redirect_uri: input.redirectUri }),
    async identify(_ctx, grant, scopes) {
      if (!grant.externalId) throw new Error('no user id');
      return { externalId: grant.externalId, scopes: scopes ?? [] };
    },
    refresh: (ctx, refreshToken) => token(ctx.fetch, ctx.now(), { grant_type: 'refresh_token', refresh_token: refreshToken }),
    isRefusedGrant: (err) => err instanceof FakeApiError && (err.status === 400 || err.status === 401),
    isClientError: (err) => err instanceof FakeApiError && err.status >= 400 && err.status < 500,
    isUnauthorized: (err) => err instanceof FakeApiError && err.status === 401,
    isNotFound: (err) => err instanceof FakeApiError && err.status === 404,
    callScope: (ctx) => ({ api: (t) => api(ctx.fetch, t) }),
    async revokeUpstream(_ctx, conn, call) {
      if (conn.status !== 'active') return false;
      await call((a) => a.revoke());
      return true;
    },
    async startBackfill() {
      // no history import on this platform
    },
    interpret(payload): NotificationMeaning[] {
      const parsed = Notification.safeParse(payload);
      if (!parsed.success) return [{ kind: 'ignored', reason: 'invalid_payload' }];
      return parsed.data.events.map((e) =>
        'activity' in e ? { kind: 'activity', externalUserId: e.user, activityId: e.activity } : { kind: 'deauthorized', externalUserId: e.user },
      );
    },
    fetchActivity: (a, id) => a.activityFile(id).then((bytes) => ({ kind: 'fit' as const, bytes })),
  };
  // the registry holds platforms of any API type
  return provider as Provider;
}
