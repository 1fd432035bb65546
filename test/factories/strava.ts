import nock from 'nock';
import type { Db } from '../../src/db/client.js';
import { connections, webhookEvents } from '../../src/db/schema/index.js';
import { encryptSecret } from '../../src/lib/crypto.js';
import { buildRunner } from './runners.js';

/** Hosts the Strava tests point STRAVA_API_URL / STRAVA_OAUTH_URL at (nock intercepts them). */
export const STRAVA_TEST_ORIGIN = 'https://strava.test';
export const STRAVA_TEST_ENV = {
  STRAVA_CLIENT_ID: '4242',
  STRAVA_CLIENT_SECRET: 'client-secret',
  STRAVA_VERIFY_TOKEN: 'verify-me',
  STRAVA_SUBSCRIPTION_ID: '120475',
  STRAVA_API_URL: `${STRAVA_TEST_ORIGIN}/api/v3`,
  STRAVA_OAUTH_URL: `${STRAVA_TEST_ORIGIN}/oauth`,
  PUBLIC_URL: 'https://app.example',
};

let athleteSeq = 134_800;

/** A runner with an active Strava connection; tokens encrypted like the real ones. */
export async function buildStravaConnection(
  db: Db,
  key: Buffer,
  o: {
    runnerId?: string;
    athleteId?: string;
    accessToken?: string;
    refreshToken?: string;
    expiresAt?: Date;
    status?: 'active' | 'needs_reauth' | 'revoked';
  } = {},
) {
  const runnerId = o.runnerId ?? (await buildRunner(db)).id;
  athleteSeq += 1;
  const [row] = await db
    .insert(connections)
    .values({
      runnerId,
      provider: 'strava',
      externalAthleteId: o.athleteId ?? String(athleteSeq),
      accessTokenEnc: encryptSecret(o.accessToken ?? 'access-1', key),
      refreshTokenEnc: encryptSecret(o.refreshToken ?? 'refresh-1', key),
      tokenExpiresAt: o.expiresAt ?? new Date(Date.now() + 6 * 3600_000),
      scopes: ['read', 'activity:read_all'],
      status: o.status ?? 'active',
    })
    .returning();
  return row!;
}

/** A webhook event body as Strava sends it. */
export function stravaEventBody(o: {
  objectId: number | string;
  ownerId: number | string;
  aspect?: 'create' | 'update' | 'delete';
  objectType?: 'activity' | 'athlete';
  eventTime?: number;
  updates?: Record<string, string>;
  subscriptionId?: number;
}) {
  return {
    object_type: o.objectType ?? 'activity',
    object_id: Number(o.objectId),
    aspect_type: o.aspect ?? 'create',
    updates: o.updates ?? {},
    owner_id: Number(o.ownerId),
    subscription_id: o.subscriptionId ?? 120475,
    event_time: o.eventTime ?? 1_777_615_181,
  };
}

/** A Strava DetailedActivity with sensible defaults (a 5 km morning run in Oslo summer time). */
export function stravaActivityJson(id: number | string, o: Record<string, unknown> = {}) {
  return {
    id: Number(id),
    name: 'Morning Run',
    type: 'Run',
    sport_type: 'Run',
    workout_type: 0,
    start_date: '2026-05-01T05:00:00Z',
    start_date_local: '2026-05-01T07:00:00Z',
    timezone: '(GMT+01:00) Europe/Oslo',
    utc_offset: 3600,
    distance: 5000,
    moving_time: 1800,
    elapsed_time: 1850,
    total_elevation_gain: 40,
    average_speed: 2.78,
    average_cadence: 84,
    manual: false,
    trainer: false,
    private: false,
    ...o,
  };
}

/**
 * Key-by-type streams for a steady run: 1 Hz, `n` samples, per-leg cadence `cadence`, a hill that
 * climbs 20 m and descends 30 m (so elevation loss is non-trivial).
 */
export function stravaStreamsJson(n = 1800, cadence = 85) {
  const time = Array.from({ length: n }, (_, i) => i);
  const speed = 5000 / n;
  const altitude = time.map((t) => {
    const f = t / (n - 1);
    return f < 0.5 ? 100 + 40 * f : 120 - 60 * (f - 0.5);
  });
  return {
    time: { data: time, series_type: 'distance', original_size: n, resolution: 'high' },
    distance: { data: time.map((t) => t * speed), series_type: 'distance', original_size: n, resolution: 'high' },
    altitude: { data: altitude, series_type: 'distance', original_size: n, resolution: 'high' },
    cadence: { data: time.map(() => cadence), series_type: 'distance', original_size: n, resolution: 'high' },
    velocity_smooth: { data: time.map(() => speed), series_type: 'distance', original_size: n, resolution: 'high' },
    moving: { data: time.map(() => true), series_type: 'distance', original_size: n, resolution: 'high' },
    heartrate: { data: time.map(() => 140), series_type: 'distance', original_size: n, resolution: 'high' },
  };
}

export const RATE_HEADERS = {
  'X-RateLimit-Limit': '200,2000',
  'X-RateLimit-Usage': '10,100',
  'X-ReadRateLimit-Limit': '100,1000',
  'X-ReadRateLimit-Usage': '10,100',
};

/** nock scope for the Strava API host. */
export function stravaApi(opts: { token?: string } = {}) {
  return nock(STRAVA_TEST_ORIGIN, opts.token ? { reqheaders: { authorization: `Bearer ${opts.token}` } } : {});
}

/** The streams query the fetch job must send (all eight keys, keyed by type). */
export const STREAMS_QUERY = { keys: 'time,distance,altitude,cadence,velocity_smooth,moving,heartrate,latlng', key_by_type: 'true' };

/** Intercept GET /activities/{id}/streams with the exact query the fetch job sends. */
export function interceptStreams(scope: nock.Scope, id: number | string) {
  return scope.get(`/api/v3/activities/${id}/streams`).query(STREAMS_QUERY);
}

export async function inboxRows(db: Db) {
  return db.select().from(webhookEvents);
}

/** Poll until `check` returns a truthy value (or fail after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
