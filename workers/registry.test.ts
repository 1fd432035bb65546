import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../src/jobs/catalog.js';
import { checkRegistry, processors } from './registry.js';

describe('job registry', () => {
  it('has exactly one processor for every catalog job', () => {
    expect(() => checkRegistry(processors)).not.toThrow();
    expect(Object.keys(processors).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('refuses to start when a catalog job has no processor', () => {
    const { ['week.recompute']: _dropped, ...partial } = processors;
    expect(() => checkRegistry(partial)).toThrow(/no processor for: week\.recompute/);
  });

  it('refuses a processor that the catalog does not declare', () => {
    expect(() => checkRegistry({ ...processors, 'garmin.pull-summaries': async () => undefined })).toThrow(/without catalog entry: garmin\.pull-summaries/);
  });
});
