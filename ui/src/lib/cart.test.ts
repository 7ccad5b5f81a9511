import { describe, expect, it } from 'vitest';
import type { CartLineView } from '../bindings/CartLineView';
import {
  canStep,
  lineAfterChange,
  lineLabels,
  moveSelection,
  nextQuantity,
  quantityDetail,
  quantityText,
} from './cart';
import type { Currency } from './money';

const EUR_DE: Currency = { code: 'EUR', exponent: 2, locale: 'de-DE' };
const EUR_EN: Currency = { code: 'EUR', exponent: 2, locale: 'en-IE' };

function line(overrides: Partial<CartLineView>): CartLineView {
  return {
    line_no: 1,
    name: 'Milk 1 l',
    quantity_milli: 1000,
    sold_by_weight: false,
    unit_price_minor: 119,
    amount_minor: 119,
    discount_minor: 0,
    original_price_minor: null,
    discount_bp: null,
    ...overrides,
  };
}

const apples = line({ line_no: 3, name: 'Apples', quantity_milli: 742, sold_by_weight: true, unit_price_minor: 249, amount_minor: 185 });
const coffee = line({ line_no: 2, name: 'Coffee beans 1 kg', quantity_milli: 2000, unit_price_minor: 1499, amount_minor: 2998 });

describe('quantityText', () => {
  it('shows whole pieces without decimals', () => {
    expect(quantityText(coffee, 'en-IE')).toBe('2');
    expect(quantityText(line({ quantity_milli: 12000 }), 'de-DE')).toBe('12');
    expect(quantityText(line({ quantity_milli: 1_234_000 }), 'de-DE')).toBe('1.234');
  });

  it('shows a part piece with only the digits it needs', () => {
    expect(quantityText(line({ quantity_milli: 1500 }), 'en-IE')).toBe('1.5');
    expect(quantityText(line({ quantity_milli: 250 }), 'de-DE')).toBe('0,25');
  });

  it('shows weight in kg with three decimals, in the locale', () => {
    expect(quantityText(apples, 'en-IE')).toBe('0.742 kg');
    expect(quantityText(apples, 'de-DE')).toBe('0,742 kg');
    expect(quantityText({ ...apples, quantity_milli: 2000 }, 'en-IE')).toBe('2.000 kg');
    expect(quantityText({ ...apples, quantity_milli: 5 }, 'en-IE')).toBe('0.005 kg');
  });
});

describe('quantityDetail', () => {
  it('shows weighed lines as weight × price per kg', () => {
    expect(quantityDetail(apples, EUR_EN)).toBe('0.742 kg × 2.49/kg');
    expect(quantityDetail(apples, EUR_DE)).toBe('0,742 kg × 2,49/kg');
  });

  it('shows pieces as count × unit price', () => {
    expect(quantityDetail(coffee, EUR_EN)).toBe('2 × 14.99');
  });
});

describe('nextQuantity', () => {
  it('adds one piece with +', () => {
    expect(nextQuantity(line({ quantity_milli: 1000 }), 1)).toEqual({ kind: 'set', quantityMilli: 2000 });
    expect(nextQuantity(coffee, 1)).toEqual({ kind: 'set', quantityMilli: 3000 });
  });

  it('takes one piece away with −', () => {
    expect(nextQuantity(coffee, -1)).toEqual({ kind: 'set', quantityMilli: 1000 });
    expect(nextQuantity(line({ quantity_milli: 5000 }), -1)).toEqual({ kind: 'set', quantityMilli: 4000 });
  });

  it('asks for removal on − at one piece instead of going to zero', () => {
    expect(nextQuantity(line({ quantity_milli: 1000 }), -1)).toEqual({ kind: 'remove' });
    expect(nextQuantity(line({ quantity_milli: 500 }), -1)).toEqual({ kind: 'remove' });
  });

  it('steps part pieces to whole pieces, never below one', () => {
    expect(nextQuantity(line({ quantity_milli: 1500 }), 1)).toEqual({ kind: 'set', quantityMilli: 2000 });
    expect(nextQuantity(line({ quantity_milli: 1500 }), -1)).toEqual({ kind: 'set', quantityMilli: 1000 });
    expect(nextQuantity(line({ quantity_milli: 2500 }), -1)).toEqual({ kind: 'set', quantityMilli: 2000 });
  });

  it('leaves weighed lines alone', () => {
    expect(canStep(apples)).toBe(false);
    expect(canStep(coffee)).toBe(true);
    expect(nextQuantity(apples, 1)).toEqual({ kind: 'none' });
    expect(nextQuantity(apples, -1)).toEqual({ kind: 'none' });
  });

  it('stops + at the upper bound', () => {
    expect(nextQuantity(line({ quantity_milli: 999_000 }), 1)).toEqual({ kind: 'none' });
    expect(nextQuantity(line({ quantity_milli: 998_000 }), 1)).toEqual({ kind: 'set', quantityMilli: 999_000 });
  });
});

describe('lineLabels', () => {
  it('names every button after the product', () => {
    expect(lineLabels(coffee)).toEqual({
      decrease: 'Decrease quantity of Coffee beans 1 kg',
      increase: 'Increase quantity of Coffee beans 1 kg',
      remove: 'Remove Coffee beans 1 kg',
    });
  });
});

describe('lineAfterChange', () => {
  const milk = line({ line_no: 1 });

  it('points at a newly added line', () => {
    expect(lineAfterChange([milk], [milk, coffee], 1)).toBe(2);
  });

  it('points at the line a scan merged into', () => {
    const moreCoffee = { ...coffee, quantity_milli: 3000 };
    expect(lineAfterChange([milk, coffee], [milk, moreCoffee], 1)).toBe(2);
  });

  it('keeps the selection when the line is still there', () => {
    expect(lineAfterChange([milk, coffee], [milk, coffee], 1)).toBe(1);
  });

  it('moves to a neighbour when the selected line was removed', () => {
    expect(lineAfterChange([milk, coffee, apples], [milk, apples], 2)).toBe(3);
    expect(lineAfterChange([milk, coffee], [milk], 2)).toBe(1);
    expect(lineAfterChange([milk], [], 1)).toBeNull();
  });
});

describe('moveSelection', () => {
  const lines = [line({ line_no: 1 }), coffee, apples];

  it('moves up and down and stops at the ends', () => {
    expect(moveSelection(lines, 2, 1)).toBe(3);
    expect(moveSelection(lines, 3, 1)).toBe(3);
    expect(moveSelection(lines, 2, -1)).toBe(1);
    expect(moveSelection(lines, 1, -1)).toBe(1);
  });

  it('starts from an end when nothing is selected', () => {
    expect(moveSelection(lines, null, 1)).toBe(1);
    expect(moveSelection(lines, null, -1)).toBe(3);
    expect(moveSelection([], null, 1)).toBeNull();
  });
});
