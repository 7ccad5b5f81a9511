// @vitest-environment jsdom
// The returns screen against the fake back end: find a past sale by its receipt, choose what
// comes back, see the refund and where it goes, refund it with a manager's approval, and the
// readable errors on the way. Controls are found by role and name.

import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { approveWith, commands, eur, signedInAs } from './page-test-helpers';
import type { FakeBackend, FakeOptions } from './platform/fake-backend';

let fake: FakeBackend | undefined;

afterEach(() => {
  cleanup();
  fake?.uninstall();
});

async function onReturns(pin: '1234' | '9999', options: FakeOptions = {}) {
  const ctx = await signedInAs(pin, options);
  fake = ctx.fake;
  await ctx.user.keyboard('{F8}');
  const receipt = await screen.findByRole('textbox', { name: 'Receipt' });
  await waitFor(() => expect(document.activeElement).toBe(receipt));
  return { ...ctx, receipt };
}

const refundButton = () => screen.getByRole('button', { name: 'Refund' }) as HTMLButtonElement;
const refundTotal = () => screen.getByLabelText('Refund total').textContent;
const paidBackTo = () =>
  within(screen.getByRole('list', { name: 'Paid back to' }))
    .getAllByRole('listitem')
    .map((li) => li.textContent);

describe('returns', () => {
  it('refunds what was chosen from a scanned receipt with a manager PIN, card first, and shows the receipt', async () => {
    const { user, scanner, fake } = await onReturns('1234', { cardStepMs: 60 });
    expect(refundButton().disabled).toBe(true);
    expect(refundTotal()).toBe(eur(0));

    // A scanner types the receipt's return barcode and Enter.
    await scanner.keyboard('R1-1{Enter}');
    expect(await screen.findByRole('heading', { name: 'Receipt 1' })).toBeTruthy();
    expect(screen.getByText('Register R1 · sold 2026-11-21 10:12')).toBeTruthy();
    expect(commands(fake, 'find_sale')).toEqual([{ reference: 'R1-1' }]);
    const table = screen.getByRole('table', { name: 'Receipt lines' });
    expect(table.querySelectorAll('tbody tr')).toHaveLength(3);
    // The field is cleared and keeps focus for the next scan.
    const receipt = screen.getByRole('textbox', { name: 'Receipt' }) as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(receipt));
    expect(receipt.value).toBe('');
    const coffee = screen.getByRole('textbox', { name: 'Return quantity of Coffee beans 1 kg' }) as HTMLInputElement;
    expect(coffee.value).toBe('0');
    expect(refundButton().disabled).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Return one more of Coffee beans 1 kg' }));
    expect(coffee.value).toBe('1');
    expect(refundButton().disabled).toBe(false);
    await waitFor(() => expect(refundTotal()).toBe(eur(1499)));
    expect(paidBackTo()).toEqual([`Card girocard ****1234 ${eur(1499)}`]);

    await user.click(screen.getByRole('button', { name: 'Return all of Coffee beans 1 kg' }));
    await user.click(screen.getByRole('button', { name: 'Return one more of Milk 1 l' }));
    expect(coffee.value).toBe('2');
    // 29,98 for the coffee and 1,19 for a milk: 20,00 back to the card, the rest in cash.
    await waitFor(() => expect(refundTotal()).toBe(eur(3117)));
    expect(paidBackTo()).toEqual([`Card girocard ****1234 ${eur(2000)}`, `Cash ${eur(1117)}`]);
    const previews = commands(fake, 'preview_refund');
    expect(previews.at(-1)).toEqual({
      saleId: '018f3a2c-5d1e-7a00-8000-000000000001',
      lines: [
        { line_no: 1, quantity_milli: 2000 },
        { line_no: 2, quantity_milli: 1000 },
      ],
    });

    await user.click(refundButton());
    await approveWith(user, '9999');
    // The approval steps aside while the terminal works, so its messages can be read.
    const terminal = screen.getByRole('status', { name: 'Card terminal' });
    await waitFor(() => expect(terminal.textContent).toContain('Refund: insert, tap or swipe card'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: 'Back (Esc)' })).toHaveProperty('disabled', true);

    expect(await screen.findByRole('heading', { name: 'Refund complete · Receipt 101' })).toBeTruthy();
    const img = screen.getByRole('img', { name: 'Refund receipt preview' }) as HTMLImageElement;
    expect(img.src).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(document.getElementById('refund-receipt-text')?.textContent).toContain('Original receipt R1-1');
    expect(refundTotal()).toBe(eur(3117));
    expect(
      within(screen.getByRole('list', { name: 'Paid back' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([`Card girocard ****1234 ${eur(2000)}`, `Cash ${eur(1117)}`]);

    const refunds = commands(fake, 'refund');
    expect(refunds.map((r) => r.approverPin)).toEqual([null, '9999']);
    expect(refunds[0]!.refundId).toBe(refunds[1]!.refundId);
    expect(refunds[1]).toMatchObject({ saleId: '018f3a2c-5d1e-7a00-8000-000000000001', lines: previews.at(-1)!.lines });
    expect(fake.pastSales[0]!.lines.map((l) => l.refundedMilli)).toEqual([2000, 1000, 0]);

    const done = screen.getByRole('button', { name: 'Done (Enter)' });
    await waitFor(() => expect(document.activeElement).toBe(done));
    await user.keyboard('{Enter}');
    const scan = await screen.findByRole('textbox', { name: 'Scan or search' });
    await waitFor(() => expect(document.activeElement).toBe(scan));
  });

  it('takes weighed items back in kg and refuses more than was sold', async () => {
    const { user, receipt } = await onReturns('9999');
    // A bare receipt number is this register's.
    await user.type(receipt, '1{Enter}');
    const apples = (await screen.findByRole('textbox', { name: 'Return quantity of Apples' })) as HTMLInputElement;
    expect(apples.value).toBe('0,000');
    expect(screen.queryByRole('button', { name: 'Return one more of Apples' })).toBeNull();
    await user.clear(apples);
    await user.type(apples, '0,8');
    expect(apples.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(apples.getAttribute('aria-describedby')!)?.textContent).toBe(
      'At most 0,742 kg can come back.',
    );
    expect(refundButton().disabled).toBe(true);
    await user.clear(apples);
    await user.type(apples, '0,5');
    expect(apples.getAttribute('aria-invalid')).toBeNull();
    // 0,5 of 0,742 kg that cost 1,85.
    await waitFor(() => expect(refundTotal()).toBe(eur(125)));
    expect(paidBackTo()).toEqual([`Card girocard ****1234 ${eur(125)}`]);
    await user.tab();
    expect(apples.value).toBe('0,500');
    await user.click(screen.getByRole('button', { name: 'Return all of Apples' }));
    expect(apples.value).toBe('0,742');
    await waitFor(() => expect(refundTotal()).toBe(eur(185)));
    await user.click(screen.getByRole('button', { name: 'Return all of Milk 1 l' }));
    await user.click(screen.getByRole('button', { name: 'Return one less of Milk 1 l' }));
    expect((screen.getByRole('textbox', { name: 'Return quantity of Milk 1 l' }) as HTMLInputElement).value).toBe('2');
    await waitFor(() => expect(refundTotal()).toBe(eur(185 + 238)));
  });

  it('says so when no sale has the receipt, or everything on it came back already', async () => {
    const { user, receipt, fake } = await onReturns('9999');
    await user.type(receipt, 'R1-99{Enter}');
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'No sale has the receipt “R1-99”. Check it, then scan or type it again.',
      ),
    );
    expect(document.activeElement).toBe(receipt);
    expect(screen.queryByRole('table', { name: 'Receipt lines' })).toBeNull();

    await user.clear(receipt);
    await user.type(receipt, 'R1-3{Enter}');
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'Everything on receipt 3 has been returned already: there is nothing left to refund.',
      ),
    );
    expect(screen.getByRole('textbox', { name: 'Return quantity of Chocolate 100 g' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('table', { name: 'Receipt lines' }).textContent).toContain('All returned already.');
    expect(refundButton().disabled).toBe(true);
    expect(commands(fake, 'refund')).toEqual([]);
  });

  it('shows a declined card refund readably and retries the same refund', async () => {
    const { user, receipt, fake } = await onReturns('9999');
    await user.type(receipt, 'R1-2{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Return all of Croissant' }));
    await waitFor(() => expect(refundTotal()).toBe(eur(516)));
    expect(paidBackTo()).toEqual([`Card Visa ****4242 ${eur(516)}`]);
    fake.failNext('refund', { code: 'refund_declined', message: 'the card terminal did not refund: declined' });
    await user.click(refundButton());
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'The card terminal did not refund: declined. Nothing was refunded: try the card again, or ask a manager.',
      ),
    );
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(refundButton()));
    await user.click(refundButton());
    expect(await screen.findByRole('heading', { name: /^Refund complete · Receipt/ })).toBeTruthy();
    const refunds = commands(fake, 'refund');
    expect(refunds).toHaveLength(2);
    expect(refunds[0]!.refundId).toBe(refunds[1]!.refundId);
    expect(refunds.map((r) => r.approverPin)).toEqual([null, null]);
  });

  it('refunds nothing when the manager approval is cancelled, and goes back to the sale with Esc', async () => {
    const { user, receipt, fake } = await onReturns('1234');
    await user.type(receipt, 'R1-2{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Return one more of Bag' }));
    await waitFor(() => expect(refundTotal()).toBe(eur(20)));
    await user.click(refundButton());
    const approval = await screen.findByRole('dialog', { name: 'Manager approval' });
    expect(approval.textContent).toContain("A manager's PIN is needed to refund.");
    // Esc cancels the approval, not the returns screen.
    await user.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('Cancelled: no manager approved it, so nothing was done.'),
    );
    expect(screen.getByRole('textbox', { name: 'Receipt' })).toBeTruthy();
    expect(commands(fake, 'refund')).toHaveLength(1);
    expect(fake.pastSales[1]!.lines[1]!.refundedMilli).toBe(0);
    expect(refundButton().disabled).toBe(false);

    await user.keyboard('{Escape}');
    const scan = await screen.findByRole('textbox', { name: 'Scan or search' });
    await waitFor(() => expect(document.activeElement).toBe(scan));
    // The screen starts over next time.
    await user.click(screen.getByRole('button', { name: 'Returns (F8)' }));
    expect(await screen.findByRole('textbox', { name: 'Receipt' })).toHaveProperty('value', '');
    expect(screen.queryByRole('table', { name: 'Receipt lines' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Back (Esc)' }));
    expect(await screen.findByRole('textbox', { name: 'Scan or search' })).toBeTruthy();
  });
});
