import { describe, expect, it } from 'vitest';
import { exceedsRatio, increasedByMoreThan, increasedByMoreThanAmount } from './compare.js';

describe('strict threshold comparisons', () => {
  it('does not call exactly +10 % "more than 10 %" even when binary floating point says so', () => {
    // In IEEE doubles 5501.1 − 5001 > 0.1 × 5001, although 5501.1 is exactly 5001 × 1.1.
    expect(5501.1 - 5001 > 0.1 * 5001).toBe(true);
    expect(increasedByMoreThan(5001, 5501.1, 0.1)).toBe(false);
    expect(increasedByMoreThan(5001, 5501.2, 0.1)).toBe(true); // +10.002 %
  });

  it('does not call exactly +30 % red', () => {
    expect(increasedByMoreThan(5001, 6501.3, 0.3)).toBe(false);
    expect(increasedByMoreThan(5001, 6502, 0.3)).toBe(true);
  });

  it('treats any rise from zero as an increase and no rise from zero as none', () => {
    expect(increasedByMoreThan(0, 1, 0.1)).toBe(true);
    expect(increasedByMoreThan(0, 0, 0.1)).toBe(false);
  });

  it('compares ratios and absolute amounts strictly', () => {
    expect(exceedsRatio(11_000, 10_000, 1.1)).toBe(false);
    expect(exceedsRatio(11_001, 10_000, 1.1)).toBe(true);
    expect(increasedByMoreThanAmount(4000, 6000, 2000)).toBe(false);
    expect(increasedByMoreThanAmount(4000, 6000.5, 2000)).toBe(true);
  });
});
