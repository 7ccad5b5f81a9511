// Money on screen: integer minor units in, text out, and typed text back to minor units.
// No floating point touches an amount: the decimal string is built from the integer and
// handed to Intl, which formats string decimals exactly.

/** How one store shows money: the session's currency, its exponent and the locale. */
export type Currency = {
  /** ISO-4217 code, e.g. "EUR". */
  code: string;
  /** Digits after the decimal point (2 for EUR, 0 for JPY). */
  exponent: number;
  /** BCP 47 locale, e.g. "de-DE". */
  locale: string;
};

/** The biggest amount a cashier may type, in whole units: a bound, not a business rule. */
export const MAX_TYPED_UNITS = 999_999_999;

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

function checkMinor(minor: number): void {
  if (!Number.isSafeInteger(minor)) {
    throw new RangeError(`an amount in minor units must be a safe integer, got ${minor}`);
  }
}

/** "-123456", 2 → "-1234.56": an exact decimal string of an integer amount. */
export function toDecimalString(minor: number, exponent: number): string {
  checkMinor(minor);
  const sign = minor < 0 ? '-' : '';
  const digits = Math.abs(minor).toString();
  if (exponent <= 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, padded.length - exponent);
  const fraction = padded.slice(padded.length - exponent);
  return `${sign}${whole}.${fraction}`;
}

// Intl formats a numeric string exactly (ES2023); the cast is for TypeScript's older lib types.
function exact(minor: number, exponent: number): number {
  return toDecimalString(minor, exponent) as unknown as number;
}

/** 123456 → "1.234,56 €" (de-DE, EUR) or "$1,234.56" (en-US, USD). */
export function formatMoney(minor: number, currency: Currency): string {
  const f = formatter(`c|${currency.locale}|${currency.code}|${currency.exponent}`, () =>
    new Intl.NumberFormat(currency.locale, {
      style: 'currency',
      currency: currency.code,
      minimumFractionDigits: currency.exponent,
      maximumFractionDigits: currency.exponent,
    }),
  );
  return f.format(exact(minor, currency.exponent));
}

/** 2000 → "20,00" (de-DE) or "20.00" (en-US): the amount without the currency sign. */
export function formatAmount(minor: number, currency: Currency): string {
  const f = formatter(`a|${currency.locale}|${currency.exponent}`, () =>
    new Intl.NumberFormat(currency.locale, {
      minimumFractionDigits: currency.exponent,
      maximumFractionDigits: currency.exponent,
    }),
  );
  return f.format(exact(minor, currency.exponent));
}

/** The character the locale writes between whole units and cents: "," for de-DE. */
export function decimalSeparator(locale: string): string {
  const part = formatter(`d|${locale}`, () => new Intl.NumberFormat(locale))
    .formatToParts(1.5)
    .find((p) => p.type === 'decimal');
  return part?.value ?? '.';
}

export type ParsedAmount = { ok: true; minor: number } | { ok: false; message: string };

/**
 * What a cashier typed ("20", "20,50" in de-DE, "20.50" in en-US) as minor units.
 * Only digits and the locale's decimal separator are accepted: a thousands separator or the
 * other locale's separator is refused rather than guessed at, since "20.50" in a German
 * till could mean twenty or two thousand fifty.
 */
export function parseAmount(text: string, currency: Currency): ParsedAmount {
  const typed = text.trim();
  const sep = decimalSeparator(currency.locale);
  const example =
    currency.exponent > 0 ? `20${sep}${'5'.padEnd(currency.exponent, '0')}` : '2000';
  const refuse = (message: string): ParsedAmount => ({ ok: false, message });
  if (typed === '') return refuse('Type an amount.');
  if (typed.startsWith('-')) return refuse('The amount cannot be negative.');
  const escaped = sep.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^(\\d*)(?:${escaped}(\\d*))?$`).exec(typed);
  if (!match) return refuse(`Type the amount as digits, like ${example}.`);
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if (whole === '' && fraction === '') return refuse(`Type the amount as digits, like ${example}.`);
  if (match[2] !== undefined && currency.exponent === 0) {
    return refuse(`${currency.code} has no cents: type whole amounts, like ${example}.`);
  }
  if (fraction.length > currency.exponent) {
    return refuse(`Type at most ${currency.exponent} digits after the ${sep === ',' ? 'comma' : 'point'}.`);
  }
  const wholeUnits = whole === '' ? 0 : Number(whole);
  if (whole.replace(/^0+/, '').length > 9 || wholeUnits > MAX_TYPED_UNITS) {
    return refuse('That amount is too large.');
  }
  const minor =
    wholeUnits * 10 ** currency.exponent + Number(fraction.padEnd(currency.exponent, '0') || '0');
  return { ok: true, minor };
}

/** 12000 → "12", 2500 → "2,5" (de-DE): a stock quantity in thousandths, as a number. */
export function formatQuantity(milli: number, locale: string): string {
  const f = formatter(`q|${locale}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }));
  return f.format(exact(milli, 3));
}
