// A stand-in for the Rust side, for the component tests and for `npm run dev` in a plain
// browser. It answers the same commands with the same shapes through Tauri's own IPC mock, so
// the code under test goes through the real `ipc.ts` (command names, argument keys, events).
// It is not the product: prices, taxes and rules here are only as real as a demo needs.

import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { CardResultView } from '../bindings/CardResultView';
import type { CartLineView } from '../bindings/CartLineView';
import type { CartView } from '../bindings/CartView';
import type { CompletedView } from '../bindings/CompletedView';
import type { ErrorView } from '../bindings/ErrorView';
import type { QuickKeyView } from '../bindings/QuickKeyView';
import type { SearchHitView } from '../bindings/SearchHitView';
import type { SessionView } from '../bindings/SessionView';
import type { StatusView } from '../bindings/StatusView';

type Item = { sku: string; name: string; priceMinor: number; taxPercent: number; byWeight: boolean; codes: string[] };

export const FAKE_ITEMS: Item[] = [
  { sku: 'COFFEE-1KG', name: 'Coffee beans 1 kg', priceMinor: 1499, taxPercent: 7, byWeight: false, codes: ['4006381333931'] },
  { sku: 'MILK-1L', name: 'Milk 1 l', priceMinor: 119, taxPercent: 7, byWeight: false, codes: ['4000417025005', '1001'] },
  { sku: 'CROISSANT', name: 'Croissant', priceMinor: 129, taxPercent: 7, byWeight: false, codes: ['1002'] },
  { sku: 'WATER-6', name: 'Water 6×1.5 l', priceMinor: 299, taxPercent: 19, byWeight: false, codes: ['4008501011009'] },
  { sku: 'APPLES', name: 'Apples', priceMinor: 249, taxPercent: 7, byWeight: true, codes: ['4001'] },
  { sku: 'BAG', name: 'Bag', priceMinor: 20, taxPercent: 19, byWeight: false, codes: ['1003'] },
  { sku: 'COFFEE-TOGO', name: 'Coffee to go', priceMinor: 250, taxPercent: 19, byWeight: false, codes: ['1004'] },
  { sku: 'CHOC-100', name: 'Chocolate 100 g', priceMinor: 149, taxPercent: 7, byWeight: false, codes: ['96385074'] },
];

/** A scale label (EAN-13): "20" + 5-digit PLU + 5-digit grams + check digit. */
const WEIGHT_LABEL = /^20(\d{5})(\d{5})\d$/;

export const FAKE_RECEIPT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAMCAAAAAB69aNBAAAAE0lEQVR4nGPQgAKG/1CAYFBbCgCPz0TBClXUnAAAAABJRU5ErkJggg==';

const STAFF: Record<string, { name: string; role: string }> = {
  '1234': { name: 'Anna', role: 'cashier' },
  '9999': { name: 'Maria', role: 'manager' },
};

export type FakeOptions = {
  /** Milliseconds between card terminal messages (0 in tests). */
  cardStepMs?: number;
  locale?: string;
  /** Let the fake answer search only after this many ms (to test stale answers). */
  searchDelayMs?: (query: string) => number;
};

export type FakeBackend = {
  /** Every command called, in order, with its arguments. */
  calls: { cmd: string; args: Record<string, unknown> }[];
  /** The next call of `cmd` rejects with this error. */
  failNext(cmd: string, error: ErrorView): void;
  /** Push a "device-status" event. */
  pushStatus(status: StatusView): Promise<void>;
  status: StatusView;
  uninstall(): void;
};

type Line = { lineNo: number; item: Item; quantityMilli: number };

function reject(code: string, message: string): never {
  throw { code, message } satisfies ErrorView;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function installFakeBackend(options: FakeOptions = {}): FakeBackend {
  const cardStepMs = options.cardStepMs ?? 0;
  let session: SessionView | null = null;
  let lines: Line[] = [];
  let nextLineNo = 1;
  let tendering = false;
  let paidMinor = 0;
  let changeMinor = 0;
  let receiptNo = 100;
  const failures = new Map<string, ErrorView>();
  const calls: FakeBackend['calls'] = [];

  const fake: FakeBackend = {
    calls,
    failNext: (cmd, error) => void failures.set(cmd, error),
    pushStatus: async (s) => {
      fake.status = s;
      await emit('device-status', s);
    },
    status: {
      printer: { state: 'ok', message: '' },
      terminal: { state: 'ok', message: '' },
      backend: { state: 'offline', message: 'Back end: not paired' },
      to_sync: 3,
      to_print: 0,
    },
    uninstall: () => clearMocks(),
  };

  const lineAmount = (l: Line) => Math.round((l.item.priceMinor * l.quantityMilli) / 1000);
  const total = () => lines.reduce((sum, l) => sum + lineAmount(l), 0);
  const remaining = () => Math.max(total() - paidMinor, 0);

  function view(): CartView {
    const byRate = new Map<number, number>();
    for (const l of lines) {
      const gross = lineAmount(l);
      const tax = Math.round((gross * l.item.taxPercent) / (100 + l.item.taxPercent));
      byRate.set(l.item.taxPercent, (byRate.get(l.item.taxPercent) ?? 0) + tax);
    }
    const taxes = [...byRate.entries()]
      .sort(([a], [b]) => a - b)
      .map(([rate, tax]) => ({ label: `VAT ${rate} %`, tax_minor: tax }));
    const taxSum = taxes.reduce((s, t) => s + t.tax_minor, 0);
    return {
      state: tendering ? 'tendering' : lines.length ? 'open' : 'empty',
      lines: lines.map(
        (l): CartLineView => ({
          line_no: l.lineNo,
          name: l.item.name,
          quantity_milli: l.quantityMilli,
          sold_by_weight: l.item.byWeight,
          unit_price_minor: l.item.priceMinor,
          amount_minor: lineAmount(l),
          discount_minor: 0,
        }),
      ),
      net_minor: total() - taxSum,
      taxes,
      total_minor: total(),
      paid_minor: paidMinor,
      remaining_minor: tendering ? remaining() : 0,
    };
  }

  function add(item: Item, quantityMilli: number): CartView {
    if (tendering) reject('sale_in_progress', 'Finish or cancel the payment before adding items.');
    const same = lines.find((l) => l.item.sku === item.sku && !item.byWeight);
    if (same) same.quantityMilli += quantityMilli;
    else lines.push({ lineNo: nextLineNo++, item, quantityMilli });
    return view();
  }

  function findLine(lineNo: unknown): Line {
    const line = lines.find((l) => l.lineNo === lineNo);
    if (!line) reject('not_found', `There is no line ${String(lineNo)}.`);
    return line;
  }

  function needOpenSale(): void {
    if (tendering) reject('sale_in_progress', 'Finish or cancel the payment first.');
  }

  async function handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    const failure = failures.get(cmd);
    if (failure) {
      failures.delete(cmd);
      throw failure;
    }
    if (cmd === 'login') {
      const staff = STAFF[String(args.pin)];
      if (!staff) reject('wrong_pin', 'That PIN is not right. Try again.');
      session = {
        register_id: 'R1',
        staff_name: staff.name,
        role: staff.role,
        store_name: 'Ringup Demo Store',
        currency: 'EUR',
        currency_exponent: 2,
        locale: options.locale ?? 'de-DE',
      };
      return session;
    }
    if (cmd === 'status') return fake.status;
    if (!session) reject('not_signed_in', 'Sign in first.');
    switch (cmd) {
      case 'logout':
        session = null;
        return null;
      case 'cart':
        return view();
      case 'quick_keys':
        return ['CROISSANT', 'MILK-1L', 'WATER-6', 'APPLES', 'BAG', 'COFFEE-TOGO'].map((sku): QuickKeyView => {
          const item = FAKE_ITEMS.find((i) => i.sku === sku)!;
          return { sku, label: item.byWeight ? `${item.name}/kg` : item.name };
        });
      case 'scan': {
        const code = String(args.code).trim();
        const weighed = WEIGHT_LABEL.exec(code);
        if (weighed) {
          const item = FAKE_ITEMS.find((i) => i.codes.includes(String(Number(weighed[1]))) && i.byWeight);
          if (item) return add(item, Number(weighed[2]));
        }
        const item = FAKE_ITEMS.find((i) => i.codes.includes(code) || i.sku === code.toUpperCase());
        if (!item) reject('unknown_code', `No product has the code ${code}.`);
        return add(item, 1000);
      }
      case 'search': {
        const query = String(args.query).trim().toLowerCase();
        await sleep(options.searchDelayMs?.(query) ?? 0);
        return FAKE_ITEMS.filter((i) => i.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(query)) || i.name.toLowerCase().startsWith(query))
          .slice(0, 8)
          .map((i): SearchHitView => ({ sku: i.sku, name: i.name, price_minor: i.priceMinor }));
      }
      case 'add_sku': {
        const item = FAKE_ITEMS.find((i) => i.sku === args.sku);
        if (!item) reject('not_found', `No product has the SKU ${String(args.sku)}.`);
        return add(item, Number(args.quantityMilli));
      }
      case 'set_quantity': {
        needOpenSale();
        const q = Number(args.quantityMilli);
        if (!Number.isSafeInteger(q) || q <= 0) reject('invalid_input', 'The quantity must be more than zero.');
        findLine(args.lineNo).quantityMilli = q;
        return view();
      }
      case 'remove_line': {
        needOpenSale();
        const line = findLine(args.lineNo);
        lines = lines.filter((l) => l !== line);
        return view();
      }
      case 'begin_tender':
        if (!lines.length) reject('no_sale', 'Scan an item first.');
        tendering = true;
        return view();
      case 'cancel_tender':
        if (paidMinor > 0) reject('invalid_state', 'A payment was taken, so the sale must be finished.');
        tendering = false;
        return view();
      case 'pay_cash': {
        if (!tendering) reject('invalid_state', 'Start the payment first.');
        const given = Number(args.tenderedMinor);
        if (!Number.isSafeInteger(given) || given <= 0) reject('invalid_input', 'The cash amount must be more than zero.');
        const owed = remaining();
        paidMinor += Math.min(given, owed);
        changeMinor += Math.max(given - owed, 0);
        return view();
      }
      case 'pay_card': {
        if (!tendering) reject('invalid_state', 'Start the payment first.');
        const amount = Number(args.amountMinor);
        if (!Number.isSafeInteger(amount) || amount <= 0 || amount > remaining()) {
          reject('invalid_input', 'The card amount must be more than zero and at most what is owed.');
        }
        for (const text of ['Insert, tap or swipe card', 'Enter PIN', 'Please wait']) {
          await emit('card-event', { text });
          await sleep(cardStepMs);
        }
        // Amounts ending in 13 cents are declined, in 14 cents lost on the wire.
        const cents = amount % 100;
        const approved = cents !== 13 && cents !== 14;
        if (approved) paidMinor += amount;
        await emit('card-event', { text: approved ? 'Payment approved' : cents === 13 ? 'Declined' : '' });
        const message = approved
          ? 'Approved'
          : cents === 13
            ? 'Declined: insufficient funds'
            : 'The terminal did not answer (time-out); it will be asked again before anything else';
        return { approved, message, cart: view() } satisfies CardResultView;
      }
      case 'complete': {
        if (!tendering || remaining() > 0) reject('not_fully_paid', 'The sale is not fully paid yet.');
        const done: CompletedView = {
          receipt_no: ++receiptNo,
          total_minor: total(),
          change_minor: changeMinor,
          receipt_png_base64: FAKE_RECEIPT_PNG,
          receipt_text: [
            'Ringup Demo Store',
            ...lines.map((l) => `${l.item.name}  ${lineAmount(l)}`),
            `TOTAL ${total()}`,
            `Receipt ${receiptNo}`,
          ].join('\n'),
        };
        lines = [];
        tendering = false;
        paidMinor = 0;
        changeMinor = 0;
        return done;
      }
      default:
        return reject('ipc', `Command ${cmd} not found`);
    }
  }

  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      return handle(cmd, args);
    },
    { shouldMockEvents: true },
  );
  return fake;
}
