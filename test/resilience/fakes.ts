import { and, eq, sql } from 'drizzle-orm';
import nock from 'nock';
import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../src/db/client.js';
import { activities } from '../../src/db/schema/index.js';
import { buildSyntheticRunFit } from '../../src/fit/synthetic.js';
import { RATE_HEADERS, STRAVA_TEST_ORIGIN, stravaActivityJson, stravaEventBody, stravaStreamsJson } from '../factories/strava.js';

/** Faster recovery for tests: sweep every second, reclaim after 2 s, give up on Redis after 400 ms. */
export const FAST_RECOVERY_ENV = {
  SWEEP_INTERVAL_MS: '1000',
  STALE_AFTER_MS: '2000',
  ENQUEUE_TIMEOUT_MS: '400',
  OUTAGE_RETRY_MS: '1000',
  JOB_LOCK_MS: '3000',
};

export interface StravaFake {
  /** detail calls per Strava activity id */
  detailCalls: Map<string, number>;
  /** ids whose next N detail calls answer this status (500, 429, …) */
  failNext(id: string, status: number, times: number): void;
}

/**
 * A Strava API fake (nock, persisting): any activity id answers a run starting `id` minutes after a
 * base time (so no two are duplicates of each other), with 10-minute streams.
 */
export function fakeStrava(): StravaFake {
  const detailCalls = new Map<string, number>();
  const failures = new Map<string, { status: number; left: number }>();
  const base = Date.parse('2026-04-01T05:00:00Z');
  const scope = nock(STRAVA_TEST_ORIGIN).persist();
  scope.get(/\/api\/v3\/activities\/\d+$/).reply(function (uri) {
    const id = /(\d+)$/.exec(uri)![1]!;
    detailCalls.set(id, (detailCalls.get(id) ?? 0) + 1);
    const f = failures.get(id);
    if (f && f.left > 0) {
      f.left -= 1;
      return [f.status, { message: 'fault injected' }, RATE_HEADERS];
    }
    const start = new Date(base + (Number(id) % 100_000) * 60 * 60_000);
    return [200, stravaActivityJson(id, { start_date: start.toISOString(), start_date_local: start.toISOString() }), RATE_HEADERS];
  });
  scope
    .get(/\/api\/v3\/activities\/\d+\/streams/)
    .query(true)
    .reply(200, () => stravaStreamsJson(600), RATE_HEADERS);
  return {
    detailCalls,
    failNext(id, status, times) {
      failures.set(id, { status, left: times });
    },
  };
}

let eventTime = 1_777_900_000;
/** POST one Strava event; returns status and how long the answer took. */
export async function postStravaEvent(app: Express, body: ReturnType<typeof stravaEventBody>): Promise<{ status: number; ms: number; retryAfter?: string }> {
  const t0 = performance.now();
  const res = await request(app)
    .post('/webhooks/strava')
    .send({ ...body, event_time: body.event_time ?? ++eventTime });
  return { status: res.status, ms: performance.now() - t0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) };
}

export function syntheticFit(i: number): Buffer {
  return Buffer.from(buildSyntheticRunFit({ seconds: 600 + i, startTime: new Date(Date.parse('2026-02-02T06:00:00Z') + i * 86_400_000) }));
}

export async function upload(
  app: Express,
  auth: Record<string, string>,
  runnerId: string,
  bytes: Buffer,
): Promise<{ status: number; ms: number; body: { activityId?: string; error?: { code: string } } }> {
  const t0 = performance.now();
  const res = await request(app).post(`/v1/runners/${runnerId}/uploads`).set(auth).set('Content-Type', 'application/octet-stream').send(bytes);
  return { status: res.status, ms: performance.now() - t0, body: res.body };
}

/** Activities of a runner by external id: how many rows each has and their statuses. */
export async function activityCensus(db: Db, runnerId: string, source: 'strava' | 'upload' | 'garmin') {
  const rows = await db
    .select({ externalId: activities.externalId, status: activities.status, n: sql<number>`count(*)::int` })
    .from(activities)
    .where(and(eq(activities.runnerId, runnerId), eq(activities.source, source), eq(activities.sessionIndex, 0)))
    .groupBy(activities.externalId, activities.status);
  const byId = new Map<string, { statuses: string[]; rows: number }>();
  for (const r of rows) {
    const e = byId.get(r.externalId) ?? { statuses: [], rows: 0 };
    e.statuses.push(r.status);
    e.rows += r.n;
    byId.set(r.externalId, e);
  }
  return byId;
}

/** sent / processed / lost / duplicated for a set of expected external ids. */
export function figures(expected: string[], census: Map<string, { statuses: string[]; rows: number }>) {
  let processed = 0;
  let duplicated = 0;
  for (const id of expected) {
    const e = census.get(id);
    if (e && e.statuses.includes('ready')) processed += 1;
    if (e && e.rows > 1) duplicated += e.rows - 1;
  }
  return { sent: expected.length, processed, lost: expected.length - processed, duplicated };
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now() - t0;
}
