// A stand-in for the Rust side, for the component tests and for `npm run dev` in a plain
// browser. It answers the same commands with the same shapes through Tauri's own IPC mock, so
// the code under test goes through the real `ipc.ts` (command names, argument keys, events).
// It is not the product: prices, taxes and rules here are only as real as a demo needs.
// PIN 1234 is a cashier (a manager's PIN is needed to void a sale, refund, change a price or
// give more than 10 % off), PIN 9999 a manager who may do all of that, PIN 4711 a technician
// (the devices only), PIN 2468 an admin (everything).

import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { CardResultView } from '../bindings/CardResultView';
import type { CartLineView } from '../bindings/CartLineView';
import type { CartView } from '../bindings/CartView';
import type { CompletedView } from '../bindings/CompletedView';
import type { ErrorView } from '../bindings/ErrorView';
import type { ParkedView } from '../bindings/ParkedView';
import type { QuickKeyView } from '../bindings/QuickKeyView';
import type { SearchHitView } from '../bindings/SearchHitView';
import type { SessionView } from '../bindings/SessionView';
import type { StatusView } from '../bindings/StatusView';
import { dayCommands } from './fake-day';
import { devicesCommands } from './fake-devices';
import { type PastPayment, type PastSale, returnsCommands, seededSales } from './fake-returns';

type Item = {
  sku: string;
  name: string;
  priceMinor: number;
  taxPercent: number;
  byWeight: boolean;
  codes: string[];
  /** Stock in thousandths, when kept. */
  stockMilli?: number;
};

export const FAKE_ITEMS: Item[] = [
  { sku: 'COFFEE-1KG', name: 'Coffee beans 1 kg', priceMinor: 1499, taxPercent: 7, byWeight: false, codes: ['4006381333931'], stockMilli: 12000 },
  { sku: 'MILK-1L', name: 'Milk 1 l', priceMinor: 119, taxPercent: 7, byWeight: false, codes: ['4000417025005', '1001'] },
  { sku: 'CROISSANT', name: 'Croissant', priceMinor: 129, taxPercent: 7, byWeight: false, codes: ['1002'] },
  { sku: 'WATER-6', name: 'Water 6×1.5 l', priceMinor: 299, taxPercent: 19, byWeight: false, codes: ['4008501011009'] },
  { sku: 'APPLES', name: 'Apples', priceMinor: 249, taxPercent: 7, byWeight: true, codes: ['4001'] },
  { sku: 'BAG', name: 'Bag', priceMinor: 20, taxPercent: 19, byWeight: false, codes: ['1003'] },
  { sku: 'COFFEE-TOGO', name: 'Coffee to go', priceMinor: 250, taxPercent: 19, byWeight: false, codes: ['1004'], stockMilli: -2000 },
  { sku: 'CHOC-100', name: 'Chocolate 100 g', priceMinor: 149, taxPercent: 7, byWeight: false, codes: ['96385074'] },
];

/** A scale label (EAN-13): "20" + 5-digit PLU + 5-digit grams + check digit. */
const WEIGHT_LABEL = /^20(\d{5})(\d{5})\d$/;

export const FAKE_RECEIPT_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAMCAAAAAB69aNBAAAAE0lEQVR4nGPQgAKG/1CAYFBbCgCPz0TBClXUnAAAAABJRU5ErkJggg==';

const STAFF: Record<string, { name: string; role: string }> = {
  '1234': { name: 'Anna', role: 'cashier' },
  '9999': { name: 'Maria', role: 'manager' },
  '4711': { name: 'Tomas', role: 'technician' },
  '2468': { name: 'Alex', role: 'admin' },
};

const MANAGER_PERMISSIONS = [
  'void_line',
  'void_sale',
  'refund',
  'price_override',
  'discount_above_limit',
  'no_sale',
  'pay_in_out',
  'close_day',
  'edit_settings',
];

/** What each role may do by itself, as the real till's grants say. */
const ROLE_PERMISSIONS: Record<string, string[]> = {
  cashier: ['void_line'],
  manager: MANAGER_PERMISSIONS,
  technician: ['pair_devices', 'edit_settings'],
  admin: [...MANAGER_PERMISSIONS, 'pair_devices'],
};

/** How the real till finishes "a manager's PIN is needed to …". */
const ACTIONS: Record<string, string> = {
  void_sale: 'void a sale',
  refund: 'refund',
  price_override: 'change a price',
  discount_above_limit: 'give this discount',
  pair_devices: 'pair devices',
};

/** The largest discount anyone may give (basis points): 10 %. */
export const FAKE_DISCOUNT_LIMIT_BP = 1000;

/** The fake's clock: every parked or completed sale is a minute after the one before. */
function clockText(minutes: number): string {
  const at = new Date(2026, 10, 22, 14, 5 + minutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

export type FakeOptions = {
  /** Milliseconds between card terminal messages (0 in tests). */
  cardStepMs?: number;
  /** Milliseconds a device test (terminal, printer, drawer) takes (0 in tests). */
  deviceMs?: number;
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
  /** The completed sales findable for returns (seeded ones first), with what was refunded. */
  pastSales: PastSale[];
  uninstall(): void;
};

type Line = {
  lineNo: number;
  item: Item;
  quantityMilli: number;
  /** The price charged instead of the catalog's, when overridden. */
  priceMinor: number | null;
  discountBp: number | null;
};

type Parked = { id: string; registerId: string; parkedAt: string; lines: Line[] };

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
  let payments: PastPayment[] = [];
  let minutes = 0;
  let nextParkedId = 2;
  // A sale parked at another register: the recall list is the whole store's.
  let parked: Parked[] = [
    {
      id: '018f3a2c-5d1e-7a00-a000-000000000001',
      registerId: 'R2',
      parkedAt: '2026-11-22 13:40',
      lines: [
        { lineNo: 1, item: FAKE_ITEMS[6]!, quantityMilli: 2000, priceMinor: null, discountBp: null },
        { lineNo: 2, item: FAKE_ITEMS[2]!, quantityMilli: 1000, priceMinor: null, discountBp: null },
      ],
    },
  ];
  const pastSales = seededSales();
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
    pastSales,
    uninstall: () => clearMocks(),
  };

  const unitPrice = (l: Line) => l.priceMinor ?? l.item.priceMinor;
  /** Quantity × price, before the discount. */
  const lineAmount = (l: Line) => Math.round((unitPrice(l) * l.quantityMilli) / 1000);
  const lineDiscount = (l: Line) => Math.round((lineAmount(l) * (l.discountBp ?? 0)) / 10_000);
  const linePaid = (l: Line) => lineAmount(l) - lineDiscount(l);
  const total = () => lines.reduce((sum, l) => sum + linePaid(l), 0);
  const remaining = () => Math.max(total() - paidMinor, 0);

  function view(): CartView {
    const byRate = new Map<number, number>();
    for (const l of lines) {
      const gross = linePaid(l);
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
          unit_price_minor: unitPrice(l),
          amount_minor: lineAmount(l),
          discount_minor: lineDiscount(l),
          original_price_minor: l.priceMinor === null ? null : l.item.priceMinor,
          discount_bp: l.discountBp,
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
    else lines.push({ lineNo: nextLineNo++, item, quantityMilli, priceMinor: null, discountBp: null });
    return view();
  }

  /** Throws unless the signed-in member, or the member whose PIN is given, may `permission`. */
  function authorise(permission: string, approverPin: unknown): void {
    if (session?.permissions.includes(permission)) return;
    const action = ACTIONS[permission] ?? permission;
    if (typeof approverPin !== 'string' || approverPin === '') {
      reject('approval_needed', `a manager's PIN is needed to ${action}`);
    }
    const approver = STAFF[approverPin];
    if (!approver) reject('wrong_pin', 'that PIN is not right: try again');
    if (!ROLE_PERMISSIONS[approver.role]?.includes(permission)) reject('not_permitted', `${approver.name} may not ${action}`);
  }

  async function terminal(text: string): Promise<void> {
    await emit('card-event', { text });
    await sleep(cardStepMs);
  }

  const returns = returnsCommands({
    sales: pastSales,
    reject,
    authorise,
    nextReceiptNo: () => ++receiptNo,
    receiptPng: FAKE_RECEIPT_PNG,
    terminal,
  });

  const day = dayCommands({
    sales: pastSales,
    reject,
    authorise,
    staffName: () => session?.staff_name ?? '',
    taxPercent: (name) => FAKE_ITEMS.find((i) => i.name === name)?.taxPercent ?? 19,
    now: () => clockText(minutes++),
  });

  const devices = devicesCommands({
    reject,
    authorise,
    staffName: () => session?.staff_name ?? '',
    now: () => clockText(minutes++),
    waiting: () => fake.status.to_sync,
    pause: () => sleep(options.deviceMs ?? 0),
    onPaired: () => fake.pushStatus({ ...fake.status, backend: { state: 'ok', message: '' } }),
  });

  function clearSale(): void {
    lines = [];
    tendering = false;
    paidMinor = 0;
    changeMinor = 0;
    payments = [];
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
        permissions: ROLE_PERMISSIONS[staff.role] ?? [],
        discount_limit_bp: FAKE_DISCOUNT_LIMIT_BP,
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
          .map((i): SearchHitView => ({ sku: i.sku, name: i.name, price_minor: i.priceMinor, stock_milli: i.stockMilli ?? null }));
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
        payments.push({ kind: 'cash', label: 'Cash', amountMinor: Math.min(given, owed), refundedMinor: 0 });
        return view();
      }
      case 'pay_card': {
        if (!tendering) reject('invalid_state', 'Start the payment first.');
        const amount = Number(args.amountMinor);
        if (!Number.isSafeInteger(amount) || amount <= 0 || amount > remaining()) {
          reject('invalid_input', 'The card amount must be more than zero and at most what is owed.');
        }
        for (const text of ['Insert, tap or swipe card', 'Enter PIN', 'Please wait']) await terminal(text);
        // Amounts ending in 13 cents are declined, in 14 cents lost on the wire.
        const cents = amount % 100;
        const approved = cents !== 13 && cents !== 14;
        if (approved) {
          paidMinor += amount;
          payments.push({ kind: 'card', label: 'Card girocard ****1234', amountMinor: amount, refundedMinor: 0 });
        }
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
        // Findable for returns from now on, as the real till's store would have it.
        pastSales.push({
          id: `018f3a2c-5d1e-7a00-b000-${String(receiptNo).padStart(12, '0')}`,
          registerId: 'R1',
          receiptNo,
          soldAt: clockText(minutes++),
          lines: lines.map((l, i) => ({
            lineNo: i + 1,
            name: l.item.name,
            byWeight: l.item.byWeight,
            soldMilli: l.quantityMilli,
            paidMinor: linePaid(l),
            refundedMilli: 0,
          })),
          payments,
        });
        clearSale();
        return done;
      }
      case 'park':
        needOpenSale();
        if (!lines.length) reject('no_sale', 'there is no sale in progress');
        parked.push({
          id: `018f3a2c-5d1e-7a00-a000-${String(nextParkedId++).padStart(12, '0')}`,
          registerId: 'R1',
          parkedAt: clockText(minutes++),
          lines,
        });
        clearSale();
        return view();
      case 'parked':
        return parked.map(
          (p): ParkedView => ({
            id: p.id,
            register_id: p.registerId,
            parked_at: p.parkedAt,
            item_count: p.lines.reduce((n, l) => n + (l.item.byWeight ? 1 : Math.ceil(l.quantityMilli / 1000)), 0),
          }),
        );
      case 'recall': {
        if (lines.length) reject('sale_in_progress', 'a sale is already in progress: finish, park or void it first');
        const sale = parked.find((p) => p.id === args.id);
        if (!sale) reject('unknown_code', `no parked sale ${String(args.id)}`);
        parked = parked.filter((p) => p !== sale);
        lines = sale.lines;
        nextLineNo = Math.max(0, ...lines.map((l) => l.lineNo)) + 1;
        return view();
      }
      case 'override_price': {
        needOpenSale();
        const reason = String(args.reason ?? '').trim();
        if (!reason) reject('invalid_input', 'say why the price changes (damaged, price match…)');
        const price = Number(args.unitPriceMinor);
        if (!Number.isSafeInteger(price) || price < 0) reject('invalid_input', 'the price cannot be negative');
        authorise('price_override', args.approverPin);
        const line = findLine(args.lineNo);
        line.priceMinor = price === line.item.priceMinor ? null : price;
        return view();
      }
      case 'set_line_discount': {
        needOpenSale();
        const bp = Number(args.discountBp);
        if (!Number.isSafeInteger(bp) || bp < 0 || bp > 10_000) reject('invalid_input', 'a discount is 0 to 100 %');
        if (bp > FAKE_DISCOUNT_LIMIT_BP) authorise('discount_above_limit', args.approverPin);
        findLine(args.lineNo).discountBp = bp === 0 ? null : bp;
        return view();
      }
      case 'void_sale':
        authorise('void_sale', args.approverPin);
        if (!lines.length) reject('no_sale', 'there is no sale in progress');
        if (paidMinor > 0) reject('invalid_state', 'a payment was taken, so the sale cannot be voided');
        // A void is journaled with its own number.
        receiptNo++;
        clearSale();
        return view();
      default: {
        const returnsCommand = returns[cmd];
        if (returnsCommand) return returnsCommand(args);
        const dayCommand = day[cmd];
        if (dayCommand) return dayCommand(args);
        const devicesCommand = devices[cmd];
        if (devicesCommand) return devicesCommand(args);
        return reject('ipc', `Command ${cmd} not found`);
      }
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
