/**
 * Threshold comparisons shared by the rules. All are strict ("more than 10 %"), and absorb binary
 * floating-point noise: 22 km over 20 km is exactly +10 % and must not warn, although 22000/20000 − 1
 * evaluates to 0.10000000000000009 in IEEE doubles.
 */

/** Relative tolerance far below any meaningful difference (1e-9 of a 20 km week is 0.02 mm). */
const REL_EPS = 1e-9;

/**
 * True when `newValue − oldValue > fraction × oldValue` (strictly). With `oldValue = 0` any positive
 * `newValue` counts as an increase (infinite percent), which is what "increased" means for counts.
 */
export function increasedByMoreThan(oldValue: number, newValue: number, fraction: number): boolean {
  return newValue - oldValue > fraction * oldValue + REL_EPS * Math.abs(oldValue);
}

/** True when `value > ratio × reference` strictly (reference > 0 expected). */
export function exceedsRatio(value: number, reference: number, ratio: number): boolean {
  return value > ratio * reference + REL_EPS * Math.abs(reference);
}

/** True when `newValue − oldValue > amount` strictly. */
export function increasedByMoreThanAmount(oldValue: number, newValue: number, amount: number): boolean {
  return newValue - oldValue > amount + REL_EPS * Math.max(Math.abs(amount), 1);
}
