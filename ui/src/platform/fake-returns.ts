// The fake back end's past sales and refunds (see fake-backend.ts): a few sales to find by
// receipt, refunds planned like the real till's (each line's share of what was paid for it,
// cumulatively, so that returning everything pays back exactly what was paid; card first, then
// cash), and a refund id that refunds once however often it is sent.

import type { RefundDoneView } from '../bindings/RefundDoneView';
import type { RefundPreviewView } from '../bindings/RefundPreviewView';
import type { ReturnableView } from '../bindings/ReturnableView';
import type { TenderLineView } from '../bindings/TenderLineView';

export type PastLine = {
  lineNo: number;
  name: string;
  byWeight: boolean;
  soldMilli: number;
  /** What the customer paid for the whole line, after discounts. */
  paidMinor: number;
  refundedMilli: number;
};

export type PastPayment = { kind: 'cash' | 'card'; label: string; amountMinor: number; refundedMinor: number };

export type PastSale = {
  id: string;
  registerId: string;
  receiptNo: number;
  soldAt: string;
  lines: PastLine[];
  payments: PastPayment[];
};

/** The past sales every fake back end starts with: "R1-1" (card and cash), "R1-2" (card), "R1-3" (all returned). */
export function seededSales(): PastSale[] {
  const line = (lineNo: number, name: string, soldMilli: number, paidMinor: number, byWeight = false): PastLine => ({
    lineNo,
    name,
    byWeight,
    soldMilli,
    paidMinor,
    refundedMilli: 0,
  });
  return [
    {
      id: '018f3a2c-5d1e-7a00-8000-000000000001',
      registerId: 'R1',
      receiptNo: 1,
      soldAt: '2026-11-21 10:12',
      lines: [
        line(1, 'Coffee beans 1 kg', 2000, 2998),
        line(2, 'Milk 1 l', 3000, 357),
        line(3, 'Apples', 742, 185, true),
      ],
      payments: [
        { kind: 'card', label: 'Card girocard ****1234', amountMinor: 2000, refundedMinor: 0 },
        { kind: 'cash', label: 'Cash', amountMinor: 1540, refundedMinor: 0 },
      ],
    },
    {
      id: '018f3a2c-5d1e-7a00-8000-000000000002',
      registerId: 'R1',
      receiptNo: 2,
      soldAt: '2026-11-21 11:30',
      lines: [line(1, 'Croissant', 4000, 516), line(2, 'Bag', 1000, 20)],
      payments: [{ kind: 'card', label: 'Card Visa ****4242', amountMinor: 536, refundedMinor: 0 }],
    },
    {
      id: '018f3a2c-5d1e-7a00-8000-000000000003',
      registerId: 'R1',
      receiptNo: 3,
      soldAt: '2026-11-21 12:02',
      lines: [{ ...line(1, 'Chocolate 100 g', 1000, 149), refundedMilli: 1000 }],
      payments: [{ kind: 'cash', label: 'Cash', amountMinor: 149, refundedMinor: 149 }],
    },
  ];
}

type Deps = {
  sales: PastSale[];
  reject: (code: string, message: string) => never;
  /** Throws unless the signed-in member or the approver's PIN may `permission`. */
  authorise: (permission: string, approverPin: unknown) => void;
  nextReceiptNo: () => number;
  receiptPng: string;
  /** Shows a card terminal message, then waits a terminal step. */
  terminal: (text: string) => Promise<void>;
};

type Plan = { totalMinor: number; parts: { payment: PastPayment; amountMinor: number }[]; lines: [PastLine, number][] };

export function returnsCommands(deps: Deps): Record<string, (args: Record<string, unknown>) => Promise<unknown>> {
  const { sales } = deps;
  // A declared function, so that TypeScript knows it never returns.
  function reject(code: string, message: string): never {
    return deps.reject(code, message);
  }
  const done = new Map<string, RefundDoneView>();
  let nextRefundId = 1;

  function find(reference: string): PastSale | undefined {
    const text = reference.trim();
    const qr = /^ringup:([^:]+)/.exec(text);
    const id = qr ? qr[1] : text;
    const byId = sales.find((s) => s.id === id);
    if (byId || qr) return byId;
    const code = /^(.+)-(\d+)$/.exec(text);
    if (code) return sales.find((s) => s.registerId === code[1] && s.receiptNo === Number(code[2]));
    return /^\d+$/.test(text) ? sales.find((s) => s.registerId === 'R1' && s.receiptNo === Number(text)) : undefined;
  }

  function sale(id: unknown): PastSale {
    const found = sales.find((s) => s.id === id);
    if (!found) reject('not_found', `there is no sale ${String(id)}`);
    return found;
  }

  const share = (l: PastLine, milli: number) => Math.round((l.paidMinor * milli) / l.soldMilli);

  function plan(s: PastSale, requested: unknown): Plan {
    const lines: [PastLine, number][] = [];
    for (const r of Array.isArray(requested) ? (requested as { line_no: unknown; quantity_milli: unknown }[]) : []) {
      const q = Number(r.quantity_milli);
      if (q === 0) continue;
      const line = s.lines.find((l) => l.lineNo === r.line_no);
      if (!line) reject('invalid_input', `receipt ${s.receiptNo} has no line ${String(r.line_no)}`);
      if (!Number.isSafeInteger(q) || q < 0 || q > line.soldMilli - line.refundedMilli) {
        reject('invalid_input', `at most ${(line.soldMilli - line.refundedMilli) / 1000} of ${line.name} can come back`);
      }
      lines.push([line, q]);
    }
    if (lines.length === 0) reject('invalid_input', 'choose at least one item to take back');
    // Cumulative shares: what the line paid for everything returned so far, minus what went back before.
    const totalMinor = lines.reduce(
      (sum, [l, q]) => sum + share(l, l.refundedMilli + q) - share(l, l.refundedMilli),
      0,
    );
    let left = totalMinor;
    const parts: Plan['parts'] = [];
    for (const kind of ['card', 'cash'] as const) {
      for (const payment of s.payments.filter((p) => p.kind === kind)) {
        const amountMinor = Math.min(left, payment.amountMinor - payment.refundedMinor);
        if (amountMinor <= 0) continue;
        parts.push({ payment, amountMinor });
        left -= amountMinor;
      }
    }
    return { totalMinor, parts, lines };
  }

  const tenders = (p: Plan): TenderLineView[] =>
    p.parts.map((part) => ({ label: part.payment.label, amount_minor: part.amountMinor }));

  return {
    async find_sale(args) {
      const s = find(String(args.reference));
      if (!s) reject('unknown_code', `no item found for ${JSON.stringify(String(args.reference).trim())}: scan again or search by name`);
      return {
        refund_id: `018f3a2c-5d1e-7a00-9000-${String(nextRefundId++).padStart(12, '0')}`,
        sale_id: s.id,
        register_id: s.registerId,
        receipt_no: s.receiptNo,
        sold_at: s.soldAt,
        lines: s.lines.map((l) => ({
          line_no: l.lineNo,
          name: l.name,
          sold_by_weight: l.byWeight,
          sold_milli: l.soldMilli,
          returnable_milli: l.soldMilli - l.refundedMilli,
          paid_minor: l.paidMinor,
        })),
        tenders: s.payments.map((p) => ({ label: p.label, amount_minor: p.amountMinor })),
      } satisfies ReturnableView;
    },

    async preview_refund(args) {
      const p = plan(sale(args.saleId), args.lines);
      return { total_minor: p.totalMinor, tenders: tenders(p) } satisfies RefundPreviewView;
    },

    async refund(args) {
      const refundId = String(args.refundId);
      const s = sale(args.saleId);
      const p = plan(s, args.lines);
      deps.authorise('refund', args.approverPin);
      // A retry of a refund on record is answered with it: nothing is paid back twice.
      const before = done.get(refundId);
      if (before) return before;
      const card = p.parts.filter((part) => part.payment.kind === 'card').reduce((sum, part) => sum + part.amountMinor, 0);
      if (card > 0) {
        for (const text of ['Refund: insert, tap or swipe card', 'Please wait']) await deps.terminal(text);
        // Like card payments, card amounts ending in 13 cents are declined.
        if (card % 100 === 13) {
          await deps.terminal('Declined');
          reject('refund_declined', 'the card terminal did not refund: declined');
        }
        await deps.terminal('Refund approved');
      }
      for (const [line, q] of p.lines) line.refundedMilli += q;
      for (const part of p.parts) part.payment.refundedMinor += part.amountMinor;
      const receiptNo = deps.nextReceiptNo();
      const result: RefundDoneView = {
        receipt_no: receiptNo,
        total_minor: p.totalMinor,
        tenders: tenders(p),
        receipt_png_base64: deps.receiptPng,
        receipt_text: [
          'Ringup Demo Store',
          'REFUND',
          `Original receipt ${s.registerId}-${s.receiptNo}`,
          ...p.lines.map(([l, q]) => `${l.name}  ${q / 1000}`),
          `TOTAL -${p.totalMinor}`,
          `Receipt ${receiptNo}`,
        ].join('\n'),
      };
      done.set(refundId, result);
      return result;
    },
  };
}
