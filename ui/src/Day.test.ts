// @vitest-environment jsdom
// The day screen against the fake back end: open the drawer with a counted float, pay out with a
// manager's PIN, the blind count and its variance, the X report, closing the day and past closes.

import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import Report from './components/Report.svelte';
import type { ReportView } from './bindings/ReportView';
import { approveWith, commands, eur, signedInAs } from './page-test-helpers';
import type { FakeBackend } from './platform/fake-backend';

let fake: FakeBackend | undefined;

afterEach(() => {
  cleanup();
  fake?.uninstall();
  fake = undefined;
});

async function onDay(pin: '1234' | '9999') {
  const ctx = await signedInAs(pin);
  fake = ctx.fake;
  await ctx.user.click(screen.getByRole('button', { name: 'Day (F4)' }));
  await screen.findByRole('heading', { name: 'Drawer' });
  return ctx;
}

/** The element whose whole text is `text` (getByText would fold the no-break spaces of amounts). */
const byText = (text: string) => screen.getByText((_, el) => el?.textContent === text && el.children.length === 0);
const findByText = (text: string) =>
  screen.findByText((_, el) => el?.textContent === text && el.children.length === 0);

type User = Awaited<ReturnType<typeof signedInAs>>['user'];

const countField = (form: string, minor: number) =>
  within(screen.getByRole('form', { name: form })).getByRole('spinbutton', { name: `Count of ${eur(minor)}` });

async function openDrawerWith(user: User, pieces: Record<number, number>) {
  for (const [value, count] of Object.entries(pieces)) await user.type(countField('Opening float', Number(value)), String(count));
  await user.click(screen.getByRole('button', { name: 'Open drawer with this float' }));
  await screen.findByRole('group', { name: 'Drawer actions' });
}

describe('day screen', () => {
  it('opens from the sale with F4 and goes back with Esc', async () => {
    const ctx = await signedInAs('9999');
    fake = ctx.fake;
    const { user } = ctx;
    await user.keyboard('{F4}');
    expect(await screen.findByRole('heading', { name: 'Reports' })).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(await screen.findByRole('textbox', { name: 'Scan or search' })).toBeTruthy();
  });

  it('is not offered while a sale is on screen', async () => {
    const ctx = await signedInAs('1234');
    fake = ctx.fake;
    expect(screen.getByRole('button', { name: 'Day (F4)' })).toBeTruthy();
    await ctx.scanner.keyboard('1001{Enter}');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Day (F4)' })).toBeNull());
    await ctx.user.keyboard('{F4}');
    expect(await screen.findByText('Finish, park or void the sale on screen first.')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Reports' })).toBeNull();
  });

  it('opens a drawer with a counted float, pays out with a manager PIN and counts it blind', async () => {
    const { user, fake } = await onDay('1234');
    // One field per note and coin, with a running total.
    expect(screen.getAllByRole('spinbutton')).toHaveLength(15);
    await user.type(countField('Opening float', 1000), '1');
    await user.type(countField('Opening float', 200), '2');
    expect(within(screen.getByRole('form', { name: 'Opening float' })).getByRole('status').textContent).toBe(eur(1400));
    await user.click(screen.getByRole('button', { name: 'Open drawer with this float' }));
    await screen.findByRole('group', { name: 'Drawer actions' });
    expect(commands(fake, 'open_drawer')).toEqual([
      { float: [{ value_minor: 1000, count: 1 }, { value_minor: 200, count: 2 }] },
    ]);
    expect(screen.getByText('Anna')).toBeTruthy();
    expect(byText(`Drawer opened with a float of ${eur(1400)}.`)).toBeTruthy();

    // A pay-out: the cashier may not, so a manager's PIN is asked for, then it goes through.
    await user.click(screen.getByRole('button', { name: 'Pay out' }));
    const dialog = await screen.findByRole('dialog', { name: 'Pay out' });
    await waitFor(() => expect(commands(fake, 'new_document_id')).toHaveLength(1));
    await user.type(within(dialog).getByLabelText('Amount'), '5');
    await user.type(within(dialog).getByLabelText('Reason'), 'Window cleaner{Enter}');
    const approval = await approveWith(user, '9999');
    expect(approval.textContent).toContain("A manager's PIN is needed to pay cash in or out.");
    expect(await findByText(`Paid out ${eur(500)}.`)).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    const moves = commands(fake, 'move_cash');
    expect(moves).toHaveLength(2);
    expect(moves[0]).toMatchObject({ kind: 'pay_out', amountMinor: 500, reason: 'Window cleaner', approverPin: null });
    expect(moves[1]).toMatchObject({ approverPin: '9999', id: moves[0]!.id });

    // The blind count: nothing says what the drawer should hold until the count is in.
    await user.click(screen.getByRole('button', { name: 'Count and close drawer' }));
    const form = screen.getByRole('form', { name: 'Drawer count' });
    expect(document.body.textContent).not.toContain('Expected');
    expect(document.body.textContent).not.toContain(eur(900));
    await user.type(within(form).getByRole('spinbutton', { name: `Count of ${eur(200)}` }), '4');
    await user.click(screen.getByRole('button', { name: 'Close drawer with this count' }));
    const result = await screen.findByRole('group', { name: 'Drawer count result' });
    expect(result.textContent).toContain(`Counted${eur(800)}`);
    expect(result.textContent).toContain(`Expected${eur(900)}`);
    expect(result.querySelector('.verdict')!.textContent).toBe(`Short by ${eur(100)}`);
    // Closed: the float form is back for the next drawer.
    expect(screen.getByRole('button', { name: 'Open drawer with this float' })).toBeTruthy();
  });

  it('shows an X report of the day and will not close it before the drawer is counted', async () => {
    const { user } = await onDay('9999');
    await openDrawerWith(user, { 5000: 2 });
    await user.click(screen.getByRole('button', { name: 'X report' }));
    const summary = await screen.findByRole('table', { name: 'Summary' });
    expect(screen.getByRole('heading', { name: 'X report (before Z 1)' })).toBeTruthy();
    expect(within(summary).getByRole('rowheader', { name: 'Sales' }).closest('tr')!.textContent).toContain('3');
    const cash = screen.getByRole('table', { name: 'Cash' });
    expect(within(cash).getByRole('rowheader', { name: 'Floats' }).closest('tr')!.textContent).toContain(eur(10000));
    expect(within(cash).getByRole('rowheader', { name: 'Counted' }).closest('tr')!.textContent).toContain('Not counted');
    const chart = screen.getByRole('list', { name: 'Sales by hour' });
    expect(within(chart).getAllByRole('listitem').length).toBeGreaterThan(0);

    await user.click(screen.getByRole('button', { name: 'Close the day (Z)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Close the day?' });
    const yes = within(dialog).getByRole('button', { name: 'Yes, close the day' }) as HTMLButtonElement;
    await waitFor(() => expect(yes.disabled).toBe(false));
    await user.click(yes);
    expect(await within(dialog).findByText('Count the drawer before closing the day.')).toBeTruthy();
  });

  it('closes the day as Z 1, lists it under past closes, opens and exports it', async () => {
    const { user, fake } = await onDay('9999');
    await openDrawerWith(user, { 1000: 1 });
    await user.click(screen.getByRole('button', { name: 'Count and close drawer' }));
    await user.type(countField('Drawer count', 1000), '1');
    await user.click(screen.getByRole('button', { name: 'Close drawer with this count' }));
    expect(await screen.findByText('Exact')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Close the day (Z)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Close the day?' });
    const yes = within(dialog).getByRole('button', { name: 'Yes, close the day' }) as HTMLButtonElement;
    await waitFor(() => expect(yes.disabled).toBe(false));
    await user.click(yes);
    expect(await screen.findByRole('heading', { name: 'Z report 1' })).toBeTruthy();
    expect(screen.getByText('The day is closed: Z 1.')).toBeTruthy();
    // The close carries the id fetched when its dialog opened.
    expect(commands(fake, 'close_day').map((c) => c.closeId)).toEqual([expect.stringMatching(/^018f3a2c-/)]);
    const cash = screen.getByRole('table', { name: 'Cash' });
    expect(within(cash).getByRole('rowheader', { name: 'Variance' }).closest('tr')!.textContent).toContain('Exact');
    expect(screen.getByRole('table', { name: 'Grand totals (all days)' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Past closes' }));
    const list = await screen.findByRole('table', { name: 'Past closes' });
    const row = within(list).getByRole('rowheader', { name: 'Z 1' }).closest('tr')!;
    expect(row.textContent).toContain('OK');
    await user.click(within(row).getByRole('button', { name: 'Open Z 1' }));
    await waitFor(() => expect(commands(fake, 'z_report')).toEqual([{ zNo: 1, approverPin: null }]));
    expect(screen.getByRole('heading', { name: 'Z report 1' })).toBeTruthy();
    await user.click(within(row).getByRole('button', { name: 'Export CSV of Z 1' }));
    expect(await screen.findByText('Saved to /home/ringup/ringup/z-R1-0001.csv')).toBeTruthy();
    await user.click(within(row).getByRole('button', { name: 'Export PDF of Z 1' }));
    expect(await screen.findByText('Saved to /home/ringup/ringup/z-R1-0001.pdf')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Print Z 1' }));
    expect(await screen.findByText('Z 1 was sent to the receipt printer.')).toBeTruthy();
    expect(commands(fake, 'print_report')).toEqual([{ zNo: 1, approverPin: null }]);
  });
});

describe('report view', () => {
  const row = (label: string, count: number, amount_minor: number) => ({ label, count, amount_minor });
  const z: ReportView = {
    kind: 'Z',
    z_no: 7,
    register_id: 'R1',
    opened_at: '2026-11-22 08:00',
    closed_at: '2026-11-22 20:00',
    closed_by: 'Maria',
    approved_by: null,
    sales: row('Sales', 2, 3000),
    refunds: row('Refunds', 0, 0),
    net_sales_minor: 3000,
    voided_sales: row('Voided sales', 1, 500),
    voided_lines: row('Removed lines', 0, 0),
    discounts: row('Discounts', 0, 0),
    price_overrides: row('Price changes', 0, 0),
    no_sales: 1,
    tenders: [{ kind: 'Card', sales_minor: 3000, refunds_minor: 0, net_minor: 3000 }],
    tax_rates: [{ rate: '19 %', net_minor: 2521, tax_minor: 479, gross_minor: 3000 }],
    categories: [],
    cashiers: [row('Anna', 2, 3000)],
    hours: [row('10', 1, 1000), row('12', 1, 2000)],
    card_types: [row('Visa', 1, 1000), row('girocard', 1, 2000)],
    cash: {
      floats_minor: 0,
      sales_minor: 0,
      refunds_minor: 0,
      pay_ins: row('Pay-ins', 0, 0),
      pay_outs: row('Pay-outs', 0, 0),
      drops: row('Drops', 0, 0),
      expected_minor: 0,
      counted_minor: 0,
      variance_minor: 0,
    },
    card_checks: [
      { card_type: 'Visa', ours_minor: 1000, terminal_minor: 1000, matches: true },
      { card_type: 'girocard', ours_minor: 2000, terminal_minor: 1900, matches: false },
    ],
    card_mismatch: true,
    grand_sales_minor: 99000,
    grand_refunds_minor: 1000,
  };

  it('marks a card mismatch per card type and labels each bar of the hours chart', () => {
    render(Report, { props: { report: z, currency: { code: 'EUR', exponent: 2, locale: 'de-DE' } } });
    expect(screen.getByRole('alert').textContent).toContain("do not match");
    const checks = screen.getByRole('table', { name: "Card checks: our totals beside the terminal's" });
    expect(within(checks).getByRole('rowheader', { name: 'girocard' }).closest('tr')!.textContent).toContain('✗ Mismatch');
    expect(within(checks).getByRole('rowheader', { name: 'Visa' }).closest('tr')!.textContent).toContain('✓ Matches');
    const bars = within(screen.getByRole('list', { name: 'Sales by hour' })).getAllByRole('listitem');
    expect(bars).toHaveLength(3);
    expect(bars[0]!.textContent).toContain(`10:00, 1 sale, ${eur(1000)}`);
    expect(bars[1]!.textContent).toContain(`11:00, 0 sales, ${eur(0)}`);
    expect((bars[2]!.querySelector('.bar') as HTMLElement).style.height).toBe('100%');
    expect((bars[0]!.querySelector('.bar') as HTMLElement).style.height).toBe('50%');
    const summary = screen.getByRole('table', { name: 'Summary' });
    expect(within(summary).getByRole('rowheader', { name: 'Voided sales' }).closest('tr')!.textContent).toContain(eur(500));
    expect(screen.getByRole('table', { name: 'Grand totals (all days)' }).textContent).toContain(eur(99000));
  });
});
