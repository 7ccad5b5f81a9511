// The tender screen's quick cash amounts: the exact amount, then the next round notes above it.

/** Banknotes the quick buttons round up to, in whole currency units. */
export const ROUND_NOTES = [5, 10, 20, 50] as const;

/**
 * Quick cash amounts in minor units for what is owed: the exact amount first, then for each of
 * 5, 10, 20 and 50 the smallest multiple strictly above the exact amount, without repeats and
 * in ascending order. Nothing owed gives nothing.
 */
export function cashSuggestions(remainingMinor: number, exponent: number): number[] {
  if (!Number.isSafeInteger(remainingMinor) || remainingMinor <= 0) return [];
  const unit = 10 ** exponent;
  const amounts = new Set<number>([remainingMinor]);
  for (const note of ROUND_NOTES) {
    const step = note * unit;
    amounts.add((Math.floor(remainingMinor / step) + 1) * step);
  }
  return [...amounts].sort((a, b) => a - b);
}
