import { describe, expect, it } from 'vitest';
import { discountText, parsePercent, percentText } from './discount';

describe('parsePercent', () => {
  it('reads whole and decimal percentages in the locale as basis points', () => {
    expect(parsePercent('10', 'de-DE')).toEqual({ ok: true, bp: 1000 });
    expect(parsePercent(' 12,5 % ', 'de-DE')).toEqual({ ok: true, bp: 1250 });
    expect(parsePercent('12.5', 'en-US')).toEqual({ ok: true, bp: 1250 });
    expect(parsePercent('0,25', 'de-DE')).toEqual({ ok: true, bp: 25 });
    expect(parsePercent(',5', 'de-DE')).toEqual({ ok: true, bp: 50 });
    expect(parsePercent('100', 'de-DE')).toEqual({ ok: true, bp: 10_000 });
    expect(parsePercent('0', 'de-DE')).toEqual({ ok: true, bp: 0 });
  });

  it('refuses what it would have to guess at, with a sentence', () => {
    expect(parsePercent('', 'de-DE')).toEqual({ ok: false, message: 'Type a percentage, like 10 or 12,5.' });
    expect(parsePercent('12.5', 'de-DE')).toEqual({
      ok: false,
      message: 'Type the percentage as digits, like 10 or 12,5.',
    });
    expect(parsePercent('-5', 'de-DE')).toEqual({ ok: false, message: 'A discount cannot be negative.' });
    expect(parsePercent('1,234', 'de-DE')).toEqual({ ok: false, message: 'Type at most 2 digits after the comma.' });
    expect(parsePercent('100,01', 'de-DE')).toEqual({ ok: false, message: 'A discount can be at most 100 %.' });
    expect(parsePercent('5000', 'en-US')).toEqual({ ok: false, message: 'A discount can be at most 100 %.' });
  });
});

describe('percentText and discountText', () => {
  it('shows only the digits a percentage needs, in the locale', () => {
    expect(percentText(1000, 'de-DE')).toBe('10');
    expect(percentText(1250, 'de-DE')).toBe('12,5');
    expect(percentText(125, 'en-US')).toBe('1.25');
    expect(percentText(5, 'en-US')).toBe('0.05');
    expect(percentText(10_000, 'de-DE')).toBe('100');
    expect(discountText(1000, 'de-DE')).toBe('−10 %');
    expect(discountText(750, 'en-US')).toBe('−7.5 %');
  });
});
