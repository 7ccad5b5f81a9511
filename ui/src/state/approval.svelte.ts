// Manager approval. A privileged command is sent first without a PIN; when the back end answers
// `approval_needed`, a dialog asks for a manager's PIN and the same command is sent again with
// it, until it goes through or the cashier cancels. The back end decides every time (it checks
// each call, whatever the session's permissions say); the UI only asks and retries.

import type { ErrorView } from '../bindings/ErrorView';
import { toErrorView } from '../lib/errors';

export type ApprovalRequest = {
  /** Why a PIN is needed, the back end's sentence: "A manager's PIN is needed to change a price." */
  reason: string;
  /** Why the last PIN did not do (wrong PIN, not permitted), or null. */
  error: string | null;
  /** The command is running with the PIN given. */
  busy: boolean;
};

/** Answers that say "that PIN does not do": the dialog stays open for another. */
const TRY_ANOTHER_PIN = new Set(['wrong_pin', 'not_permitted', 'approval_needed']);

/** What a command asked for approval rejects with when the cashier cancels the dialog. */
export const APPROVAL_CANCELLED: ErrorView = {
  code: 'approval_cancelled',
  message: 'Cancelled: no manager approved it, so nothing was done.',
};

export class Approval {
  request = $state.raw<ApprovalRequest | null>(null);
  /**
   * Whether the dialog is on screen. It steps aside while the command runs with the PIN, so
   * that what the command shows meanwhile (a card refund's terminal messages) can be seen; a
   * PIN that does not do brings it back.
   */
  open = $derived(this.request !== null && !this.request.busy);

  private answer: ((pin: string | null) => void) | null = null;

  /**
   * Runs `call` without a PIN; on `approval_needed` asks for one and runs it again with it.
   * Resolves with the command's answer; rejects with an `ErrorView` (the command's own error,
   * or `APPROVAL_CANCELLED`).
   */
  async run<T>(call: (approverPin: string | null) => Promise<T>): Promise<T> {
    let reason: string;
    try {
      return await call(null);
    } catch (error) {
      const view = toErrorView(error);
      if (view.code !== 'approval_needed') throw view;
      reason = view.message;
    }
    return this.ask(reason, call);
  }

  private async ask<T>(reason: string, call: (approverPin: string | null) => Promise<T>): Promise<T> {
    if (this.request) throw { code: 'approval_busy', message: 'Finish the approval on screen first.' } satisfies ErrorView;
    this.request = { reason, error: null, busy: false };
    try {
      for (;;) {
        const pin = await new Promise<string | null>((resolve) => (this.answer = resolve));
        if (pin === null) throw APPROVAL_CANCELLED;
        this.request = { reason, error: null, busy: true };
        try {
          return await call(pin);
        } catch (error) {
          const view = toErrorView(error);
          if (!TRY_ANOTHER_PIN.has(view.code)) throw view;
          this.request = { reason, error: view.message, busy: false };
        }
      }
    } finally {
      this.answer = null;
      this.request = null;
    }
  }

  /** The PIN typed into the dialog. */
  approve(pin: string): void {
    if (!this.request || this.request.busy || !this.answer) return;
    if (pin.trim() === '') {
      this.request = { ...this.request, error: "Type the manager's PIN." };
      return;
    }
    const answer = this.answer;
    this.answer = null;
    answer(pin.trim());
  }

  /** The dialog was cancelled: the command is not sent again. */
  cancel(): void {
    if (!this.request || this.request.busy || !this.answer) return;
    const answer = this.answer;
    this.answer = null;
    answer(null);
  }
}
