import { describe, expect, it } from 'vitest';
import {
  type Currency,
  decimalSeparator,
  formatAmount,
  formatMoney,
  formatQuantity,
  parseAmount,
  toDecimalString,
} from './money';

const EUR_DE: Currency = { code: 'EUR', exponent: 2, locale: 'de-DE' };
const USD_US: Currency = { code: 'USD', exponent: 2, locale: 'en-US' };
const JPY_JP: Currency = { code: 'JPY', exponent: 0, locale: 'ja-JP' };
const KWD: Currency = { code: 'KWD', exponent: 3, locale: 'en-US' };

// Intl puts a no-break space (U+00A0) between amount and sign in de-DE; compare with Intl
// itself where exact spacing matters, and with the visible characters everywhere else.
const deEur = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' });

describe('toDecimalString', () => {
  it('places the decimal point by the exponent, padding small amounts', () => {
    expect(toDecimalString(123456, 2)).toBe('1234.56');
    expect(toDecimalString(5, 2)).toBe('0.05');
    expect(toDecimalString(0, 2)).toBe('0.00');
    expect(toDecimalString(-7, 2)).toBe('-0.07');
    expect(toDecimalString(1500, 0)).toBe('1500');
    expect(toDecimalString(1, 3)).toBe('0.001');
  });

  it('refuses amounts that are not safe integers', () => {
    expect(() => toDecimalString(1.5, 2)).toThrow(RangeError);
    expect(() => toDecimalString(2 ** 60, 2)).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('formats EUR in de-DE with grouping, comma and the sign after the amount', () => {
    expect(formatMoney(123456, EUR_DE)).toBe(deEur.format(1234.56));
    expect(formatMoney(123456, EUR_DE).replace(/\s/g, ' ')).toBe('1.234,56 €');
    expect(formatMoney(123456, EUR_DE)).toContain('\u00a0€');
  });

  it('formats USD in en-US', () => {
    expect(formatMoney(123456, USD_US)).toBe('$1,234.56');
    expect(formatMoney(5, USD_US)).toBe('$0.05');
    expect(formatMoney(0, USD_US)).toBe('$0.00');
  });

  it('formats negative amounts', () => {
    expect(formatMoney(-19, USD_US)).toBe('-$0.19');
    expect(formatMoney(-123456, EUR_DE)).toBe(deEur.format(-1234.56));
  });

  it('formats currencies without minor units', () => {
    const yen = formatMoney(1500, JPY_JP);
    expect(yen).toBe(new Intl.NumberFormat('ja-JP', { style: 'currency', currency: 'JPY' }).format(1500));
    expect(yen).toMatch(/1,500$/);
    expect(yen).not.toContain('.');
  });

  it('formats three-decimal currencies', () => {
    expect(formatMoney(1234, KWD)).toMatch(/1\.234$/);
  });

  it('is exact where a float would not be', () => {
    // 2^53 - 1 minor units: a float division would round the last digits.
    expect(formatAmount(Number.MAX_SAFE_INTEGER, USD_US)).toBe('90,071,992,547,409.91');
  });
});

describe('formatAmount', () => {
  it('leaves out the currency sign', () => {
    expect(formatAmount(2000, EUR_DE)).toBe('20,00');
    expect(formatAmount(2000, USD_US)).toBe('20.00');
    expect(formatAmount(249, EUR_DE)).toBe('2,49');
    expect(formatAmount(1500, JPY_JP)).toBe('1,500');
  });
});

describe('decimalSeparator', () => {
  it('follows the locale', () => {
    expect(decimalSeparator('de-DE')).toBe(',');
    expect(decimalSeparator('en-US')).toBe('.');
  });
});

describe('parseAmount', () => {
  const ok = (minor: number) => ({ ok: true, minor });

  it('reads whole amounts', () => {
    expect(parseAmount('20', EUR_DE)).toEqual(ok(2000));
    expect(parseAmount('20', USD_US)).toEqual(ok(2000));
    expect(parseAmount(' 7 ', USD_US)).toEqual(ok(700));
    expect(parseAmount('0', USD_US)).toEqual(ok(0));
  });

  it('reads cents with the locale separator', () => {
    expect(parseAmount('20,50', EUR_DE)).toEqual(ok(2050));
    expect(parseAmount('20.50', USD_US)).toEqual(ok(2050));
    expect(parseAmount('20,5', EUR_DE)).toEqual(ok(2050));
    expect(parseAmount(',05', EUR_DE)).toEqual(ok(5));
    expect(parseAmount('20.', USD_US)).toEqual(ok(2000));
  });

  it('reads currencies without minor units', () => {
    expect(parseAmount('1500', JPY_JP)).toEqual(ok(1500));
    const refused = parseAmount('1500.5', JPY_JP);
    expect(refused.ok).toBe(false);
  });

  it('refuses the other locale separator instead of guessing', () => {
    const de = parseAmount('20.50', EUR_DE);
    expect(de).toEqual({ ok: false, message: 'Type the amount as digits, like 20,50.' });
    const en = parseAmount('20,50', USD_US);
    expect(en).toEqual({ ok: false, message: 'Type the amount as digits, like 20.50.' });
  });

  it('refuses garbage with a sentence that says what to do', () => {
    for (const garbage of ['abc', '12a', '1,2,3', '€20', '2 0', ',', '.', '1e3', '0x10', 'NaN']) {
      const result = parseAmount(garbage, EUR_DE);
      expect(result.ok, `"${garbage}" must be refused`).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/^[A-Z].*\.$/);
    }
    expect(parseAmount('', EUR_DE)).toEqual({ ok: false, message: 'Type an amount.' });
    expect(parseAmount('   ', EUR_DE)).toEqual({ ok: false, message: 'Type an amount.' });
  });

  it('refuses negative amounts, too many decimals and absurd sizes', () => {
    expect(parseAmount('-5', USD_US)).toEqual({ ok: false, message: 'The amount cannot be negative.' });
    expect(parseAmount('20.505', USD_US)).toEqual({
      ok: false,
      message: 'Type at most 2 digits after the point.',
    });
    expect(parseAmount('1234567890', USD_US)).toEqual({ ok: false, message: 'That amount is too large.' });
    expect(parseAmount('999999999', USD_US)).toEqual(ok(99_999_999_900));
  });
});

describe('formatQuantity', () => {
  it('shows stock in thousandths as a plain number in the store locale', () => {
    expect(formatQuantity(12000, 'de-DE')).toBe('12');
    expect(formatQuantity(2500, 'de-DE')).toBe('2,5');
    expect(formatQuantity(1234500, 'en-US')).toBe('1,234.5');
    expect(formatQuantity(-2000, 'de-DE')).toBe('-2');
    expect(formatQuantity(125, 'en-US')).toBe('0.125');
  });
});
