// Line discounts as the cashier types and reads them: percent on screen, basis points
// (1 000 = 10 %) to and from the back end. Integers only: a percentage is parsed digit by digit.

import { decimalSeparator } from './money';

/** 100 %: the most a line can be discounted. */
export const MAX_DISCOUNT_BP = 10_000;

export type ParsedPercent = { ok: true; bp: number } | { ok: false; message: string };

/**
 * What a cashier typed into "Discount %" ("10", "12,5" in de-DE, "12.5" in en-US, a trailing
 * "%" allowed) as basis points. Like amounts, only the locale's decimal separator is accepted.
 */
export function parsePercent(text: string, locale: string): ParsedPercent {
  const typed = text.trim().replace(/\s*%$/, '');
  const sep = decimalSeparator(locale);
  const example = `10 or 12${sep}5`;
  const refuse = (message: string): ParsedPercent => ({ ok: false, message });
  if (typed === '') return refuse(`Type a percentage, like ${example}.`);
  if (typed.startsWith('-')) return refuse('A discount cannot be negative.');
  const escaped = sep.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^(\\d*)(?:${escaped}(\\d*))?$`).exec(typed);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (!match || (whole === '' && fraction === '')) return refuse(`Type the percentage as digits, like ${example}.`);
  if (fraction.length > 2) return refuse(`Type at most 2 digits after the ${sep === ',' ? 'comma' : 'point'}.`);
  if (whole.replace(/^0+/, '').length > 3) return refuse('A discount can be at most 100 %.');
  const bp = Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (bp > MAX_DISCOUNT_BP) return refuse('A discount can be at most 100 %.');
  return { ok: true, bp };
}

const formats = new Map<string, Intl.NumberFormat>();

/** 1000 → "10", 1250 → "12,5" (de-DE), 125 → "1.25" (en-US): the percentage without a sign. */
export function percentText(bp: number, locale: string): string {
  let f = formats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2, useGrouping: false });
    formats.set(locale, f);
  }
  const digits = Math.abs(Math.trunc(bp)).toString().padStart(3, '0');
  // An exact decimal string ("12.50"): Intl formats it without going through a float.
  return f.format(`${digits.slice(0, -2)}.${digits.slice(-2)}` as unknown as number);
}

/** How a discounted cart line shows its discount: "−10 %". */
export function discountText(bp: number, locale: string): string {
  return `−${percentText(bp, locale)} %`;
}
