import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyU, median, midRanks, mulberry32 } from './stats.js';

/** Reference: enumerate every way of choosing which pooled values form the first group. */
function bruteForceTwoSided(x: number[], y: number[]): number {
  const pooled = [...x, ...y];
  const ranks = midRanks(pooled);
  const n = pooled.length;
  const k = x.length;
  const centre = (k * (n + 1)) / 2;
  const observed = Math.abs(ranks.slice(0, k).reduce((a, b) => a + b, 0) - centre);
  let total = 0;
  let extreme = 0;
  const pick = (start: number, left: number, sum: number) => {
    if (left === 0) {
      total++;
      if (Math.abs(sum - centre) >= observed - 1e-9) extreme++;
      return;
    }
    for (let i = start; i <= n - left; i++) pick(i + 1, left - 1, sum + ranks[i]!);
  };
  pick(0, k, 0);
  return extreme / total;
}

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-2])).toBe(-2);
    expect(median([])).toBeNull();
  });
  it('sorts numerically, not as text', () => {
    expect(median([10, 9, 100])).toBe(10);
  });
});

describe('midRanks', () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect(midRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(midRanks([3, 1, 3, 3])).toEqual([3, 1, 3, 3]);
    expect(midRanks([7, 7])).toEqual([1.5, 1.5]);
  });
});

describe('Mann–Whitney U, exact', () => {
  it('4 vs 4 completely separated: U = 0, p = 2/70 (textbook table)', () => {
    const r = mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8]);
    expect(r.u1).toBe(0);
    expect(r.u2).toBe(16);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(2 / 70, 12);
  });

  it('5 vs 4 (the SciPy documentation example): U = 17, p = 0.1111', () => {
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    const r = mannWhitneyU(males, females);
    expect(r.u1).toBe(17);
    expect(r.u2).toBe(3);
    expect(r.pValue).toBeCloseTo(14 / 126, 12);
    // the test is symmetric in its groups
    expect(mannWhitneyU(females, males).pValue).toBeCloseTo(14 / 126, 12);
  });

  it('5 vs 5 with U = 2: p = 8/252 = 0.0317, the critical value of the two-sided 5 % table', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 7], [5, 6, 8, 9, 10]);
    expect(r.u1).toBe(2);
    expect(r.pValue).toBeCloseTo(8 / 252, 12);
    // U = 3 is no longer significant at 5 %: p = 14/252
    expect(mannWhitneyU([1, 2, 3, 5, 7], [4, 6, 8, 9, 10]).pValue).toBeCloseTo(14 / 252, 12);
  });

  it('20 vs 20 completely separated: p = 2 / C(40, 20)', () => {
    const x = Array.from({ length: 20 }, (_, i) => i);
    const y = Array.from({ length: 20 }, (_, i) => i + 100);
    const r = mannWhitneyU(x, y);
    expect(r.method).toBe('exact');
    expect(r.pValue / (2 / 137_846_528_820)).toBeCloseTo(1, 9);
  });

  it('identical groups: p = 1; all values tied: p = 1', () => {
    expect(mannWhitneyU([1, 2, 3, 4], [1, 2, 3, 4]).pValue).toBeCloseTo(1, 12);
    const allTied = mannWhitneyU([5, 5, 5, 5], [5, 5, 5, 5, 5]);
    expect(allTied.ties).toBe(true);
    expect(allTied.pValue).toBe(1);
  });

  it('ties: the exact distribution of the mid-rank sum, checked by hand', () => {
    // pooled 1,1,2,2,3,3 → mid-ranks 1.5,1.5,3.5,3.5,5.5,5.5; x = {1,1,2} has rank sum 6.5, centre 10.5.
    // Of the 20 ways to pick 3 ranks, sums at distance ≥ 4 from 10.5: {1.5,1.5,3.5} = 6.5 (2 ways? no:
    // the two 1.5s and one of two 3.5s → 2 ways) and its mirror {3.5,5.5,5.5} (2 ways) → p = 4/20.
    const r = mannWhitneyU([1, 1, 2], [2, 3, 3]);
    expect(r.ties).toBe(true);
    expect(r.rankSum1).toBe(6.5);
    expect(r.pValue).toBeCloseTo(4 / 20, 12);
  });

  it('U counts the pairs where x is larger, ties as ½', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 8 }),
        (x, y) => {
          let pairs = 0;
          for (const a of x) for (const b of y) pairs += a > b ? 1 : a === b ? 0.5 : 0;
          const r = mannWhitneyU(x, y);
          expect(r.u1).toBeCloseTo(pairs, 9);
          expect(r.u1 + r.u2).toBe(x.length * y.length);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('matches brute-force enumeration, with and without ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 7 }),
        (x, y) => {
          expect(mannWhitneyU(x, y).pValue).toBeCloseTo(bruteForceTwoSided(x, y), 10);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('refuses empty groups and non-finite values', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(RangeError);
  });
});

describe('Mann–Whitney U, Monte Carlo permutations', () => {
  const x = [12.1, 14.3, 9.8, 15.2, 13.3, 16.8, 11.1, 14.9, 13.7, 12.6];
  const y = [10.2, 9.1, 11.8, 8.7, 12.2, 10.9, 9.9, 11.4, 13.1, 10.4, 9.5, 12.9];

  it('agrees with the exact p-value within Monte Carlo error', () => {
    const exact = mannWhitneyU(x, y);
    const mc = mannWhitneyU(x, y, { exactLimit: 0, permutations: 20_000 });
    expect(exact.method).toBe('exact');
    expect(mc.method).toBe('monte-carlo');
    expect(exact.pValue).toBeLessThan(0.01);
    // standard error of a p near 0.003 with 20,000 permutations is about 0.0004
    expect(Math.abs(mc.pValue - exact.pValue)).toBeLessThan(0.002);
  });

  it('is reproducible: the same seed gives the same p-value', () => {
    const a = mannWhitneyU(x, y, { exactLimit: 0, permutations: 2_000, seed: 42 });
    const b = mannWhitneyU(x, y, { exactLimit: 0, permutations: 2_000, seed: 42 });
    expect(a.pValue).toBe(b.pValue);
  });

  it('is used automatically for large groups and finds a real shift', () => {
    const rand = mulberry32(3);
    const big1 = Array.from({ length: 300 }, () => rand() * 10);
    const big2 = Array.from({ length: 300 }, () => rand() * 10 + 1.5);
    const same = Array.from({ length: 300 }, () => rand() * 10);
    const shifted = mannWhitneyU(big1, big2);
    expect(shifted.method).toBe('monte-carlo');
    // 150,000 draws / 300 per relabelling = 500 relabellings, none as extreme: p = 1/501
    expect(shifted.permutations).toBe(500);
    expect(shifted.pValue).toBeCloseTo(1 / 501, 12);
    const null_ = mannWhitneyU(big1, same);
    expect(null_.pValue).toBeGreaterThan(0.05);
    // a clearly non-significant comparison stops after 50 as-extreme relabellings
    expect(null_.permutations!).toBeLessThan(500);
    expect(null_.pValue).toBeCloseTo(50 / null_.permutations!, 12);
  });

  it('keeps at least 500 relabellings and at most the requested number', () => {
    const rand = mulberry32(5);
    const a = Array.from({ length: 2_000 }, () => rand());
    const b = Array.from({ length: 2_000 }, () => rand() + 0.5);
    expect(mannWhitneyU(a, b).permutations).toBe(500);
    expect(mannWhitneyU(a, b, { permutations: 200 }).permutations).toBe(200);
    expect(mannWhitneyU(a.slice(0, 30), b.slice(0, 200), { exactLimit: 0 }).permutations).toBe(4_000);
    expect(mannWhitneyU(a.slice(0, 100), b.slice(0, 200), { exactLimit: 0 }).permutations).toBe(1_500);
  });
});

describe('mulberry32', () => {
  it('draws in [0, 1) and is seed-determined', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
