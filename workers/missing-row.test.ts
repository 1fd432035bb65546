import { describe, expect, it } from 'vitest';
import { namesMissingRow } from './missing-row.js';

describe('namesMissingRow', () => {
  it('recognises every way a processor reports a row it could not find', () => {
    expect(namesMissingRow('missing')).toBe(true);
    expect(namesMissingRow('runner_missing')).toBe(true);
    expect(namesMissingRow({ status: 'missing' })).toBe(true);
    expect(namesMissingRow({ outcome: 'missing' })).toBe(true);
  });

  it('leaves normal outcomes alone', () => {
    expect(namesMissingRow({ status: 'ready', activityIds: [] })).toBe(false);
    expect(namesMissingRow({ outcome: 'already_processed' })).toBe(false);
    expect(namesMissingRow('delivered')).toBe(false);
    expect(namesMissingRow(undefined)).toBe(false);
  });
});
