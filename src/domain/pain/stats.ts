/**
 * Small-sample statistics for the pain report: medians, mid-ranks and the Mann–Whitney U test
 * (two-sided), exact where the permutation distribution is cheap to count and a seeded Monte Carlo
 * permutation test otherwise. Pure: no clock, no I/O, no global randomness.
 *
 * Method (see docs/pain-report.md):
 * - Both samples are ranked together; tied values share the mean of the ranks they span (mid-ranks).
 * - Under "no difference", every way of choosing which n₁ of the N pooled ranks belong to the first
 *   group is equally likely. The test statistic is the rank sum S of the smaller group; the exact
 *   distribution of S is counted over all C(N, k) choices, which also covers ties (the rank values
 *   are simply the mid-ranks).
 * - Two-sided p-value: the probability of a rank sum at least as far from its mean k(N+1)/2 as the
 *   observed one. Without ties this equals 2 × the smaller tail (the distribution is symmetric).
 * - Large groups: the same statistic over `permutations` random relabellings drawn with a seeded
 *   generator, p = (hits + 1) / (permutations + 1), so a report is reproducible.
 */

/** Median of the finite numbers in `xs`; null for an empty list. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Ranks 1..N of `values` in their order of appearance, ties sharing the mean of their ranks. */
export function midRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + 1 + j + 1) / 2;
    for (let t = i; t <= j; t++) ranks[order[t]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * A small, fast, seedable generator (mulberry32): uniform numbers in [0, 1). The same seed gives the
 * same sequence, so Monte Carlo p-values are reproducible.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MannWhitneyOptions {
  /**
   * The exact distribution is counted when N × k × (largest possible doubled rank sum) stays within
   * this many steps; otherwise a Monte Carlo permutation test is used. Default 4,000,000 (exact for
   * e.g. 20 vs 20 or 8 vs 60 runs).
   */
  exactLimit?: number;
  /** random relabellings of the Monte Carlo test (default 4,000)… */
  permutations?: number;
  /**
   * …but no more than this many random draws in all (each relabelling draws the smaller group's k
   * values), and never fewer than 500 relabellings. Default 150,000: 4,000 relabellings up to k = 37,
   * 500 from k = 300 (p-values then resolve to 0.002; the standard error near p = 0.05 is about 0.01).
   */
  drawBudget?: number;
  /** seed of the Monte Carlo generator (default 20_140_514) */
  seed?: number;
}

export interface MannWhitneyResult {
  n1: number;
  n2: number;
  /** U of the first sample: the number of (x, y) pairs with x > y, ties counting ½ */
  u1: number;
  /** U of the second sample, n1·n2 − u1 */
  u2: number;
  /** rank sum of the first sample (mid-ranks) */
  rankSum1: number;
  /** two-sided p-value */
  pValue: number;
  method: 'exact' | 'monte-carlo';
  /** Monte Carlo relabellings actually drawn (fewer after early stopping); null when exact */
  permutations: number | null;
  ties: boolean;
}

const DEFAULT_EXACT_LIMIT = 4_000_000;
const DEFAULT_PERMUTATIONS = 4_000;
const DEFAULT_DRAW_BUDGET = 150_000;
const MIN_PERMUTATIONS = 500;
const DEFAULT_SEED = 20_140_514;

/**
 * Two-sided Mann–Whitney U test of `x` against `y` (Wilcoxon rank-sum), exact or seeded Monte Carlo.
 * Both samples must be non-empty and finite.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], opts: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann–Whitney needs at least one value in each group');
  const pooled = [...x, ...y];
  if (pooled.some((v) => !Number.isFinite(v))) throw new RangeError('Mann–Whitney needs finite values');
  const N = n1 + n2;
  const ranks = midRanks(pooled);
  // Doubled mid-ranks are integers, so every comparison below is exact.
  const doubled = Int32Array.from(ranks, (r) => Math.round(r * 2));
  let sum1 = 0;
  for (let i = 0; i < n1; i++) sum1 += doubled[i]!;
  const rankSum1 = sum1 / 2;
  const u1 = rankSum1 - (n1 * (n1 + 1)) / 2;
  const ties = new Set(pooled).size < N;

  // Work with the smaller group: fewer items to choose, same two-sided test.
  const firstIsSmaller = n1 <= n2;
  const k = firstIsSmaller ? n1 : n2;
  const observed = firstIsSmaller ? sum1 : N * (N + 1) - sum1; // doubled rank sum of the smaller group
  const centre = k * (N + 1); // doubled mean of that rank sum
  const observedDev = Math.abs(observed - centre);

  const maxSum = largestSum(doubled, k);
  const exactLimit = opts.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const exact = N * k * (maxSum + 1) <= exactLimit;
  const mc = exact ? null : monteCarloTwoSided(doubled, k, centre, observedDev, relabellings(k, opts), opts.seed ?? DEFAULT_SEED);
  const pValue = mc ? mc.pValue : exactTwoSided(doubled, k, maxSum, centre, observedDev);
  return {
    n1,
    n2,
    u1,
    u2: n1 * n2 - u1,
    rankSum1,
    pValue: Math.min(1, pValue),
    method: exact ? 'exact' : 'monte-carlo',
    permutations: mc ? mc.drawn : null,
    ties,
  };
}

function relabellings(k: number, opts: MannWhitneyOptions): number {
  const wanted = opts.permutations ?? DEFAULT_PERMUTATIONS;
  const affordable = Math.floor((opts.drawBudget ?? DEFAULT_DRAW_BUDGET) / k);
  return Math.min(wanted, Math.max(Math.min(wanted, MIN_PERMUTATIONS), affordable));
}

function largestSum(doubled: Int32Array, k: number): number {
  const s = Int32Array.from(doubled).sort();
  let total = 0;
  for (let i = s.length - k; i < s.length; i++) total += s[i]!;
  return total;
}

/**
 * Count, for every doubled rank sum s, the subsets of size k with that sum (dynamic programming
 * over the pooled ranks), then add up the probability of sums at least as far from the centre.
 */
function exactTwoSided(doubled: Int32Array, k: number, maxSum: number, centre: number, observedDev: number): number {
  const width = maxSum + 1;
  // ways[j * width + s]: subsets of j of the ranks seen so far with doubled sum s
  const ways = new Float64Array((k + 1) * width);
  ways[0] = 1;
  let reach = 0; // largest sum reachable so far
  for (let i = 0; i < doubled.length; i++) {
    const r = doubled[i]!;
    reach = Math.min(maxSum, reach + r);
    for (let j = Math.min(k, i + 1); j >= 1; j--) {
      const row = j * width;
      const prev = (j - 1) * width;
      for (let s = reach; s >= r; s--) {
        const w = ways[prev + s - r]!;
        if (w !== 0) ways[row + s] = ways[row + s]! + w;
      }
    }
  }
  let total = 0;
  let extreme = 0;
  const row = k * width;
  for (let s = 0; s <= maxSum; s++) {
    const w = ways[row + s]!;
    if (w === 0) continue;
    total += w;
    if (Math.abs(s - centre) >= observedDev) extreme += w;
  }
  return extreme / total;
}

/**
 * Random relabellings: a partial Fisher–Yates shuffle puts a uniform random k-subset in front.
 * Sequential stopping (Besag & Clifford 1991): once `STOP_AFTER_HITS` relabellings were at least as
 * extreme as the data, p = hits / relabellings so far (a clearly non-significant variable costs a few
 * hundred draws); otherwise p = (hits + 1) / (permutations + 1).
 */
function monteCarloTwoSided(
  doubled: Int32Array,
  k: number,
  centre: number,
  observedDev: number,
  permutations: number,
  seed: number,
): { pValue: number; drawn: number } {
  const pool = Int32Array.from(doubled);
  const n = pool.length;
  let hits = 0;
  // mulberry32, inlined: this loop is the report's hot path
  let a = seed >>> 0;
  for (let p = 0; p < permutations; p++) {
    let s = 0;
    for (let i = 0; i < k; i++) {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      const j = i + Math.floor(u * (n - i));
      const v = pool[j]!;
      pool[j] = pool[i]!;
      pool[i] = v;
      s += v;
    }
    if (Math.abs(s - centre) >= observedDev && ++hits >= STOP_AFTER_HITS) return { pValue: hits / (p + 1), drawn: p + 1 };
  }
  return { pValue: (hits + 1) / (permutations + 1), drawn: permutations };
}

/** Monte Carlo stops once this many relabellings were as extreme as the data. */
export const STOP_AFTER_HITS = 50;
