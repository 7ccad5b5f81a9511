// @vitest-environment jsdom
// The sell screen's less frequent tools against the fake back end: discounts and price changes
// (with a manager's PIN when the back end asks for one), park and recall, void. Controls are
// found by role and name, as a cashier or the end-to-end test finds them.

import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { approveWith, cartRow, commands, eur, signedInAs } from './page-test-helpers';
import type { FakeBackend } from './platform/fake-backend';

let fake: FakeBackend | undefined;

afterEach(() => {
  cleanup();
  fake?.uninstall();
});

async function cashier() {
  const ctx = await signedInAs('1234');
  fake = ctx.fake;
  return ctx;
}

async function manager() {
  const ctx = await signedInAs('9999');
  fake = ctx.fake;
  return ctx;
}

const scanField = () => screen.getByRole('textbox', { name: 'Scan or search' });

describe('the sale tools', () => {
  it('are buttons with accessible names and their keys', async () => {
    await cashier();
    const actions = screen.getByRole('group', { name: 'Sale actions' });
    // The empty sale also offers the day screen (F4).
    const names = ['Discount', 'Change price', 'Void sale', 'Park (F6)', 'Recall (F7)', 'Returns (F8)', 'Day (F4)'];
    expect(within(actions).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual(names);
    expect(screen.getByRole('button', { name: 'Park (F6)' }).getAttribute('aria-keyshortcuts')).toBe('F6');
    expect(screen.getByRole('button', { name: 'Recall (F7)' }).getAttribute('aria-keyshortcuts')).toBe('F7');
    expect(screen.getByRole('button', { name: 'Returns (F8)' }).getAttribute('aria-keyshortcuts')).toBe('F8');
    expect(screen.getByRole('button', { name: 'Discount' }).getAttribute('aria-haspopup')).toBe('dialog');
  });

  it('ask for a cart line first', async () => {
    const { user } = await cashier();
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose a cart line first (↑ or ↓, or tap it).');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('are listed in the help with their keys', async () => {
    const { user } = await cashier();
    await user.keyboard('{F1}');
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const key of ['F6', 'F7', 'F8']) expect(within(dialog).getByText(key)).toBeTruthy();
    expect(dialog.textContent).toContain('in a dialog: cancel');
    expect(dialog.textContent).toContain('in a dialog: apply, approve or confirm');
  });
});

describe('discount', () => {
  it('gives a discount within the limit without asking anyone, and shows it on the line', async () => {
    const { user, fake } = await cashier();
    await user.click(await screen.findByRole('button', { name: 'Coffee to go' }));
    await waitFor(() => cartRow('Coffee to go'));
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    const dialog = await screen.findByRole('dialog', { name: 'Discount on Coffee to go' });
    const field = within(dialog).getByLabelText('Discount %');
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(dialog.textContent).toContain('Up to 10 % by yourself');
    await user.type(field, '10{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(commands(fake, 'set_line_discount')).toEqual([{ lineNo: 1, discountBp: 1000, approverPin: null }]);
    expect(cartRow('Coffee to go').textContent).toContain('−10 %');
    expect(screen.getByLabelText('Total').textContent).toBe(eur(225));
    // Focus goes back to the scan field, for the next scan.
    await waitFor(() => expect(document.activeElement).toBe(scanField()));
  });

  it('asks a cashier for a manager PIN above the limit, keeps asking after a wrong one, then applies', async () => {
    const { user, fake } = await cashier();
    await user.click(await screen.findByRole('button', { name: 'Coffee to go' }));
    await waitFor(() => cartRow('Coffee to go'));
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    await user.type(await screen.findByLabelText('Discount %'), '20{Enter}');

    let approval = await screen.findByRole('dialog', { name: 'Manager approval' });
    expect(approval.getAttribute('aria-modal')).toBe('true');
    expect(approval.textContent).toContain("A manager's PIN is needed to give this discount.");
    const pin = within(approval).getByLabelText('Manager PIN');
    expect(pin).toHaveProperty('type', 'password');

    approval = await approveWith(user, '1111');
    await waitFor(() =>
      expect(within(screen.getByRole('dialog', { name: 'Manager approval' })).getByRole('alert').textContent).toBe(
        'That PIN is not right: try again.',
      ),
    );
    expect((screen.getByLabelText('Manager PIN') as HTMLInputElement).value).toBe('');
    // The discount dialog waits underneath.
    expect(screen.getByRole('dialog', { name: 'Discount on Coffee to go' })).toBeTruthy();

    await approveWith(user, '1234');
    await waitFor(() =>
      expect(within(screen.getByRole('dialog', { name: 'Manager approval' })).getByRole('alert').textContent).toBe(
        'Anna may not give this discount.',
      ),
    );

    await approveWith(user, '9999');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(commands(fake, 'set_line_discount').map((a) => a.approverPin)).toEqual([null, '1111', '1234', '9999']);
    expect(commands(fake, 'set_line_discount').every((a) => a.discountBp === 2000 && a.lineNo === 1)).toBe(true);
    expect(cartRow('Coffee to go').textContent).toContain('−20 %');
    expect(screen.getByLabelText('Total').textContent).toBe(eur(200));
  });

  it('gives a manager any discount without asking, and takes it off again', async () => {
    const { user, fake } = await manager();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    const dialog = await screen.findByRole('dialog', { name: 'Discount on Milk 1 l' });
    expect(dialog.textContent).toContain('Any discount up to 100 %.');
    await user.type(within(dialog).getByLabelText('Discount %'), '50{Enter}');
    await waitFor(() => expect(cartRow('Milk 1 l').textContent).toContain('−50 %'));
    expect(screen.queryByRole('dialog', { name: 'Manager approval' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    const again = await screen.findByRole('dialog', { name: 'Discount on Milk 1 l' });
    expect((within(again).getByLabelText('Discount %') as HTMLInputElement).value).toBe('50');
    await user.click(within(again).getByRole('button', { name: 'Remove discount' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(cartRow('Milk 1 l').textContent).not.toContain('%');
    expect(commands(fake, 'set_line_discount')).toEqual([
      { lineNo: 1, discountBp: 5000, approverPin: null },
      { lineNo: 1, discountBp: 0, approverPin: null },
    ]);
  });

  it('refuses a garbled percentage in the dialog without calling the back end', async () => {
    const { user, fake } = await cashier();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.click(screen.getByRole('button', { name: 'Discount' }));
    const dialog = await screen.findByRole('dialog', { name: 'Discount on Milk 1 l' });
    await user.type(within(dialog).getByLabelText('Discount %'), '150{Enter}');
    expect(within(dialog).getByRole('alert').textContent).toBe('Discount %: A discount can be at most 100 %.');
    expect(commands(fake, 'set_line_discount')).toEqual([]);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('price change', () => {
  it('asks a cashier for a manager PIN; cancelling sends nothing more and keeps the old price', async () => {
    const { user, fake } = await cashier();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.click(screen.getByRole('button', { name: 'Change price' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change price of Milk 1 l' });
    await waitFor(() => expect(document.activeElement).toBe(within(dialog).getByLabelText('New price')));
    await user.type(within(dialog).getByLabelText('New price'), '0,99');
    // A reason is needed first.
    await user.keyboard('{Enter}');
    expect(within(dialog).getByRole('alert').textContent).toBe(
      'Reason: say why the price changes (damaged, price match…).',
    );
    expect(commands(fake, 'override_price')).toEqual([]);
    await user.type(within(dialog).getByLabelText('Reason'), 'Damaged{Enter}');

    const approval = await screen.findByRole('dialog', { name: 'Manager approval' });
    expect(approval.textContent).toContain("A manager's PIN is needed to change a price.");
    // Esc cancels the approval only; the price dialog stays, saying what happened.
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Manager approval' })).toBeNull());
    const still = screen.getByRole('dialog', { name: 'Change price of Milk 1 l' });
    expect(within(still).getByRole('alert').textContent).toBe('Cancelled: no manager approved it, so nothing was done.');
    expect(commands(fake, 'override_price')).toEqual([
      { lineNo: 1, unitPriceMinor: 99, reason: 'Damaged', approverPin: null },
    ]);
    expect(screen.getByLabelText('Total').textContent).toBe(eur(119));

    await user.click(within(still).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('alert').textContent).toBe('');
    await waitFor(() => expect(document.activeElement).toBe(scanField()));
  });

  it('lets a manager change a price at once and shows the old price struck through', async () => {
    const { user, fake } = await manager();
    await user.click(await screen.findByRole('button', { name: 'Coffee to go' }));
    await waitFor(() => cartRow('Coffee to go'));
    await user.click(screen.getByRole('button', { name: 'Change price' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change price of Coffee to go' });
    await user.type(within(dialog).getByLabelText('New price'), '2');
    await user.type(within(dialog).getByLabelText('Reason'), 'Price match{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(commands(fake, 'override_price')).toEqual([
      { lineNo: 1, unitPriceMinor: 200, reason: 'Price match', approverPin: null },
    ]);
    const row = cartRow('Coffee to go');
    expect(row.querySelector('del')?.textContent).toBe('2,50');
    expect(row.textContent).toContain('1 × 2,00');
    expect(screen.getByLabelText('Total').textContent).toBe(eur(200));
  });

  it('changes the price of the line tapped, not the last one', async () => {
    const { user, fake } = await manager();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.keyboard('1002{Enter}');
    await waitFor(() => cartRow('Croissant'));
    await user.click(within(cartRow('Milk 1 l')).getByText('Milk 1 l'));
    expect(cartRow('Milk 1 l').getAttribute('aria-current')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Change price' }));
    expect(await screen.findByRole('dialog', { name: 'Change price of Milk 1 l' })).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(commands(fake, 'override_price')).toEqual([]);
  });
});

describe('manager approval dialog', () => {
  it('keeps focus inside while open and gives it back when cancelled', async () => {
    const { user } = await cashier();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.click(screen.getByRole('button', { name: 'Void sale' }));
    const confirm = await screen.findByRole('dialog', { name: 'Void sale?' });
    const yes = within(confirm).getByRole('button', { name: 'Yes, void sale' });
    await waitFor(() => expect(document.activeElement).toBe(yes));
    await user.keyboard('{Enter}');
    const approval = await screen.findByRole('dialog', { name: 'Manager approval' });
    const pin = within(approval).getByLabelText('Manager PIN');
    await waitFor(() => expect(document.activeElement).toBe(pin));
    const inside = [pin, ...within(approval).getAllByRole('button')];
    expect(inside.map((e) => e.textContent?.trim() || e.getAttribute('id'))).toEqual([
      'approval-pin',
      'Approve',
      'Cancel',
    ]);
    for (let i = 0; i < 4; i++) {
      await user.tab();
      expect(approval.contains(document.activeElement)).toBe(true);
    }
    await user.tab({ shift: true });
    expect(approval.contains(document.activeElement)).toBe(true);
    // The page under the dialogs is inert (Svelte sets the property, which jsdom only stores).
    const page = screen.getByRole('banner').parentElement as HTMLElement & { inert?: boolean };
    expect(page.contains(scanField())).toBe(true);
    expect(page.inert).toBe(true);
    await user.click(within(approval).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Manager approval' })).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(yes));
    expect(page.inert).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(page.inert).toBe(false);
  });
});

describe('void', () => {
  it('voids the sale with a manager PIN after a confirmation', async () => {
    const { user, fake } = await cashier();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.click(screen.getByRole('button', { name: 'Void sale' }));
    const confirm = await screen.findByRole('dialog', { name: 'Void sale?' });
    expect(confirm.textContent).toContain("A manager's PIN is needed.");
    await user.click(within(confirm).getByRole('button', { name: 'Keep the sale' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(commands(fake, 'void_sale')).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Void sale' }));
    await user.click(await screen.findByRole('button', { name: 'Yes, void sale' }));
    await approveWith(user, '9999');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(commands(fake, 'void_sale')).toEqual([{ approverPin: null }, { approverPin: '9999' }]);
    expect(screen.getByRole('table', { name: 'Cart' }).querySelectorAll('tbody tr')).toHaveLength(0);
    expect(screen.getByLabelText('Total').textContent).toBe(eur(0));
  });

  it('says there is nothing to void on an empty sale', async () => {
    const { user } = await manager();
    await user.click(screen.getByRole('button', { name: 'Void sale' }));
    expect(screen.getByRole('alert').textContent).toBe('There is nothing to void: the sale is empty.');
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('park and recall', () => {
  it('parks with F6, lists the parked sales with F7 and recalls one onto the empty screen', async () => {
    const { user, fake } = await cashier();
    await user.keyboard('{F6}');
    expect(screen.getByRole('alert').textContent).toBe('There is nothing to park: the sale is empty.');
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.keyboard('1002{Enter}');
    await waitFor(() => cartRow('Croissant'));

    await user.keyboard('{F6}');
    await waitFor(() => expect(screen.getByLabelText('Total').textContent).toBe(eur(0)));
    expect(commands(fake, 'park')).toHaveLength(1);
    expect(screen.getByRole('table', { name: 'Cart' }).querySelectorAll('tbody tr')).toHaveLength(0);
    expect(document.activeElement).toBe(scanField());

    await user.keyboard('{F7}');
    const dialog = await screen.findByRole('dialog', { name: 'Recall a parked sale' });
    const table = await within(dialog).findByRole('table', { name: 'Parked sales' });
    const rows = [...table.querySelectorAll('tbody tr')].map((r) =>
      [...r.children].map((cell) => cell.textContent?.trim()).join(' | '),
    );
    expect(rows).toEqual(['2026-11-22 13:40 | 3 items | R2 | Recall', '2026-11-22 14:05 | 2 items | R1 | Recall']);
    await user.click(within(dialog).getByRole('button', { name: 'Recall sale parked at 2026-11-22 14:05' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(cartRow('Milk 1 l')).toBeTruthy();
    expect(cartRow('Croissant')).toBeTruthy();
    expect(screen.getByLabelText('Total').textContent).toBe(eur(248));
    const recalled = commands(fake, 'recall');
    expect(recalled).toHaveLength(1);
    expect(recalled[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => expect(document.activeElement).toBe(scanField()));

    // Another sale cannot be recalled over this one.
    await user.keyboard('{F7}');
    expect(screen.getByRole('alert').textContent).toBe(
      'Finish, park or void the sale on screen before recalling another.',
    );
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says when nothing is parked, and closes the list with Esc', async () => {
    const { user, fake } = await manager();
    await user.click(screen.getByRole('button', { name: 'Recall (F7)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Recall a parked sale' });
    await user.click(await within(dialog).findByRole('button', { name: 'Recall sale parked at 2026-11-22 13:40' }));
    await waitFor(() => expect(cartRow('Coffee to go')).toBeTruthy());
    expect(cartRow('Croissant')).toBeTruthy();
    // A manager voids without being asked for a PIN.
    await user.click(screen.getByRole('button', { name: 'Void sale' }));
    await user.click(await screen.findByRole('button', { name: 'Yes, void sale' }));
    await waitFor(() => expect(screen.getByLabelText('Total').textContent).toBe(eur(0)));
    expect(commands(fake, 'void_sale')).toEqual([{ approverPin: null }]);
    await user.keyboard('{F7}');
    const empty = await screen.findByRole('dialog', { name: 'Recall a parked sale' });
    expect((await within(empty).findByText('No sales are parked.')).getAttribute('role')).toBe('status');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(scanField()));
  });

  it('says why when the parked sales cannot be read, rather than that there are none', async () => {
    const { user, fake } = await cashier();
    fake.failNext('parked', { code: 'storage', message: 'the database is busy: try again' });
    await user.keyboard('{F7}');
    const dialog = await screen.findByRole('dialog', { name: 'Recall a parked sale' });
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toBe('The database is busy: try again.'));
    expect(within(dialog).queryByText('No sales are parked.')).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('alert').textContent).toBe('');
  });
});
