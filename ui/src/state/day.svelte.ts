// The manager's day screen: the drawer (open it with a counted float, pay in, pay out, drop to
// the safe, no sale, the blind count that closes it) and the reports (X, the Z close, past
// closes with their CSV and PDF, printing). Privileged calls go through `approval`. A cash
// movement and the close carry an id asked for when their dialog opens, so pressing again
// after an error retries the same one and the back end never does it twice.

import type { ClosedDayView } from '../bindings/ClosedDayView';
import type { DrawerCountView } from '../bindings/DrawerCountView';
import type { DrawerView } from '../bindings/DrawerView';
import type { ReportView } from '../bindings/ReportView';
import { toErrorView } from '../lib/errors';
import { type Currency, formatMoney, parseAmount } from '../lib/money';
import { parseCounts, type TypedCounts } from '../lib/report';
import * as ipc from '../platform/ipc';
import type { Approval } from './approval.svelte';

/** null when it worked, else the sentence to show. */
type Outcome = string | null;

export type CashKind = 'pay_in' | 'pay_out' | 'drop';

/** The day screen's dialogs; one at a time. `id` is null while it is being fetched. */
export type DayDialog =
  | { kind: CashKind; id: string | null }
  | { kind: 'no_sale' }
  | { kind: 'close_day'; id: string | null };

export const CASH_TITLES: Record<CashKind, string> = {
  pay_in: 'Pay in',
  pay_out: 'Pay out',
  drop: 'Drop to safe',
};

const DONE_WORDS: Record<CashKind, string> = { pay_in: 'Paid in', pay_out: 'Paid out', drop: 'Dropped to the safe' };

export class DayFlow {
  /** The open drawer, or null; `loaded` says whether it was asked yet. */
  drawer = $state.raw<DrawerView | null>(null);
  loaded = $state(false);
  denominations = $state.raw<number[]>([]);
  /** The blind count that closes the drawer is being typed. */
  counting = $state(false);
  /** The answer of the last blind count: only now is the expected figure known. */
  countResult = $state.raw<DrawerCountView | null>(null);
  dialog = $state.raw<DayDialog | null>(null);
  /** The report on screen (X, the Z just made, or a past Z). */
  report = $state.raw<ReportView | null>(null);
  closed = $state.raw<ClosedDayView[] | null>(null);
  savedTo = $state<string | null>(null);
  /** What was just done, in words ("Paid out 5,00 €."). */
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** The dialog's own error sentence. */
  dialogError = $state<string | null>(null);
  busy = $state(false);

  private readonly approval: Approval;
  private readonly currency: () => Currency;

  constructor(approval: Approval, currency: () => Currency) {
    this.approval = approval;
    this.currency = currency;
  }

  private money(minor: number): string {
    return formatMoney(minor, this.currency());
  }

  /** Starts over as the screen opens. */
  reset(): void {
    if (this.busy) return;
    this.loaded = false;
    this.counting = false;
    this.countResult = null;
    this.dialog = null;
    this.report = null;
    this.closed = null;
    this.savedTo = null;
    this.notice = null;
    this.error = null;
    this.dialogError = null;
  }

  /** Runs one call, one at a time, with the screen's error handling. */
  private async act(work: () => Promise<void>, onError: (message: string) => void = (m) => (this.error = m)): Promise<Outcome> {
    if (this.busy) return 'Wait for the last action to finish.';
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      await work();
      return null;
    } catch (e) {
      const message = toErrorView(e).message;
      onError(message);
      return message;
    } finally {
      this.busy = false;
    }
  }

  load(): Promise<Outcome> {
    return this.act(async () => {
      const [drawer, denominations] = await Promise.all([ipc.drawer(), ipc.denominations()]);
      this.drawer = drawer;
      this.denominations = denominations;
      this.loaded = true;
    });
  }

  openDrawer(typed: TypedCounts): Promise<Outcome> {
    const parsed = parseCounts(this.denominations, typed, this.currency());
    if (!parsed.ok) return Promise.resolve((this.error = parsed.message));
    if (parsed.total <= 0) return Promise.resolve((this.error = 'Count the float first: type how many of each note and coin.'));
    return this.act(async () => {
      this.drawer = await ipc.openDrawer(parsed.count);
      this.countResult = null;
      this.notice = `Drawer opened with a float of ${this.money(parsed.total)}.`;
    });
  }

  startCount(): void {
    if (this.busy) return;
    this.error = null;
    this.notice = null;
    this.counting = true;
  }

  cancelCount(): void {
    if (!this.busy) this.counting = false;
  }

  /** The blind count: closes the drawer and only then says what it should have held. */
  closeDrawer(typed: TypedCounts): Promise<Outcome> {
    const parsed = parseCounts(this.denominations, typed, this.currency());
    if (!parsed.ok) return Promise.resolve((this.error = parsed.message));
    return this.act(async () => {
      this.countResult = await ipc.closeDrawer(parsed.count);
      this.drawer = null;
      this.counting = false;
    });
  }

  /** Opens a dialog; a cash movement or the close gets its id now. */
  async openDialog(kind: DayDialog['kind']): Promise<void> {
    if (this.busy || this.dialog) return;
    this.error = null;
    this.notice = null;
    this.dialogError = null;
    if (kind === 'no_sale') {
      this.dialog = { kind };
      return;
    }
    const dialog: DayDialog = { kind, id: null };
    this.dialog = dialog;
    try {
      const id = await ipc.newDocumentId();
      if (this.dialog === dialog) this.dialog = { kind, id };
    } catch (e) {
      if (this.dialog === dialog) this.dialogError = toErrorView(e).message;
    }
  }

  closeDialog(): void {
    if (this.busy) return;
    this.dialog = null;
    this.dialogError = null;
  }

  private dialogFails = (message: string) => (this.dialogError = message);

  /** Pay in, pay out or drop what was typed, with its reason. */
  moveCash(amountText: string, reasonText: string): Promise<Outcome> {
    const dialog = this.dialog;
    if (!dialog || dialog.kind === 'no_sale' || dialog.kind === 'close_day') return Promise.resolve(null);
    const amount = parseAmount(amountText, this.currency());
    if (!amount.ok) return Promise.resolve((this.dialogError = amount.message));
    if (amount.minor <= 0) return Promise.resolve((this.dialogError = 'The amount must be more than zero.'));
    const reason = reasonText.trim();
    if (reason === '') return Promise.resolve((this.dialogError = 'Say why the cash moves.'));
    const id = dialog.id;
    if (id === null) return Promise.resolve((this.dialogError = 'Wait a moment: the dialog is still getting ready.'));
    const kind = dialog.kind;
    this.dialogError = null;
    return this.act(async () => {
      this.drawer = await this.approval.run((pin) => ipc.moveCash(id, kind, amount.minor, reason, pin));
      this.dialog = null;
      this.notice = `${DONE_WORDS[kind]} ${this.money(amount.minor)}.`;
    }, this.dialogFails);
  }

  noSale(reasonText: string): Promise<Outcome> {
    const reason = reasonText.trim();
    if (reason === '') return Promise.resolve((this.dialogError = 'Say why the drawer is opened.'));
    this.dialogError = null;
    return this.act(async () => {
      await this.approval.run((pin) => ipc.noSale(reason, pin));
      this.dialog = null;
      this.notice = 'The drawer was opened (no sale).';
    }, this.dialogFails);
  }

  xReport(): Promise<Outcome> {
    return this.act(async () => {
      this.report = await this.approval.run((pin) => ipc.xReport(pin));
      this.savedTo = null;
    });
  }

  closeDay(): Promise<Outcome> {
    const dialog = this.dialog;
    if (dialog?.kind !== 'close_day') return Promise.resolve(null);
    const id = dialog.id;
    if (id === null) return Promise.resolve((this.dialogError = 'Wait a moment: the dialog is still getting ready.'));
    this.dialogError = null;
    return this.act(async () => {
      this.report = await this.approval.run((pin) => ipc.closeDay(id, pin));
      this.savedTo = null;
      this.dialog = null;
      this.closed = null;
      this.notice = `The day is closed: Z ${this.report.z_no}.`;
    }, this.dialogFails);
  }

  loadClosed(): Promise<Outcome> {
    return this.act(async () => {
      this.closed = await this.approval.run((pin) => ipc.closedDays(pin));
    });
  }

  openZ(zNo: number): Promise<Outcome> {
    return this.act(async () => {
      this.report = await this.approval.run((pin) => ipc.zReport(zNo, pin));
      this.savedTo = null;
    });
  }

  exportZ(zNo: number, format: 'csv' | 'pdf' = 'csv'): Promise<Outcome> {
    return this.act(async () => {
      const write = format === 'pdf' ? ipc.exportZPdf : ipc.exportZCsv;
      this.savedTo = await this.approval.run((pin) => write(zNo, pin));
    });
  }

  /** Prints the report on screen (an X, or a Z) on the receipt printer. */
  printReport(): Promise<Outcome> {
    const report = this.report;
    if (report === null) return Promise.resolve(null);
    return this.act(async () => {
      await this.approval.run((pin) => ipc.printReport(report.kind === 'Z' ? report.z_no : null, pin));
      this.notice = `${report.kind} ${report.z_no} was sent to the receipt printer.`;
    });
  }
}
