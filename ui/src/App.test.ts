// @vitest-environment jsdom
// The whole page against the fake back end, through the real platform/ipc.ts: finds controls by
// role and name as a cashier (or an end-to-end test) would, and checks what reaches the back end.

import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { type FakeBackend, type FakeOptions, installFakeBackend } from './platform/fake-backend';
import { Register } from './state/register.svelte';

let fake: FakeBackend | undefined;

afterEach(() => {
  // Unmount first: the page lets go of its event listeners through the mock.
  cleanup();
  fake?.uninstall();
});

/** de-DE formatting as Intl does it (with its no-break spaces). */
const eur = (minor: number) =>
  new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(minor / 100);

async function start(options: FakeOptions = {}) {
  fake = installFakeBackend(options);
  const register = new Register();
  render(App, { props: { register } });
  // A person types at least 40 ms apart; the scanner detector must see a person here.
  const user = userEvent.setup({ delay: 40 });
  // A scanner types as fast as the events can go.
  const scanner = userEvent.setup({ delay: null });
  return { fake, register, user, scanner };
}

async function signedIn(options: FakeOptions = {}) {
  const ctx = await start(options);
  await ctx.user.type(screen.getByLabelText('PIN'), '1234{Enter}');
  await screen.findByRole('textbox', { name: 'Scan or search' });
  return ctx;
}

function commands(f: FakeBackend, cmd: string) {
  return f.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

function cartRow(name: string): HTMLElement {
  const cart = screen.getByRole('table', { name: 'Cart' });
  return within(cart).getByRole('rowheader', { name: new RegExp(`^${name}`) }).closest('tr')!;
}

describe('login', () => {
  it('signs in with the number pad and shows who is at which register', async () => {
    const { user, fake } = await start();
    const pin = screen.getByLabelText('PIN');
    expect(pin).toHaveProperty('type', 'password');
    expect(pin.getAttribute('inputmode')).toBe('numeric');
    expect(document.activeElement).toBe(pin);
    for (const digit of ['1', '2', '3', '4']) await user.click(screen.getByRole('button', { name: digit }));
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Ringup · Register R1 · Anna (cashier)' })).toBeTruthy();
    expect(commands(fake, 'login')).toEqual([{ pin: '1234' }]);
    expect(screen.getByRole('contentinfo', { name: 'Device status' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Scan or search' })));
  });

  it('shows a wrong PIN as one sentence and clears the field', async () => {
    const { user } = await start();
    const pin = screen.getByLabelText('PIN') as HTMLInputElement;
    await user.type(pin, '1111{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('That PIN is not right. Try again.');
    expect(pin.value).toBe('');
    expect(document.activeElement).toBe(pin);
    await user.click(screen.getByRole('button', { name: '9' }));
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(pin.value).toBe('');
  });

  it('has no status bar before sign-in', async () => {
    await start();
    expect(screen.queryByRole('contentinfo', { name: 'Device status' })).toBeNull();
  });
});

describe('sell', () => {
  it('sends a scanner burst to scan and shows the line and the total', async () => {
    const { scanner, fake } = await signedIn();
    const bodyRows = () => screen.getByRole('table', { name: 'Cart' }).querySelectorAll('tbody tr').length;
    expect(bodyRows()).toBe(0);
    await scanner.keyboard('4006381333931{Enter}');
    await waitFor(() => expect(cartRow('Coffee beans 1 kg')).toBeTruthy());
    expect(bodyRows()).toBe(1);
    expect(commands(fake, 'scan')).toEqual([{ code: '4006381333931' }]);
    expect(screen.getByLabelText('Total').textContent).toBe(eur(1499));
    expect(commands(fake, 'search')).toEqual([]);
  });

  it('scans only the burst when someone had typed before the scanner fired', async () => {
    const { user, scanner, fake } = await signedIn();
    await user.keyboard('12');
    await new Promise((r) => setTimeout(r, 40));
    await scanner.keyboard('4006381333931{Enter}');
    await waitFor(() => expect(commands(fake, 'scan')).toEqual([{ code: '4006381333931' }]));
    expect((screen.getByRole('textbox', { name: 'Scan or search' }) as HTMLInputElement).value).toBe('');
  });

  it('scans a PLU typed by hand', async () => {
    const { user, fake } = await signedIn();
    await user.keyboard('1001{Enter}');
    await waitFor(() => expect(cartRow('Milk 1 l')).toBeTruthy());
    expect(commands(fake, 'scan')).toEqual([{ code: '1001' }]);
  });

  it('shows live search results and adds the one picked with the arrow keys', async () => {
    const { user, fake } = await signedIn();
    const field = screen.getByRole('textbox', { name: 'Scan or search' });
    await user.keyboard('cof');
    const list = await screen.findByRole('listbox', { name: 'Search results' });
    expect(within(list).getAllByRole('option')).toHaveLength(2);
    expect(within(list).getByRole('button', { name: 'Add Coffee beans 1 kg' })).toBeTruthy();
    // The stock the till knows: the back end's plus its own unsent sales, oversold as such.
    const [beans, togo] = within(list).getAllByRole('option');
    expect(beans!.textContent).toContain('12 in stock');
    expect(togo!.textContent).toContain('-2 in stock');
    expect(field.getAttribute('aria-controls')).toBe('search-results');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(within(list).getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true');
    expect(field.getAttribute('aria-activedescendant')).toBe('search-hit-1');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(cartRow('Coffee to go')).toBeTruthy());
    expect(commands(fake, 'add_sku')).toEqual([{ sku: 'COFFEE-TOGO', quantityMilli: 1000 }]);
    expect(screen.queryByRole('listbox', { name: 'Search results' })).toBeNull();
    expect(document.activeElement).toBe(field);
  });

  it('adds a search result by its button', async () => {
    const { user, fake } = await signedIn();
    await user.keyboard('croi');
    const list = await screen.findByRole('listbox', { name: 'Search results' });
    expect(list.textContent).not.toContain('in stock');
    await user.click(await screen.findByRole('button', { name: 'Add Croissant' }));
    await waitFor(() => expect(cartRow('Croissant')).toBeTruthy());
    expect(commands(fake, 'add_sku')).toEqual([{ sku: 'CROISSANT', quantityMilli: 1000 }]);
  });

  it('drops a search answer that comes back after a newer one', async () => {
    // "c" answers slowly, "co" at once: the slow answer must not replace the newer one.
    const { user } = await signedIn({ searchDelayMs: (q) => (q === 'c' ? 300 : 0) });
    await user.keyboard('c');
    await new Promise((r) => setTimeout(r, 120));
    await user.keyboard('o');
    const list = await screen.findByRole('listbox', { name: 'Search results' });
    await new Promise((r) => setTimeout(r, 400));
    const names = within(list).getAllByRole('button').map((b) => b.textContent);
    expect(names).toEqual(['Add Coffee beans 1 kg', 'Add Coffee to go']);
  });

  it('says so when nothing matches', async () => {
    const { user } = await signedIn();
    await user.keyboard('zzz');
    expect((await screen.findByText('No product matches “zzz”.')).getAttribute('role')).toBe('status');
  });

  it('shows a refused code as an alert and keeps focus in the scan field', async () => {
    const { scanner } = await signedIn();
    await scanner.keyboard('9999999999999{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('No product has the code 9999999999999.');
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Scan or search' }));
  });

  it('adds from a quick key and takes focus back to the scan field', async () => {
    const { user, fake } = await signedIn();
    await user.click(await screen.findByRole('button', { name: 'Water 6×1.5 l' }));
    await waitFor(() => expect(cartRow('Water 6×1.5 l')).toBeTruthy());
    expect(commands(fake, 'add_sku')).toEqual([{ sku: 'WATER-6', quantityMilli: 1000 }]);
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Scan or search' }));
  });

  it('changes quantities with + and −, and asks before − removes the last piece', async () => {
    const { user, fake } = await signedIn();
    await user.click(await screen.findByRole('button', { name: 'Milk 1 l' }));
    await user.click(await screen.findByRole('button', { name: 'Increase quantity of Milk 1 l' }));
    await waitFor(() => expect(screen.getByLabelText('Total').textContent).toBe(eur(238)));
    const lineNo = commands(fake, 'set_quantity')[0]!.lineNo;
    expect(commands(fake, 'set_quantity')).toEqual([{ lineNo, quantityMilli: 2000 }]);
    await user.click(screen.getByRole('button', { name: 'Decrease quantity of Milk 1 l' }));
    await waitFor(() => expect(screen.getByLabelText('Total').textContent).toBe(eur(119)));
    await user.click(screen.getByRole('button', { name: 'Decrease quantity of Milk 1 l' }));
    const yes = await screen.findByRole('button', { name: 'Yes, remove' });
    expect(commands(fake, 'remove_line')).toEqual([]);
    await user.click(yes);
    await waitFor(() => expect(commands(fake, 'remove_line')).toEqual([{ lineNo }]));
    expect(screen.queryByRole('button', { name: 'Remove Milk 1 l' })).toBeNull();
  });

  it('shows a weighed line as weight × price per kg, without + and −', async () => {
    const { scanner } = await signedIn();
    await scanner.keyboard('2004001007425{Enter}');
    const row = await waitFor(() => cartRow('Apples'));
    expect(row.textContent).toContain('0,742 kg × 2,49/kg');
    expect(within(row).queryByRole('button', { name: /quantity of Apples/ })).toBeNull();
    expect(within(row).getByRole('button', { name: 'Remove Apples' })).toBeTruthy();
  });

  it('works from the keyboard: + and Delete on the chosen line, letters into the scan field', async () => {
    const { user, fake } = await signedIn();
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.keyboard('1002{Enter}');
    await waitFor(() => cartRow('Croissant'));
    expect(cartRow('Croissant').getAttribute('aria-current')).toBe('true');
    await user.keyboard('{ArrowUp}');
    expect(cartRow('Milk 1 l').getAttribute('aria-current')).toBe('true');
    await user.keyboard('+');
    await waitFor(() => expect(commands(fake, 'set_quantity')).toHaveLength(1));
    expect(commands(fake, 'set_quantity')[0]!.quantityMilli).toBe(2000);
    await user.keyboard('{Delete}');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Milk 1 l' })).toBeNull());
    // A key typed while a button has focus still lands in the scan field.
    screen.getByRole('button', { name: 'Cash (F9)' }).focus();
    await user.keyboard('m');
    const field = screen.getByRole('textbox', { name: 'Scan or search' }) as HTMLInputElement;
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe('m');
  });

  it('counts a scan sent just before F9', async () => {
    const { scanner, fake } = await signedIn();
    await scanner.keyboard('4006381333931{Enter}{F9}');
    expect(await screen.findByLabelText('Cash given')).toBeTruthy();
    expect(fake.calls.map((c) => c.cmd).filter((c) => c === 'scan' || c === 'begin_tender')).toEqual([
      'scan',
      'begin_tender',
    ]);
  });

  it('refuses to go to payment with an empty cart', async () => {
    const { user, fake } = await signedIn();
    await user.keyboard('{F9}');
    expect((await screen.findByRole('alert')).textContent).toBe('Scan an item first.');
    expect(commands(fake, 'begin_tender')).toEqual([]);
  });
});

describe('help', () => {
  it('opens with F1, lists the shortcuts and closes with Esc, giving focus back', async () => {
    const { user } = await signedIn();
    const field = screen.getByRole('textbox', { name: 'Scan or search' });
    await user.keyboard('{F1}');
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const key of ['F1', 'F9', 'F10', 'Enter', 'Esc', '+ −', 'Delete']) {
      expect(within(dialog).getByText(key)).toBeTruthy();
    }
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(field);
    await user.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }));
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close (Esc)' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('status bar', () => {
  it('shows each device, the queues, and a problem as a sentence', async () => {
    const { fake } = await signedIn();
    const footer = screen.getByRole('contentinfo', { name: 'Device status' });
    await waitFor(() => expect(footer.textContent).toContain('Back end ○ offline'));
    expect(footer.textContent).toContain('Back end: not paired.');
    expect(footer.textContent).not.toContain('Back end: Back end');
    expect(footer.textContent).toContain('Printer ●');
    expect(footer.textContent).toContain('3 to sync');
    expect(footer.textContent).toContain('0 to print');
    await fake.pushStatus({
      ...fake.status,
      printer: { state: 'problem', message: 'paper out — load paper, the receipt will print by itself' },
      to_print: 1,
    });
    await waitFor(() =>
      expect(within(footer).getByRole('status', { name: 'Device messages' }).textContent).toContain(
        'Printer: Paper out — load paper, the receipt will print by itself.',
      ),
    );
    expect(footer.textContent).toContain('Printer ▲ problem');
    expect(footer.textContent).toContain('1 to print');
  });
});

describe('tender', () => {
  async function cartWithCoffee() {
    const ctx = await signedIn();
    await ctx.scanner.keyboard('4006381333931{Enter}');
    await waitFor(() => cartRow('Coffee beans 1 kg'));
    return ctx;
  }

  it('takes cash, completes by itself and shows the change and the receipt', async () => {
    const { user, fake } = await cartWithCoffee();
    await user.keyboard('{F9}');
    const cash = await screen.findByLabelText('Cash given');
    expect(document.activeElement).toBe(cash);
    expect(screen.getByLabelText('Remaining').textContent).toBe(eur(1499));
    const quick = screen.getByRole('group', { name: 'Quick cash amounts' });
    expect(within(quick).getAllByRole('button').map((b) => b.textContent?.trim())).toEqual([
      'Cash 14,99',
      'Cash 15,00',
      'Cash 20,00',
      'Cash 50,00',
    ]);
    await user.type(cash, '20{Enter}');
    const change = await screen.findByLabelText('Change due');
    expect(change.textContent).toBe(`Change: ${eur(501)}`);
    expect(commands(fake, 'pay_cash')).toEqual([{ tenderedMinor: 2000 }]);
    expect(commands(fake, 'complete')).toHaveLength(1);
    const img = screen.getByRole('img', { name: 'Receipt preview' }) as HTMLImageElement;
    expect(img.src).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(document.getElementById('receipt-text')?.textContent).toContain('Coffee beans 1 kg');
    const newSale = screen.getByRole('button', { name: 'New sale (Enter)' });
    expect(document.activeElement).toBe(newSale);
    await user.keyboard('{Enter}');
    const field = await screen.findByRole('textbox', { name: 'Scan or search' });
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(screen.getByLabelText('Total').textContent).toBe(eur(0));
  });

  it('refuses a garbled cash amount with a sentence', async () => {
    const { user, fake } = await cartWithCoffee();
    await user.click(screen.getByRole('button', { name: 'Cash (F9)' }));
    await user.type(await screen.findByLabelText('Cash given'), '20.50{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('Cash given: Type the amount as digits, like 20,50.');
    expect(commands(fake, 'pay_cash')).toEqual([]);
  });

  it('goes back to the cart with Esc while nothing is paid', async () => {
    const { user, fake } = await cartWithCoffee();
    await user.keyboard('{F9}');
    await screen.findByLabelText('Cash given');
    // Esc closes the help first, and only the help.
    await user.keyboard('{F1}');
    await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByLabelText('Cash given')).toBeTruthy();
    expect(commands(fake, 'cancel_tender')).toEqual([]);
    await user.keyboard('{Escape}');
    await screen.findByRole('textbox', { name: 'Scan or search' });
    expect(commands(fake, 'cancel_tender')).toHaveLength(1);
  });

  it('pays by card with the terminal messages live, then completes', async () => {
    const { user, fake } = await cartWithCoffee();
    const events: string[] = [];
    await user.keyboard('{F10}');
    const pay = await screen.findByRole('button', { name: 'Pay remaining by card' });
    expect(document.activeElement).toBe(pay);
    const terminal = screen.getByRole('status', { name: 'Card terminal' });
    expect(terminal.getAttribute('aria-live')).toBe('polite');
    const observer = new MutationObserver(() => events.push(terminal.textContent?.trim() ?? ''));
    observer.observe(terminal, { subtree: true, childList: true, characterData: true });
    await user.click(pay);
    await screen.findByLabelText('Change due');
    observer.disconnect();
    expect(commands(fake, 'pay_card')).toEqual([{ amountMinor: 1499 }]);
    expect(events).toContain('Enter PIN');
  });

  it('disables the other tenders while the card terminal works', async () => {
    const { user, register } = await signedIn({ cardStepMs: 150 });
    await user.keyboard('1001{Enter}');
    await waitFor(() => cartRow('Milk 1 l'));
    await user.keyboard('{F10}');
    await user.click(await screen.findByRole('button', { name: 'Pay remaining by card' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Card terminal' }).textContent).toContain('Enter PIN'));
    expect(register.cardRunning).toBe(true);
    expect(screen.getByRole('button', { name: 'Take cash' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Pay remaining by card' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Back to cart (Esc)' })).toHaveProperty('disabled', true);
    await screen.findByLabelText('Change due', {}, { timeout: 2000 });
  });

  it('keeps the sale open after a decline, then splits card and cash', async () => {
    const { user, fake } = await signedIn();
    // 2 × Coffee to go = 5,00; the fake declines amounts ending in 13 cents.
    await user.click(await screen.findByRole('button', { name: 'Coffee to go' }));
    await user.click(await screen.findByRole('button', { name: 'Increase quantity of Coffee to go' }));
    await waitFor(() => expect(screen.getByLabelText('Total').textContent).toBe(eur(500)));
    await user.keyboard('{F10}');
    const amount = await screen.findByLabelText('Card amount');
    await user.type(amount, '1,13{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Declined: insufficient funds. Try another card or pay another way.',
    );
    expect(screen.getByLabelText('Paid').textContent).toBe(eur(0));
    await user.clear(amount);
    await user.type(amount, '2{Enter}');
    await waitFor(() => expect(screen.getByLabelText('Remaining').textContent).toBe(eur(300)));
    expect(screen.getByRole('status', { name: 'Card terminal' }).textContent).toContain('Approved');
    expect(screen.getByRole('button', { name: 'Back to cart (Esc)' })).toHaveProperty('disabled', true);
    await user.keyboard('{Escape}');
    expect((await screen.findByRole('alert')).textContent).toBe(
      'A payment has been taken, so the sale must be paid in full.',
    );
    await user.click(screen.getByRole('button', { name: 'Cash 3,00' }));
    expect((await screen.findByLabelText('Change due')).textContent).toBe(`Change: ${eur(0)}`);
    expect(commands(fake, 'pay_card')).toEqual([{ amountMinor: 113 }, { amountMinor: 200 }]);
    expect(commands(fake, 'pay_cash')).toEqual([{ tenderedMinor: 300 }]);
    expect(commands(fake, 'cancel_tender')).toEqual([]);
  });

  it('does not invite a second try when the card outcome is unknown', async () => {
    const { user } = await signedIn();
    await user.click(await screen.findByRole('button', { name: 'Milk 1 l' }));
    await user.keyboard('{F10}');
    await user.type(await screen.findByLabelText('Card amount'), '1,14{Enter}');
    const alert = await screen.findByRole('alert');
    await waitFor(() =>
      expect(alert.textContent).toBe(
        'The terminal did not answer (time-out); it will be asked again before anything else.',
      ),
    );
    expect(screen.getByLabelText('Paid').textContent).toBe(eur(0));
  });
});
