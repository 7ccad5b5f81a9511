// The approval mechanism on its own: a command answered `approval_needed` is asked again with
// the PIN the dialog gets, as often as the PIN does not do, until it works or is cancelled.

import { describe, expect, it, vi } from 'vitest';
import type { ErrorView } from '../bindings/ErrorView';
import { APPROVAL_CANCELLED, Approval } from './approval.svelte';

const needed: ErrorView = { code: 'approval_needed', message: "a manager's PIN is needed to change a price" };

/** A command that wants PIN 9999, as the back end would answer it. */
function command() {
  return vi.fn(async (pin: string | null) => {
    if (pin === null) throw needed;
    if (pin === '1234') throw { code: 'not_permitted', message: 'Anna may not change a price' } satisfies ErrorView;
    if (pin !== '9999') throw { code: 'wrong_pin', message: 'that PIN is not right: try again' } satisfies ErrorView;
    return `done with ${pin}`;
  });
}

/** Lets the pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Approval.run', () => {
  it('answers at once when no approval is needed, without a dialog', async () => {
    const approval = new Approval();
    const call = vi.fn(async (pin: string | null) => `done with ${String(pin)}`);
    await expect(approval.run(call)).resolves.toBe('done with null');
    expect(call).toHaveBeenCalledTimes(1);
    expect(approval.request).toBeNull();
  });

  it('asks for a PIN on approval_needed and sends the same call again with it', async () => {
    const approval = new Approval();
    const call = command();
    const result = approval.run(call);
    await settle();
    expect(approval.open).toBe(true);
    expect(approval.request).toEqual({
      reason: "A manager's PIN is needed to change a price.",
      error: null,
      busy: false,
    });
    approval.approve('9999');
    await expect(result).resolves.toBe('done with 9999');
    expect(call.mock.calls).toEqual([[null], ['9999']]);
    expect(approval.request).toBeNull();
    expect(approval.open).toBe(false);
  });

  it('keeps asking while the PIN is wrong or not permitted, showing why', async () => {
    const approval = new Approval();
    const call = command();
    const result = approval.run(call);
    await settle();
    approval.approve('1111');
    await settle();
    expect(approval.request?.error).toBe('That PIN is not right: try again.');
    expect(approval.open).toBe(true);
    approval.approve('1234');
    await settle();
    expect(approval.request?.error).toBe('Anna may not change a price.');
    approval.approve('   ');
    expect(approval.request?.error).toBe("Type the manager's PIN.");
    approval.approve('9999');
    await expect(result).resolves.toBe('done with 9999');
    expect(call.mock.calls).toEqual([[null], ['1111'], ['1234'], ['9999']]);
  });

  it('rejects with approval_cancelled on cancel and sends nothing more', async () => {
    const approval = new Approval();
    const call = command();
    const result = approval.run(call);
    await settle();
    approval.cancel();
    await expect(result).rejects.toEqual(APPROVAL_CANCELLED);
    expect(call).toHaveBeenCalledTimes(1);
    expect(approval.request).toBeNull();
  });

  it('passes any other error on, tidied, and closes the dialog', async () => {
    const approval = new Approval();
    await expect(
      approval.run(async () => {
        throw { code: 'invalid_state', message: 'the sale is paid' } satisfies ErrorView;
      }),
    ).rejects.toEqual({ code: 'invalid_state', message: 'The sale is paid.' });
    let first = true;
    const result = approval.run(async () => {
      if (first) {
        first = false;
        throw needed;
      }
      throw { code: 'refund_declined', message: 'the card terminal did not refund: declined' } satisfies ErrorView;
    });
    await settle();
    approval.approve('9999');
    await expect(result).rejects.toEqual({
      code: 'refund_declined',
      message: 'The card terminal did not refund: declined.',
    });
    expect(approval.request).toBeNull();
  });

  it('steps the dialog aside while the call runs with the PIN', async () => {
    const approval = new Approval();
    let finish: (value: string) => void = () => undefined;
    const result = approval.run((pin) => {
      if (pin === null) return Promise.reject(needed);
      return new Promise<string>((resolve) => (finish = resolve));
    });
    await settle();
    approval.approve('9999');
    await settle();
    expect(approval.request?.busy).toBe(true);
    expect(approval.open).toBe(false);
    // Neither a second PIN nor a cancel gets in while it runs.
    approval.approve('1111');
    approval.cancel();
    finish('refunded');
    await expect(result).resolves.toBe('refunded');
  });
});
