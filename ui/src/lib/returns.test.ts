import { describe, expect, it } from 'vitest';
import type { ReturnLineView } from '../bindings/ReturnLineView';
import {
  parseReturnQuantity,
  quantityFieldText,
  returnLabels,
  returnRequests,
  returnableText,
  stepReturn,
} from './returns';

const milk: ReturnLineView = {
  line_no: 2,
  name: 'Milk 1 l',
  sold_by_weight: false,
  sold_milli: 3000,
  returnable_milli: 3000,
  paid_minor: 357,
};
const apples: ReturnLineView = {
  line_no: 3,
  name: 'Apples',
  sold_by_weight: true,
  sold_milli: 742,
  returnable_milli: 742,
  paid_minor: 185,
};

describe('parseReturnQuantity', () => {
  it('reads pieces and kg in the locale', () => {
    expect(parseReturnQuantity('2', milk, 'de-DE')).toEqual({ ok: true, milli: 2000 });
    expect(parseReturnQuantity('0,5', apples, 'de-DE')).toEqual({ ok: true, milli: 500 });
    expect(parseReturnQuantity('0.742 kg', apples, 'en-US')).toEqual({ ok: true, milli: 742 });
    expect(parseReturnQuantity('', milk, 'de-DE')).toEqual({ ok: true, milli: 0 });
    expect(parseReturnQuantity('1,', milk, 'de-DE')).toEqual({ ok: true, milli: 1000 });
  });

  it('refuses more than may come back, and garbled text, with a sentence', () => {
    expect(parseReturnQuantity('4', milk, 'de-DE')).toEqual({ ok: false, message: 'At most 3 can come back.' });
    expect(parseReturnQuantity('0,8', apples, 'de-DE')).toEqual({
      ok: false,
      message: 'At most 0,742 kg can come back.',
    });
    expect(parseReturnQuantity('9999999', milk, 'de-DE')).toEqual({ ok: false, message: 'At most 3 can come back.' });
    expect(parseReturnQuantity('1', { ...milk, returnable_milli: 0 }, 'de-DE')).toEqual({
      ok: false,
      message: 'Nothing more of this line can come back.',
    });
    expect(parseReturnQuantity('two', milk, 'de-DE')).toEqual({
      ok: false,
      message: 'Type the quantity as digits, like 2.',
    });
    expect(parseReturnQuantity('0,1234', apples, 'de-DE')).toEqual({
      ok: false,
      message: 'Type at most 3 digits after the comma.',
    });
  });
});

describe('the quantity texts', () => {
  it('shows pieces as counts and weights with three decimals', () => {
    expect(quantityFieldText(2000, milk, 'de-DE')).toBe('2');
    expect(quantityFieldText(500, apples, 'de-DE')).toBe('0,500');
    expect(returnableText(apples, 'en-US')).toBe('0.742 kg');
    expect(returnableText(milk, 'en-US')).toBe('3');
  });
});

describe('stepReturn', () => {
  it('steps whole pieces between nothing and what may come back', () => {
    expect(stepReturn(0, milk, 1)).toBe(1000);
    expect(stepReturn(3000, milk, 1)).toBe(3000);
    expect(stepReturn(1000, milk, -1)).toBe(0);
    expect(stepReturn(0, milk, -1)).toBe(0);
    expect(stepReturn(1000, { ...milk, returnable_milli: 1500 }, 1)).toBe(1500);
    expect(stepReturn(1500, milk, -1)).toBe(1000);
  });
});

describe('returnRequests', () => {
  it('lists the chosen lines in the receipt order and leaves out the rest', () => {
    expect(returnRequests([milk, apples], { 3: 500, 2: 0 })).toEqual([{ line_no: 3, quantity_milli: 500 }]);
    expect(returnRequests([milk, apples], { 3: 742, 2: 1000 })).toEqual([
      { line_no: 2, quantity_milli: 1000 },
      { line_no: 3, quantity_milli: 742 },
    ]);
    expect(returnRequests([milk], {})).toEqual([]);
  });
});

describe('returnLabels', () => {
  it('names every control after the product', () => {
    expect(returnLabels('Milk 1 l')).toEqual({
      quantity: 'Return quantity of Milk 1 l',
      less: 'Return one less of Milk 1 l',
      more: 'Return one more of Milk 1 l',
      all: 'Return all of Milk 1 l',
    });
  });
});
