import { DelayedError, UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { NotFoundError, PermanentJobError } from '../lib/errors.js';
import { isFinalAttempt } from './attempts.js';

const job = (attemptsMade: number, attempts = 3) => ({ attemptsMade, opts: { attempts } });

describe('isFinalAttempt', () => {
  it('while an attempt runs: final on the last allowed one', () => {
    expect([0, 1, 2].map((made) => isFinalAttempt(job(made), new Error('x')))).toEqual([false, false, true]);
    expect(isFinalAttempt(job(0, 1))).toBe(true);
    expect(isFinalAttempt({ attemptsMade: 0, opts: {} })).toBe(true); // BullMQ's default is one attempt
  });

  it('in the failed event (settled): the failing attempt is already counted', () => {
    expect([1, 2, 3].map((made) => isFinalAttempt(job(made), new Error('x'), { settled: true }))).toEqual([false, false, true]);
  });

  it('final at once for permanent errors, the worker’s UnrecoverableError and stalled jobs', () => {
    for (const err of [
      new PermanentJobError('x', 'y'),
      new NotFoundError('gone'),
      Object.assign(new Error('4xx'), { isRetryable: false }),
      new UnrecoverableError('x: y'),
      new Error('job stalled more than allowable limit'),
    ]) {
      expect(isFinalAttempt(job(0), err), err.message).toBe(true);
      expect(isFinalAttempt(job(1), err, { settled: true }), err.message).toBe(true);
    }
  });

  it('never final for a delay (rate limit, outage): it costs no attempt', () => {
    expect(isFinalAttempt(job(2), new DelayedError())).toBe(false);
  });
});
