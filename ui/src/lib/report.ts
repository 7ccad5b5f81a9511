// Pure helpers of the day screen: what a drawer count adds up to, how a variance reads, and the
// bars of the sales-by-hour chart.

import type { DenominationView } from '../bindings/DenominationView';
import type { ReportRowView } from '../bindings/ReportRowView';
import { type Currency, formatMoney } from './money';

/** What was typed per denomination (by value in minor units); blanks count 0. */
export type TypedCounts = Record<number, string>;

export type ParsedCount = { ok: true; count: DenominationView[]; total: number } | { ok: false; message: string };

const PIECES = /^\d{1,6}$/;

/** The typed counts as whole pieces, refused when one is not a whole number of pieces. */
export function parseCounts(denominations: number[], typed: TypedCounts, currency: Currency): ParsedCount {
  const count: DenominationView[] = [];
  let total = 0;
  for (const value of denominations) {
    const text = String(typed[value] ?? '').trim();
    if (text === '') continue;
    if (!PIECES.test(text)) {
      return { ok: false, message: `Type the count of ${formatMoney(value, currency)} as a whole number.` };
    }
    const pieces = Number(text);
    if (pieces === 0) continue;
    count.push({ value_minor: value, count: pieces });
    total += value * pieces;
  }
  return { ok: true, count, total };
}

/** The running total of a count being typed; what cannot be read counts 0. */
export function typedTotal(denominations: number[], typed: TypedCounts): number {
  let total = 0;
  for (const value of denominations) {
    const text = String(typed[value] ?? '').trim();
    if (PIECES.test(text)) total += value * Number(text);
  }
  return total;
}

/** Counted minus expected, in words: "Short by 1,00 €", "Over by 2,50 €" or "Exact". */
export function varianceText(varianceMinor: number, currency: Currency): string {
  if (varianceMinor < 0) return `Short by ${formatMoney(-varianceMinor, currency)}`;
  if (varianceMinor > 0) return `Over by ${formatMoney(varianceMinor, currency)}`;
  return 'Exact';
}

export type HourBar = {
  /** "10:00". */
  hour: string;
  count: number;
  amountMinor: number;
  /** Height as a percentage of the tallest bar (0 to 100); a bar with sales is at least 2. */
  percent: number;
  /** What a screen reader says: "10:00, 12 sales, 123,45 €". */
  label: string;
};

/**
 * One bar per hour from the first hour with sales to the last (an hour between with none gets
 * an empty bar), each as tall as its amount beside the biggest.
 */
export function hourBars(hours: ReportRowView[], currency: Currency): HourBar[] {
  const byHour = new Map<number, ReportRowView>();
  for (const row of hours) {
    const h = Number.parseInt(row.label, 10);
    if (Number.isInteger(h) && h >= 0 && h < 24) byHour.set(h, row);
  }
  if (byHour.size === 0) return [];
  const first = Math.min(...byHour.keys());
  const last = Math.max(...byHour.keys());
  const max = Math.max(0, ...[...byHour.values()].map((r) => r.amount_minor));
  const bars: HourBar[] = [];
  for (let h = first; h <= last; h++) {
    const row = byHour.get(h);
    const count = row?.count ?? 0;
    const amountMinor = row?.amount_minor ?? 0;
    const hour = `${String(h).padStart(2, '0')}:00`;
    const percent = max > 0 && amountMinor > 0 ? Math.max(2, Math.round((amountMinor / max) * 100)) : 0;
    bars.push({
      hour,
      count,
      amountMinor,
      percent,
      label: `${hour}, ${count === 1 ? '1 sale' : `${count} sales`}, ${formatMoney(amountMinor, currency)}`,
    });
  }
  return bars;
}
