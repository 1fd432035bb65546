import { describe, expect, it } from 'vitest';
import { timeshiftFit } from '../bench/fit-timeshift.js';
import { decodeFit } from '../src/fit/decode.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from './fixtures.js';

describe.skipIf(!HAS_FIXTURES)('timeshiftFit (benchmark copies of real files)', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);
  it.each(['fenix2-run.fit', 'fr965-run-stamina.fit'])('%s: moves the run in time and changes nothing else', (name) => {
    const original = decodeFit(readFit(name));
    const moved = decodeFit(timeshiftFit(readFit(name), 86_400 * 3 + 60));
    if (!original.ok || !moved.ok) throw new Error('decode failed');
    const [a, b] = [original.runs[0]!, moved.runs[0]!];
    expect(b.startTime.getTime() - a.startTime.getTime()).toBe((86_400 * 3 + 60) * 1000);
    expect(b.utcOffsetS).toBe(a.utcOffsetS);
    expect(b.summary).toEqual(a.summary);
    expect(b.samples!.timeS).toEqual(a.samples!.timeS);
  });
});
