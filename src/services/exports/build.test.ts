import { describe, expect, it } from 'vitest';
import { fitEntryName } from './build.js';

const ID = '0b4f6c1e-3d2a-4c5b-9e8f-7a6b5c4d3e2f';

describe('fitEntryName', () => {
  it('names an original file by activity date, activity id and its original name, under files/', () => {
    expect(fitEntryName({ localDate: '2026-11-23', activityId: ID, origin: 'fenix2-run.fit' })).toBe(`files/2026-11-23_${ID}_fenix2-run.fit`);
    expect(fitEntryName({ localDate: null, activityId: ID, origin: null })).toBe(`files/undated_${ID}_upload.fit`);
  });

  it('keeps only the last path segment and safe characters, and always ends in .fit (the stored bytes are never gzipped)', () => {
    expect(fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: '../../etc/passwd' })).toBe(`files/2026-01-02_${ID}_passwd.fit`);
    expect(fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: 'C:\\\\Users\\\\ana\\\\run 1.FIT' })).toBe(`files/2026-01-02_${ID}_run_1.FIT`);
    expect(fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: 'garmin:123456789' })).toBe(`files/2026-01-02_${ID}_garmin_123456789.fit`);
    expect(fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: 'archive/morning.fit.gz' })).toBe(`files/2026-01-02_${ID}_morning.fit`);
    expect(fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: '...' })).toBe(`files/2026-01-02_${ID}_activity.fit`);
    const long = fitEntryName({ localDate: '2026-01-02', activityId: ID, origin: `${'x'.repeat(500)}.fit` });
    expect(long.length).toBeLessThan(200);
    expect(long.endsWith('.fit')).toBe(true);
  });
});
