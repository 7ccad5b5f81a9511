import { describe, expect, it } from 'vitest';
import type { Currency } from './money';
import { hourBars, parseCounts, typedTotal, varianceText } from './report';

const EUR: Currency = { code: 'EUR', exponent: 2, locale: 'de-DE' };
const eur = (minor: number) =>
  new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(minor / 100);

describe('varianceText', () => {
  it('says short, over or exact', () => {
    expect(varianceText(-100, EUR)).toBe(`Short by ${eur(100)}`);
    expect(varianceText(250, EUR)).toBe(`Over by ${eur(250)}`);
    expect(varianceText(0, EUR)).toBe('Exact');
  });
});

describe('counts', () => {
  const denominations = [1000, 100, 50];

  it('adds up what was typed and leaves blanks and zeros out', () => {
    const parsed = parseCounts(denominations, { 1000: '2', 100: '', 50: '0' }, EUR);
    expect(parsed).toEqual({ ok: true, count: [{ value_minor: 1000, count: 2 }], total: 2000 });
    expect(typedTotal(denominations, { 1000: '2', 100: '3', 50: 'x' })).toBe(2300);
  });

  it('refuses a count that is not a whole number', () => {
    const parsed = parseCounts(denominations, { 100: '1.5' }, EUR);
    expect(parsed).toEqual({ ok: false, message: `Type the count of ${eur(100)} as a whole number.` });
    expect(parseCounts(denominations, { 50: '-1' }, EUR).ok).toBe(false);
  });
});

describe('hourBars', () => {
  it('scales bars to the biggest hour, fills the hours between and labels each bar', () => {
    const bars = hourBars(
      [
        { label: '09', count: 2, amount_minor: 5000 },
        { label: '11', count: 12, amount_minor: 12345 },
        { label: '12', count: 1, amount_minor: 10 },
      ],
      EUR,
    );
    expect(bars.map((b) => b.hour)).toEqual(['09:00', '10:00', '11:00', '12:00']);
    expect(bars.map((b) => b.percent)).toEqual([41, 0, 100, 2]);
    expect(bars[2]!.label).toBe(`11:00, 12 sales, ${eur(12345)}`);
    expect(bars[3]!.label).toBe(`12:00, 1 sale, ${eur(10)}`);
  });

  it('has no bars without sales', () => {
    expect(hourBars([], EUR)).toEqual([]);
  });
});
