import nock from 'nock';
import type { Db } from '../../src/db/client.js';
import { connections } from '../../src/db/schema/index.js';
import { encryptSecret } from '../../src/lib/crypto.js';
import { buildRunner } from './runners.js';

/** Hosts the Garmin tests point GARMIN_* URLs at (nock intercepts them). */
export const GARMIN_API_ORIGIN = 'https://apis.garmin.test';
export const GARMIN_OAUTH_ORIGIN = 'https://connect.garmin.test';
export const GARMIN_TOKEN_ORIGIN = 'https://diauth.garmin.test';
export const GARMIN_TOKEN_PATH = '/di-oauth2-service/oauth/token';
export const GARMIN_HOOK_SECRET = 'garmin-hook-secret-1';
export const GARMIN_TEST_ENV = {
  GARMIN_CLIENT_ID: 'garmin-client',
  GARMIN_CLIENT_SECRET: 'garmin-client-secret',
  GARMIN_WEBHOOK_SECRET: GARMIN_HOOK_SECRET,
  GARMIN_API_URL: GARMIN_API_ORIGIN,
  GARMIN_OAUTH_URL: GARMIN_OAUTH_ORIGIN,
  GARMIN_TOKEN_URL: `${GARMIN_TOKEN_ORIGIN}${GARMIN_TOKEN_PATH}`,
  GARMIN_CALLBACK_HOSTS: 'apis.garmin.test',
  PUBLIC_URL: 'https://app.example',
};

let seq = 0;

/** A runner with an active Garmin connection; tokens encrypted like the real ones. */
export async function buildGarminConnection(
  db: Db,
  key: Buffer,
  o: { runnerId?: string; userId?: string; accessToken?: string; refreshToken?: string; expiresAt?: Date; status?: 'active' | 'needs_reauth' | 'revoked' } = {},
) {
  const runnerId = o.runnerId ?? (await buildRunner(db)).id;
  seq += 1;
  const [row] = await db
    .insert(connections)
    .values({
      runnerId,
      provider: 'garmin',
      externalAthleteId: o.userId ?? `garmin-user-${process.pid}-${seq}`,
      accessTokenEnc: encryptSecret(o.accessToken ?? 'g-access-1', key),
      refreshTokenEnc: encryptSecret(o.refreshToken ?? 'g-refresh-1', key),
      tokenExpiresAt: o.expiresAt ?? new Date(Date.now() + 24 * 3600_000),
      scopes: ['ACTIVITY_EXPORT'],
      status: o.status ?? 'active',
    })
    .returning();
  return row!;
}

/** An Activity File ping (docs/platforms.md "Garmin notifications") for one file. */
export function activityFilePing(userId: string, o: { activityId?: number; fileId?: string; host?: string; startTimeInSeconds?: number } = {}) {
  const activityId = o.activityId ?? 10010727180;
  const fileId = o.fileId ?? String(activityId);
  return {
    activityFiles: [
      {
        userId,
        summaryId: `${activityId}-file`,
        activityId,
        fileType: 'FIT',
        callbackURL: `https://${o.host ?? 'apis.garmin.test'}/wellness-api/rest/activityFile?id=${fileId}&token=pull-${fileId}`,
        activityType: 'RUNNING',
        activityName: 'Morning Run',
        deviceName: 'Garmin Forerunner 265',
        startTimeInSeconds: o.startTimeInSeconds ?? 1777615181,
        manual: false,
      },
    ],
  };
}

/** nock for the file download of a ping made by activityFilePing, expecting the user's bearer token. */
export function interceptDownload(fileId: string | number, token = 'g-access-1') {
  return nock(GARMIN_API_ORIGIN, { reqheaders: { authorization: `Bearer ${token}` } })
    .get('/wellness-api/rest/activityFile')
    .query({ id: String(fileId), token: `pull-${fileId}` });
}
