// The returns screen's quantities: what a cashier types or steps for each line of a past sale,
// in pieces or kg, from nothing up to what may still come back. Thousandths, like the cart.

import type { ReturnLineView } from '../bindings/ReturnLineView';
import type { ReturnRequestView } from '../bindings/ReturnRequestView';
import { PIECE_MILLI, milliNumber } from './cart';
import { decimalSeparator } from './money';

export type ParsedQuantity = { ok: true; milli: number } | { ok: false; message: string };

/** "3" pieces or "0,742 kg": what may still come back of a line, as the cashier reads it. */
export function returnableText(line: ReturnLineView, locale: string): string {
  const number = milliNumber(line.returnable_milli, line.sold_by_weight, locale);
  return line.sold_by_weight ? `${number} kg` : number;
}

/** What the quantity field shows: "2", or "0,742" beside its "kg". */
export function quantityFieldText(milli: number, line: ReturnLineView, locale: string): string {
  return milliNumber(milli, line.sold_by_weight, locale);
}

/**
 * What was typed into "Return quantity of …" as thousandths: pieces ("2") or kg ("0,5"),
 * from 0 up to what may still come back. An emptied field is nothing.
 */
export function parseReturnQuantity(text: string, line: ReturnLineView, locale: string): ParsedQuantity {
  const typed = text.trim().replace(/\s*kg$/i, '');
  if (typed === '') return { ok: true, milli: 0 };
  const sep = decimalSeparator(locale);
  const example = line.sold_by_weight ? `0${sep}5` : '2';
  const refuse = (message: string): ParsedQuantity => ({ ok: false, message });
  const escaped = sep.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^(\\d*)(?:${escaped}(\\d*))?$`).exec(typed);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (!match || (whole === '' && fraction === '')) return refuse(`Type the quantity as digits, like ${example}.`);
  if (fraction.length > 3) return refuse(`Type at most 3 digits after the ${sep === ',' ? 'comma' : 'point'}.`);
  const milli = whole.replace(/^0+/, '').length > 6 ? Infinity : Number(whole || '0') * PIECE_MILLI + Number(fraction.padEnd(3, '0'));
  if (milli > line.returnable_milli) {
    return refuse(
      line.returnable_milli === 0
        ? 'Nothing more of this line can come back.'
        : `At most ${returnableText(line, locale)} can come back.`,
    );
  }
  return { ok: true, milli };
}

/** One piece more (+1) or less (−1) to take back, within 0 and what may still come back. */
export function stepReturn(currentMilli: number, line: ReturnLineView, direction: 1 | -1): number {
  const next =
    direction > 0
      ? (Math.floor(currentMilli / PIECE_MILLI) + 1) * PIECE_MILLI
      : Math.ceil(currentMilli / PIECE_MILLI) * PIECE_MILLI - PIECE_MILLI;
  return Math.min(Math.max(next, 0), line.returnable_milli);
}

/** The lines and quantities chosen, in the receipt's order, leaving out what is not returned. */
export function returnRequests(
  lines: readonly ReturnLineView[],
  quantities: Readonly<Record<number, number>>,
): ReturnRequestView[] {
  return lines
    .map((l) => ({ line_no: l.line_no, quantity_milli: quantities[l.line_no] ?? 0 }))
    .filter((r) => r.quantity_milli > 0);
}

/** The accessible names of a return line's controls, as the end-to-end tests find them. */
export function returnLabels(name: string): { quantity: string; less: string; more: string; all: string } {
  return {
    quantity: `Return quantity of ${name}`,
    less: `Return one less of ${name}`,
    more: `Return one more of ${name}`,
    all: `Return all of ${name}`,
  };
}
