import { describe, expect, it } from 'vitest';
import { cashSuggestions } from './tender';

describe('cashSuggestions', () => {
  it('offers the exact amount and the next 5, 10, 20 and 50 notes above it', () => {
    expect(cashSuggestions(3483, 2)).toEqual([3483, 3500, 4000, 5000]);
    expect(cashSuggestions(119, 2)).toEqual([119, 500, 1000, 2000, 5000]);
    expect(cashSuggestions(6210, 2)).toEqual([6210, 6500, 7000, 8000, 10000]);
  });

  it('goes strictly above an amount that already is a round note', () => {
    expect(cashSuggestions(4000, 2)).toEqual([4000, 4500, 5000, 6000]);
    expect(cashSuggestions(2000, 2)).toEqual([2000, 2500, 3000, 4000, 5000]);
  });

  it('scales with the currency exponent', () => {
    expect(cashSuggestions(1234, 0)).toEqual([1234, 1235, 1240, 1250]);
    expect(cashSuggestions(7, 0)).toEqual([7, 10, 20, 50]);
  });

  it('offers nothing when nothing is owed', () => {
    expect(cashSuggestions(0, 2)).toEqual([]);
    expect(cashSuggestions(-5, 2)).toEqual([]);
  });
});
