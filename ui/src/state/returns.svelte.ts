// The returns screen's flow: find a past sale by its receipt, choose what comes back, see what
// that refunds and to which tenders, and refund it (with a manager's approval when needed).
// The refund's id comes with the sale found, so pressing Refund again after an error retries
// the same refund: the back end never pays it back twice.

import type { RefundDoneView } from '../bindings/RefundDoneView';
import type { RefundPreviewView } from '../bindings/RefundPreviewView';
import type { ReturnRequestView } from '../bindings/ReturnRequestView';
import type { ReturnableView } from '../bindings/ReturnableView';
import { toErrorView } from '../lib/errors';
import { returnRequests } from '../lib/returns';
import * as ipc from '../platform/ipc';
import type { Approval } from './approval.svelte';

/** Wait this long after the last change of a quantity before asking what it refunds. */
export const PREVIEW_DEBOUNCE_MS = 120;

/** null when it worked, else the sentence to show (as `Register`'s actions answer). */
type Outcome = string | null;

export class ReturnsFlow {
  /** The sale found, with what may still come back of each line. */
  found = $state.raw<ReturnableView | null>(null);
  /** Thousandths to take back, by line number. */
  quantities = $state.raw<Record<number, number>>({});
  /** A line whose typed quantity cannot be taken, with the sentence why. */
  problems = $state.raw<Record<number, string>>({});
  preview = $state.raw<RefundPreviewView | null>(null);
  done = $state.raw<RefundDoneView | null>(null);
  finding = $state(false);
  /** The refund is running (asking for approval, or the card terminal paying back). */
  running = $state(false);
  /** The screen's one error sentence. */
  error = $state<string | null>(null);

  requests: ReturnRequestView[] = $derived(this.found ? returnRequests(this.found.lines, this.quantities) : []);
  canRefund = $derived(
    this.requests.length > 0 && Object.keys(this.problems).length === 0 && !this.running && this.done === null,
  );

  private readonly approval: Approval;
  private readonly setCardText: (text: string) => void;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  // Every preview asked for gets the next number; an answer for an older one is dropped.
  private previewSeq = 0;

  constructor(approval: Approval, setCardText: (text: string) => void) {
    this.approval = approval;
    this.setCardText = setCardText;
  }

  /** Starts over, as the screen opens or closes. A running refund is not forgotten. */
  reset(): void {
    if (this.running) return;
    this.stopPreview();
    this.found = null;
    this.quantities = {};
    this.problems = {};
    this.preview = null;
    this.done = null;
    this.error = null;
  }

  /** Finds the sale a receipt's return barcode, QR text or number names. */
  async find(reference: string): Promise<Outcome> {
    if (this.running) return (this.error = 'Wait for the refund to finish.');
    const typed = reference.trim();
    if (typed === '') return (this.error = "Scan the receipt's return barcode, or type its number.");
    this.error = null;
    this.finding = true;
    let found: ReturnableView;
    try {
      found = await ipc.findSale(typed);
    } catch (e) {
      const view = toErrorView(e);
      // The back end's unknown_code sentence is about items; here it is a receipt.
      this.error =
        view.code === 'unknown_code'
          ? `No sale has the receipt “${typed}”. Check it, then scan or type it again.`
          : view.message;
      return this.error;
    } finally {
      this.finding = false;
    }
    this.reset();
    this.found = found;
    if (found.lines.every((l) => l.returnable_milli <= 0)) {
      return (this.error = `Everything on receipt ${found.receipt_no} has been returned already: there is nothing left to refund.`);
    }
    return null;
  }

  /** Chooses how much of a line comes back (clamped to what may) and asks what that refunds. */
  setQuantity(lineNo: number, milli: number): void {
    const line = this.found?.lines.find((l) => l.line_no === lineNo);
    if (!line || this.running || this.done) return;
    const clamped = Math.min(Math.max(Math.trunc(milli), 0), Math.max(line.returnable_milli, 0));
    this.quantities = { ...this.quantities, [lineNo]: clamped };
    this.clearProblem(lineNo);
    this.error = null;
    this.schedulePreview();
  }

  /** A quantity typed that cannot be taken: Refund waits until it is put right. */
  markProblem(lineNo: number, message: string): void {
    this.problems = { ...this.problems, [lineNo]: message };
  }

  clearProblem(lineNo: number): void {
    if (!(lineNo in this.problems)) return;
    const rest = { ...this.problems };
    delete rest[lineNo];
    this.problems = rest;
  }

  private stopPreview(): void {
    clearTimeout(this.previewTimer);
    this.previewSeq++;
  }

  private schedulePreview(): void {
    this.stopPreview();
    const found = this.found;
    const lines = this.requests;
    if (!found || lines.length === 0) {
      this.preview = null;
      return;
    }
    const seq = this.previewSeq;
    this.previewTimer = setTimeout(() => void this.runPreview(found.sale_id, lines, seq), PREVIEW_DEBOUNCE_MS);
  }

  private async runPreview(saleId: string, lines: ReturnRequestView[], seq: number): Promise<void> {
    try {
      const preview = await ipc.previewRefund(saleId, lines);
      if (seq === this.previewSeq) this.preview = preview;
    } catch (e) {
      if (seq !== this.previewSeq) return;
      this.preview = null;
      this.error = toErrorView(e).message;
    }
  }

  /** Refunds what was chosen to the sale's tenders: card first (on the terminal), then cash. */
  async refund(): Promise<Outcome> {
    const found = this.found;
    if (this.running || this.done || !found) return null;
    if (Object.keys(this.problems).length > 0) return (this.error = 'Put right the quantities marked first.');
    const lines = this.requests;
    if (lines.length === 0) return (this.error = 'Choose what the customer brings back first.');
    this.running = true;
    this.error = null;
    this.setCardText('');
    try {
      const done = await this.approval.run((pin) => ipc.refund(found.refund_id, found.sale_id, lines, pin));
      this.stopPreview();
      this.done = done;
      return null;
    } catch (e) {
      const view = toErrorView(e);
      this.error =
        view.code === 'refund_declined'
          ? `${view.message} Nothing was refunded: try the card again, or ask a manager.`
          : view.message;
      return this.error;
    } finally {
      this.running = false;
    }
  }
}
