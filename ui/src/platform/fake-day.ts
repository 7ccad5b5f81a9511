// The fake back end's day (see fake-backend.ts): one drawer with its float, pay-ins, pay-outs,
// drops and blind count, expected cash tracked from the fake's cash sales; the X report and the
// Z close built from the fake's sales since the last close; past closes and their CSV export.
// Pay-ins/outs, no sale and the reports need a manager (PIN 9999) when a cashier is signed in.

import type { ClosedDayView } from '../bindings/ClosedDayView';
import type { DenominationView } from '../bindings/DenominationView';
import type { DrawerCountView } from '../bindings/DrawerCountView';
import type { DrawerView } from '../bindings/DrawerView';
import type { ReportRowView } from '../bindings/ReportRowView';
import type { ReportView } from '../bindings/ReportView';
import type { PastSale } from './fake-returns';

/** EUR's notes and coins, largest first, in cents. */
export const FAKE_DENOMINATIONS = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1];

type Deps = {
  sales: PastSale[];
  reject: (code: string, message: string) => never;
  authorise: (permission: string, approverPin: unknown) => void;
  /** Who is signed in. */
  staffName: () => string;
  /** The VAT rate (percent) of a product by its name. */
  taxPercent: (name: string) => number;
  /** The fake's clock as "YYYY-MM-DD HH:MM"; each call a minute later. */
  now: () => string;
};

type Movement = { kind: 'pay_in' | 'pay_out' | 'drop'; amountMinor: number; reason: string };

type Drawer = {
  openedBy: string;
  openedAt: string;
  floatMinor: number;
  /** Where the fake's sales stood when it opened: later cash sales go into it. */
  salesAtOpen: number;
  cashRefundedAtOpen: number;
  movements: Map<string, Movement>;
};

/** What the day's drawers added up to, for the reports. */
type DayCash = { floats: number; movements: Movement[]; counted: number | null; expectedAtCount: number | null };

const WHY: Record<string, string> = {
  pay_in_out: 'pay cash in or out',
  no_sale: 'open the drawer without a sale',
  close_day: 'see the reports and close the day',
};

export function dayCommands(deps: Deps): Record<string, (args: Record<string, unknown>) => unknown> {
  const { sales } = deps;
  function reject(code: string, message: string): never {
    return deps.reject(code, message);
  }
  let drawer: Drawer | null = null;
  let periodStart = 0;
  let openedAt = '2026-11-22 08:00';
  let day: DayCash = { floats: 0, movements: [], counted: null, expectedAtCount: null };
  let noSales = 0;
  const zs: ReportView[] = [];
  const closeIds = new Map<string, ReportView>();
  let grandSales = 0;
  let grandRefunds = 0;
  let nextId = 0;

  /** The fake-backend's check, with the sentence of the real till for the day's permissions. */
  function authorise(permission: string, pin: unknown): void {
    try {
      deps.authorise(permission, pin);
    } catch (e) {
      const error = e as { code: string; message: string };
      if (error.code === 'approval_needed') reject(error.code, `a manager's PIN is needed to ${WHY[permission] ?? permission}`);
      throw e;
    }
  }

  const cashPaid = (s: PastSale) => s.payments.filter((p) => p.kind === 'cash').reduce((n, p) => n + p.amountMinor, 0);
  const cashRefunded = (list: PastSale[]) =>
    list.flatMap((s) => s.payments).filter((p) => p.kind === 'cash').reduce((n, p) => n + p.refundedMinor, 0);
  const sum = (list: Movement[], kind: Movement['kind']) =>
    list.filter((m) => m.kind === kind).reduce((n, m) => n + m.amountMinor, 0);

  function expected(d: Drawer): number {
    const moves = [...d.movements.values()];
    const cashSales = sales.slice(d.salesAtOpen).reduce((n, s) => n + cashPaid(s), 0);
    const refunds = cashRefunded(sales) - d.cashRefundedAtOpen;
    return d.floatMinor + cashSales - refunds + sum(moves, 'pay_in') - sum(moves, 'pay_out') - sum(moves, 'drop');
  }

  function view(d: Drawer): DrawerView {
    return { opened_by: d.openedBy, opened_at: d.openedAt, float_minor: d.floatMinor, denominations: FAKE_DENOMINATIONS };
  }

  function counted(args: unknown): number {
    if (!Array.isArray(args)) reject('invalid_input', 'count the drawer note by note');
    let total = 0;
    for (const entry of args as DenominationView[]) {
      if (!FAKE_DENOMINATIONS.includes(entry.value_minor)) reject('invalid_input', `there is no note or coin of ${entry.value_minor}`);
      if (!Number.isSafeInteger(entry.count) || entry.count < 0) reject('invalid_input', 'a count is a whole number');
      total += entry.value_minor * entry.count;
    }
    return total;
  }

  function needDrawer(): Drawer {
    if (!drawer) reject('invalid_input', 'no drawer is open on this register');
    return drawer;
  }

  function rows(entries: Iterable<[string, { count: number; amount: number }]>): ReportRowView[] {
    return [...entries].map(([label, v]) => ({ label, count: v.count, amount_minor: v.amount }));
  }

  function tally(map: Map<string, { count: number; amount: number }>, key: string, amount: number): void {
    const now = map.get(key) ?? { count: 0, amount: 0 };
    map.set(key, { count: now.count + 1, amount: now.amount + amount });
  }

  function report(kind: 'X' | 'Z', closedAt: string | null): ReportView {
    const period = sales.slice(periodStart);
    const paid = (s: PastSale) => s.payments.reduce((n, p) => n + p.amountMinor, 0);
    const refunded = (s: PastSale) => s.payments.reduce((n, p) => n + p.refundedMinor, 0);
    const salesMinor = period.reduce((n, s) => n + paid(s), 0);
    const refundsMinor = period.reduce((n, s) => n + refunded(s), 0);
    const taxes = new Map<number, number>();
    const categories = new Map<string, { count: number; amount: number }>();
    const hours = new Map<string, { count: number; amount: number }>();
    const cardTypes = new Map<string, { count: number; amount: number }>();
    for (const s of period) {
      for (const l of s.lines) {
        const rate = deps.taxPercent(l.name);
        taxes.set(rate, (taxes.get(rate) ?? 0) + l.paidMinor);
        tally(categories, rate === 7 ? 'Food' : 'Other', l.paidMinor);
      }
      tally(hours, s.soldAt.slice(11, 13), paid(s));
      for (const p of s.payments.filter((q) => q.kind === 'card')) tally(cardTypes, p.label.split(' ')[1] ?? 'Card', p.amountMinor);
    }
    const tender = (k: 'cash' | 'card') => {
      const ps = period.flatMap((s) => s.payments).filter((p) => p.kind === k);
      const inMinor = ps.reduce((n, p) => n + p.amountMinor, 0);
      const outMinor = ps.reduce((n, p) => n + p.refundedMinor, 0);
      return { kind: k === 'cash' ? 'Cash' : 'Card', sales_minor: inMinor, refunds_minor: outMinor, net_minor: inMinor - outMinor };
    };
    const moves = [...day.movements, ...(drawer ? drawer.movements.values() : [])];
    const moveRow = (k: Movement['kind'], label: string): ReportRowView => ({
      label,
      count: moves.filter((m) => m.kind === k).length,
      amount_minor: sum(moves, k),
    });
    const cashSales = tender('cash');
    const floats = day.floats + (drawer?.floatMinor ?? 0);
    const expectedMinor =
      floats + cashSales.sales_minor - cashSales.refunds_minor + sum(moves, 'pay_in') - sum(moves, 'pay_out') - sum(moves, 'drop');
    const cardTotals = rows(cardTypes);
    const zero = (label: string): ReportRowView => ({ label, count: 0, amount_minor: 0 });
    return {
      kind,
      z_no: zs.length + 1,
      register_id: 'R1',
      opened_at: openedAt,
      closed_at: closedAt,
      closed_by: kind === 'Z' ? deps.staffName() : null,
      approved_by: null,
      sales: { label: 'Sales', count: period.length, amount_minor: salesMinor },
      refunds: { label: 'Refunds', count: period.filter((s) => refunded(s) > 0).length, amount_minor: refundsMinor },
      net_sales_minor: salesMinor - refundsMinor,
      voided_sales: zero('Voided sales'),
      voided_lines: zero('Removed lines'),
      discounts: zero('Discounts'),
      price_overrides: zero('Price changes'),
      no_sales: noSales,
      tenders: [cashSales, tender('card')].filter((t) => t.sales_minor !== 0 || t.refunds_minor !== 0),
      tax_rates: [...taxes.entries()]
        .sort(([a], [b]) => a - b)
        .map(([rate, gross]) => {
          const tax = Math.round((gross * rate) / (100 + rate));
          return { rate: `${rate} %`, net_minor: gross - tax, tax_minor: tax, gross_minor: gross };
        }),
      categories: rows(categories),
      cashiers: period.length ? [{ label: deps.staffName(), count: period.length, amount_minor: salesMinor }] : [],
      hours: rows([...hours.entries()].sort(([a], [b]) => a.localeCompare(b))),
      card_types: cardTotals,
      cash: {
        floats_minor: floats,
        sales_minor: cashSales.sales_minor,
        refunds_minor: cashSales.refunds_minor,
        pay_ins: moveRow('pay_in', 'Pay-ins'),
        pay_outs: moveRow('pay_out', 'Pay-outs'),
        drops: moveRow('drop', 'Drops'),
        expected_minor: expectedMinor,
        counted_minor: day.counted,
        variance_minor: day.counted === null || day.expectedAtCount === null ? null : day.counted - day.expectedAtCount,
      },
      card_checks:
        kind === 'Z'
          ? cardTotals.map((r) => ({ card_type: r.label, ours_minor: r.amount_minor, terminal_minor: r.amount_minor, matches: true }))
          : [],
      card_mismatch: false,
      grand_sales_minor: kind === 'Z' ? grandSales + salesMinor : null,
      grand_refunds_minor: kind === 'Z' ? grandRefunds + refundsMinor : null,
    };
  }

  function findZ(zNo: unknown): ReportView {
    const z = zs.find((r) => r.z_no === zNo);
    if (!z) reject('not_found', `there is no Z ${String(zNo)}`);
    return z;
  }

  return {
    drawer: () => (drawer ? view(drawer) : null),
    denominations: () => FAKE_DENOMINATIONS,
    new_document_id: () => `018f3a2c-5d1e-7a00-c000-${String(++nextId).padStart(12, '0')}`,
    open_drawer: (args) => {
      if (drawer) reject('invalid_input', 'a drawer is already open on this register');
      drawer = {
        openedBy: deps.staffName(),
        openedAt: deps.now(),
        floatMinor: counted(args.float),
        salesAtOpen: sales.length,
        cashRefundedAtOpen: cashRefunded(sales),
        movements: new Map(),
      };
      return view(drawer);
    },
    move_cash: (args) => {
      const d = needDrawer();
      const kind = args.kind;
      if (kind !== 'pay_in' && kind !== 'pay_out' && kind !== 'drop') reject('invalid_input', 'unknown cash movement');
      const amount = Number(args.amountMinor);
      if (!Number.isSafeInteger(amount) || amount <= 0) reject('invalid_input', 'the amount must be more than zero');
      const reason = String(args.reason ?? '').trim();
      if (!reason) reject('invalid_input', 'say why the cash moves');
      authorise('pay_in_out', args.approverPin);
      const id = String(args.id);
      // The same id again is the same movement (a retry), never a second one.
      if (!d.movements.has(id)) {
        if (kind !== 'pay_in' && amount > expected(d)) reject('invalid_input', 'the drawer does not hold that much');
        d.movements.set(id, { kind, amountMinor: amount, reason });
      }
      return view(d);
    },
    no_sale: (args) => {
      needDrawer();
      if (!String(args.reason ?? '').trim()) reject('invalid_input', 'say why the drawer is opened');
      authorise('no_sale', args.approverPin);
      noSales++;
      return null;
    },
    close_drawer: (args): DrawerCountView => {
      const d = needDrawer();
      const total = counted(args.count);
      const should = expected(d);
      day = {
        floats: day.floats + d.floatMinor,
        movements: [...day.movements, ...d.movements.values()],
        counted: (day.counted ?? 0) + total,
        expectedAtCount: (day.expectedAtCount ?? 0) + should,
      };
      drawer = null;
      return { counted_minor: total, expected_minor: should, variance_minor: total - should };
    },
    x_report: (args) => {
      authorise('close_day', args.approverPin);
      return report('X', null);
    },
    close_day: (args) => {
      authorise('close_day', args.approverPin);
      const id = String(args.closeId);
      const again = closeIds.get(id);
      if (again) return again;
      if (drawer) reject('invalid_input', 'count the drawer before closing the day');
      const z = report('Z', deps.now());
      zs.push(z);
      closeIds.set(id, z);
      grandSales = z.grand_sales_minor ?? grandSales;
      grandRefunds = z.grand_refunds_minor ?? grandRefunds;
      periodStart = sales.length;
      openedAt = z.closed_at ?? openedAt;
      day = { floats: 0, movements: [], counted: null, expectedAtCount: null };
      noSales = 0;
      return z;
    },
    closed_days: (args): ClosedDayView[] => {
      authorise('close_day', args.approverPin);
      return zs
        .map((z) => ({ z_no: z.z_no, closed_at: z.closed_at ?? '', net_sales_minor: z.net_sales_minor, card_mismatch: z.card_mismatch }))
        .reverse();
    },
    z_report: (args) => {
      authorise('close_day', args.approverPin);
      return findZ(args.zNo);
    },
    export_z_csv: (args) => {
      authorise('close_day', args.approverPin);
      const z = findZ(args.zNo);
      return `/home/ringup/ringup/z-R1-${String(z.z_no).padStart(4, '0')}.csv`;
    },
    export_z_pdf: (args) => {
      authorise('close_day', args.approverPin);
      const z = findZ(args.zNo);
      return `/home/ringup/ringup/z-R1-${String(z.z_no).padStart(4, '0')}.pdf`;
    },
    print_report: (args) => {
      authorise('close_day', args.approverPin);
      if (args.zNo !== null) findZ(args.zNo);
      return null;
    },
  };
}
