// What the cart table shows for each line, and what its − and + buttons ask for.
// Quantities are thousandths: 1000 is one piece, 742 is 0.742 kg.

import type { CartLineView } from '../bindings/CartLineView';
import { type Currency, formatAmount } from './money';

export const PIECE_MILLI = 1000;
/** The most pieces one line may hold from the + button: a bound against a stuck key. */
export const MAX_PIECES = 999;

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, fractionDigits: number): Intl.NumberFormat {
  const key = `${locale}|${fractionDigits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    numberFormats.set(key, f);
  }
  return f;
}

/** Thousandths as an exact decimal string: 742 → "0.742". */
function milliDecimal(milli: number): string {
  const sign = milli < 0 ? '-' : '';
  const digits = Math.abs(milli).toString().padStart(4, '0');
  return `${sign}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

/**
 * Thousandths as a number in the locale, without a unit: "2" for two pieces, "1.5" for a part
 * piece, "0.742" for a weight (always three decimals, as the scale prints it).
 */
export function milliNumber(milli: number, soldByWeight: boolean, locale: string): string {
  if (soldByWeight) return numberFormat(locale, 3).format(milliDecimal(milli) as unknown as number);
  if (milli % PIECE_MILLI === 0) return numberFormat(locale, 0).format(milli / PIECE_MILLI);
  const trimmed = milliDecimal(milli).replace(/0+$/, '');
  const digits = trimmed.length - trimmed.indexOf('.') - 1;
  return numberFormat(locale, digits).format(trimmed as unknown as number);
}

/** "2" for two pieces, "1.5" for a part piece, "0.742 kg" for a weighed line. */
export function quantityText(line: CartLineView, locale: string): string {
  const number = milliNumber(line.quantity_milli, line.sold_by_weight, locale);
  return line.sold_by_weight ? `${number} kg` : number;
}

/** The line's detail under its name: "2 × 14.99", or "0.742 kg × 2.49/kg" when weighed. */
export function quantityDetail(line: CartLineView, currency: Currency): string {
  const price = formatAmount(line.unit_price_minor, currency);
  const quantity = quantityText(line, currency.locale);
  return line.sold_by_weight ? `${quantity} × ${price}/kg` : `${quantity} × ${price}`;
}

/** Whether the line gets − and + buttons: weighed lines are changed by weighing again. */
export function canStep(line: CartLineView): boolean {
  return !line.sold_by_weight;
}

export type Step =
  | { kind: 'set'; quantityMilli: number }
  /** − on the last piece: the line would vanish, so the cashier is asked to remove it. */
  | { kind: 'remove' }
  /** Nothing to do (a weighed line, or + at the upper bound). */
  | { kind: 'none' };

/** What − (direction -1) or + (+1) does to a line: whole pieces, never below one piece. */
export function nextQuantity(line: CartLineView, direction: 1 | -1): Step {
  if (!canStep(line)) return { kind: 'none' };
  const q = line.quantity_milli;
  if (direction > 0) {
    // A part piece steps up to the next whole piece.
    const next = (Math.floor(q / PIECE_MILLI) + 1) * PIECE_MILLI;
    return next > MAX_PIECES * PIECE_MILLI ? { kind: 'none' } : { kind: 'set', quantityMilli: next };
  }
  if (q <= PIECE_MILLI) return { kind: 'remove' };
  const next = Math.ceil(q / PIECE_MILLI) * PIECE_MILLI - PIECE_MILLI;
  return { kind: 'set', quantityMilli: Math.max(next, PIECE_MILLI) };
}

/** The accessible names of a line's buttons, as the end-to-end tests find them. */
export function lineLabels(line: CartLineView): { decrease: string; increase: string; remove: string } {
  return {
    decrease: `Decrease quantity of ${line.name}`,
    increase: `Increase quantity of ${line.name}`,
    remove: `Remove ${line.name}`,
  };
}

/**
 * The line a cart change points at: a new line after an add, else a line whose quantity
 * changed (a scan that merged into it), else the selected line while it is still there.
 */
export function lineAfterChange(
  before: readonly CartLineView[],
  after: readonly CartLineView[],
  selected: number | null,
): number | null {
  const known = new Set(before.map((l) => l.line_no));
  const added = after.filter((l) => !known.has(l.line_no));
  if (added.length > 0) return added[added.length - 1]!.line_no;
  const quantities = new Map(before.map((l) => [l.line_no, l.quantity_milli]));
  const changed = after.filter((l) => quantities.get(l.line_no) !== l.quantity_milli);
  if (changed.length === 1) return changed[0]!.line_no;
  if (selected !== null && after.some((l) => l.line_no === selected)) return selected;
  if (selected !== null) {
    // The selected line went away: point at its neighbour so Delete can go on.
    const index = before.findIndex((l) => l.line_no === selected);
    const neighbour = after[Math.min(Math.max(index, 0), after.length - 1)];
    return neighbour?.line_no ?? null;
  }
  return after.length > 0 ? after[after.length - 1]!.line_no : null;
}

/** The line above (-1) or below (+1) the selected one, for the arrow keys. */
export function moveSelection(lines: readonly CartLineView[], selected: number | null, direction: 1 | -1): number | null {
  if (lines.length === 0) return null;
  const index = lines.findIndex((l) => l.line_no === selected);
  if (index < 0) return lines[direction > 0 ? 0 : lines.length - 1]!.line_no;
  const next = Math.min(Math.max(index + direction, 0), lines.length - 1);
  return lines[next]!.line_no;
}
