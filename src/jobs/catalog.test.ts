import { describe, expect, it } from 'vitest';
import { JOB_NAMES, JOBS, jobsOnQueue, parsePayload, QUEUE_NAMES, stravaFetchJobId, type JobName, type JobPayload } from './catalog.js';
import { debounceIdOf, jobIdOf, jobOptions } from './queues.js';

/**
 * The catalog's own invariants, with no Redis. That every job has a processor is checked by
 * workers/registry.test.ts; that the ids behave on a real queue, by test/integration/queue.test.ts.
 */

const A = '0b4f6c1e-3d2a-4c5b-9e8f-7a6b5c4d3e2f';
const B = 'f1e2d3c4-b5a6-4978-8877-665544332211';

/** Sample payloads per job; the type makes a new catalog entry without samples a compile error. */
const SAMPLES: { [N in JobName]: JobPayload<N>[] } = {
  'strava.handle-event': [{ eventId: A }],
  'strava.fetch-activity': (['webhook', 'update', 'backfill'] as const).flatMap((reason) => [
    { connectionId: A, stravaActivityId: '12345678901', reason, streamAttempt: 0 },
    { connectionId: B, stravaActivityId: '9', reason, streamAttempt: 2 },
  ]),
  'strava.backfill': [
    { connectionId: A, weeks: 12, page: 1 },
    { connectionId: A, weeks: 104, page: 7, after: 1_700_000_000, before: 1_800_000_000 },
  ],
  'garmin.handle-notification': [{ eventId: B }],
  'inbox.handle-notification': [{ provider: 'coros', eventId: B }],
  'garmin.backfill': [{ connectionId: A, days: 84 }],
  'garmin.fetch-fit': [
    { connectionId: A, eventId: B, entryIndex: 0 },
    { connectionId: A, eventId: B, entryIndex: 12 },
  ],
  'run.import-fit': [{ activityId: A }],
  'run.derive': [{ activityId: B }],
  'week.recompute': [
    { runnerId: A, week: '2026-W47' },
    { runnerId: A, week: '2027-W01' },
  ],
  'inbox.sweep': [{}],
  'week.close': [{}],
  'retention.purge': [{}],
  'connection.revoke-upstream': [{ revokeId: '6f1c1a4e-2b9f-4c1e-9d7a-000000000001' }],
  'export.build': [{ exportId: A }, { exportId: B }],
  'notify.deliver': [{ notificationId: A }],
  'prompt.send': [
    { promptId: A, event: 'due', attempt: 1 },
    { promptId: A, event: 'reminder', attempt: 2 },
  ],
  'prompt.sweep': [{}],
};

/** BullMQ refuses a custom id with ':' (it separates key parts) and treats an all-digit one as its own counter's. */
function validBullId(id: string): boolean {
  return id.length > 0 && !id.includes(':') && !/^\d+$/.test(id);
}

describe('job catalog', () => {
  it('puts every job on a known queue with at least one attempt and a back-off', () => {
    for (const name of JOB_NAMES) {
      const def = JOBS[name];
      expect(QUEUE_NAMES, name).toContain(def.queue);
      expect(Number.isInteger(def.attempts) && def.attempts >= 1, name).toBe(true);
      expect(def.backoffMs, name).toBeGreaterThan(0);
      if (def.priority !== undefined) expect(Number.isInteger(def.priority) && def.priority >= 0, name).toBe(true);
      if (def.debounce) expect(def.debounce.delayMs, name).toBeGreaterThanOrEqual(0);
    }
  });

  it('uses every queue (a queue with no job would get no worker) and puts each job on one', () => {
    for (const q of QUEUE_NAMES) expect(jobsOnQueue(q).length, q).toBeGreaterThan(0);
    expect(QUEUE_NAMES.flatMap((q) => jobsOnQueue(q)).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('accepts its own sample payloads', () => {
    for (const name of JOB_NAMES) for (const p of SAMPLES[name]) expect(() => parsePayload(name, p), name).not.toThrow();
  });

  it('gives BullMQ-valid job ids and debounce ids, never both for one payload', () => {
    for (const name of JOB_NAMES) {
      for (const p of SAMPLES[name]) {
        const data = parsePayload(name, p);
        const id = jobIdOf(name, data);
        const debounce = debounceIdOf(name, data);
        if (id !== undefined) expect(validBullId(id), `${name} job id ${id}`).toBe(true);
        if (debounce !== undefined) expect(validBullId(debounce), `${name} debounce id ${debounce}`).toBe(true);
        // which of the two wins would be a BullMQ detail: a definition picks one per payload.
        expect(id !== undefined && debounce !== undefined, `${name}: both a job id and a debounce id`).toBe(false);
      }
    }
  });

  it('gives different payloads of one job different ids', () => {
    for (const name of JOB_NAMES) {
      const ids = SAMPLES[name].map((p) => jobIdOf(name, parsePayload(name, p))).filter((id) => id !== undefined);
      expect(new Set(ids).size, name).toBe(ids.length);
    }
  });

  it('refuses obvious garbage', () => {
    for (const name of JOB_NAMES) {
      for (const junk of [null, undefined, 'x', 42, [], true]) expect(() => parsePayload(name, junk), `${name} ← ${JSON.stringify(junk)}`).toThrow();
      const required = Object.keys(parsePayload(name, SAMPLES[name][0])).length > 0;
      if (required) {
        expect(() => parsePayload(name, {}), `${name} ← {}`).toThrow();
        // every id-like field refuses a non-uuid
        const sample = SAMPLES[name][0] as Record<string, unknown>;
        for (const key of Object.keys(sample).filter((k) => k.endsWith('Id') && k !== 'stravaActivityId')) {
          expect(() => parsePayload(name, { ...sample, [key]: 'not-a-uuid' }), `${name}.${key}`).toThrow();
        }
      }
    }
    expect(() => parsePayload('week.recompute', { runnerId: A, week: '2026-47' })).toThrow();
    expect(() => parsePayload('strava.fetch-activity', { connectionId: A, stravaActivityId: '12a', reason: 'webhook' })).toThrow();
  });

  it('ids backfill fetches one by one and debounces the others (see strava.fetch-activity)', () => {
    const base = { connectionId: A, stravaActivityId: '77', streamAttempt: 0 };
    expect(jobIdOf('strava.fetch-activity', { ...base, reason: 'backfill' })).toBe(`strava.backfill-fetch-${A}-77`);
    expect(stravaFetchJobId({ ...base, reason: 'webhook' })).toBeUndefined();
    expect(debounceIdOf('strava.fetch-activity', { ...base, reason: 'webhook' })).toBe(`strava-fetch-${A}-77`);
    expect(debounceIdOf('strava.fetch-activity', { ...base, reason: 'backfill' })).toBeUndefined();
  });

  it('turns a definition into BullMQ options: attempts, back-off, id, debounce, priority', () => {
    expect(jobOptions('prompt.send', { promptId: A, event: 'due', attempt: 1 })).toMatchObject({
      attempts: 6,
      backoff: { type: 'exponential', delay: 10_000 },
      jobId: `prompt-send-${A}-due-1`,
    });
    const fetch = jobOptions('strava.fetch-activity', { connectionId: A, stravaActivityId: '5', reason: 'webhook', streamAttempt: 0 });
    expect(fetch).toMatchObject({ attempts: 8, priority: 1, delay: 2_000, deduplication: { id: `strava-fetch-${A}-5`, keepLastIfActive: true } });
    expect(fetch.jobId).toBeUndefined();
    expect(
      jobOptions('strava.fetch-activity', { connectionId: A, stravaActivityId: '5', reason: 'backfill', streamAttempt: 0 }, { priority: 20 }),
    ).toMatchObject({ priority: 20, jobId: `strava.backfill-fetch-${A}-5` });
    expect(jobOptions('week.recompute', { runnerId: A, week: '2026-W47' }, { delayMs: 0 }).delay).toBe(0);
  });
});
