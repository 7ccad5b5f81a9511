// @vitest-environment jsdom
// The technician screen against the fake back end: a technician signs in to it; the serial ports;
// saving, removing and testing the card terminal; its registration with a masked password; the
// printer's check, test page and drawer; pairing with the back end; who may open it from the sale.

import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { commands, signedInAs, startPage } from './page-test-helpers';
import type { FakeBackend, FakeOptions } from './platform/fake-backend';

let fake: FakeBackend | undefined;

afterEach(() => {
  cleanup();
  fake?.uninstall();
  fake = undefined;
});

const HEADING = 'Technician · devices and pairing';

/** Signed in as the technician (4711) or the admin (2468), waiting for the devices to load. */
async function signInTo(pin: '4711' | '2468', options: FakeOptions = {}) {
  const ctx = await startPage(options);
  fake = ctx.fake;
  await ctx.user.type(screen.getByLabelText('PIN'), `${pin}{Enter}`);
  if (pin === '2468') {
    await screen.findByRole('textbox', { name: 'Scan or search' });
    return ctx;
  }
  await screen.findByRole('heading', { name: HEADING });
  await screen.findByRole('table', { name: 'Serial ports' });
  return ctx;
}

const section = (name: string) => screen.getByRole('heading', { level: 2, name }).closest('section')!;
const region = (name: string) => screen.getByRole('status', { name });
const button = (name: string) => screen.getByRole('button', { name });
const alertIn = (name: string) => within(section(name)).getByRole('alert');

/** The value beside `label` on a device's health card, spaces folded. */
function healthValue(card: string, label: string): string {
  const dt = within(screen.getByRole('article', { name: card })).getByText(label, { selector: 'dt' });
  return dt.nextElementSibling!.textContent!.replace(/\s+/g, ' ').trim();
}

type User = Awaited<ReturnType<typeof startPage>>['user'];

async function saveNetworkTerminal(user: User, address: string) {
  await user.selectOptions(screen.getByRole('combobox', { name: 'Terminal connection' }), 'Network');
  await user.type(screen.getByRole('textbox', { name: 'Terminal address' }), address);
  await user.click(button('Save terminal'));
}

describe('technician screen', () => {
  it('is where a technician lands after signing in, with sign out and the status bar', async () => {
    const { user } = await signInTo('4711');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Ringup · Register R1 · Tomas (technician)');
    for (const name of ['Serial ports', 'Card terminal', 'Receipt printer', 'Back end', 'Device health']) {
      expect(section(name)).toBeTruthy();
    }
    expect(screen.getByRole('contentinfo', { name: 'Device status' })).toBeTruthy();
    // A technician has nowhere to go back to: Esc stays, and there is no way to the sale.
    expect(screen.queryByRole('button', { name: 'Back to sale (Esc)' })).toBeNull();
    await user.keyboard('{Escape}');
    expect(screen.getByRole('heading', { name: HEADING })).toBeTruthy();
    expect(commands(fake!, 'cart')).toEqual([]);

    await user.click(button('Sign out'));
    expect(await screen.findByLabelText('PIN')).toBeTruthy();
  });

  it('lists the serial ports with their USB ids and offers them for the port field', async () => {
    const { user } = await signInTo('4711');
    const table = screen.getByRole('table', { name: 'Serial ports' });
    const usb = within(table).getByRole('rowheader', { name: '/dev/ttyUSB0' }).closest('tr')!;
    const cells = within(usb).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual([
      'USB',
      '0403:6001',
      'FTDI FT232R USB UART',
      'A50285BI',
      '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
    ]);
    const pci = within(table).getByRole('rowheader', { name: '/dev/ttyS0' }).closest('tr')!;
    expect(within(pci).getAllByRole('cell').map((c) => c.textContent)).toEqual(['PCI', '—', '—', '—', '—']);

    // The port field is a text field with the ports as suggestions (a path not listed is fine).
    const port = screen.getByRole('combobox', { name: 'Terminal port' }) as HTMLInputElement;
    const options = [...port.list!.querySelectorAll('option')].map((o) => o.value);
    expect(options).toEqual([
      '/dev/ttyS0',
      '/dev/ttyUSB0',
      '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
    ]);
    await user.click(button('Refresh ports'));
    await waitFor(() => expect(commands(fake!, 'device_setup')).toHaveLength(2));
  });

  it('saves a card terminal on a serial port, shows it as set up, and removes it', async () => {
    const { user } = await signInTo('4711');
    const terminal = section('Card terminal');
    expect(terminal.textContent).toContain('No card terminal is set up.');
    expect(screen.queryByRole('button', { name: 'Remove terminal' })).toBeNull();
    expect(screen.getByRole('combobox', { name: 'Terminal connection' })).toHaveProperty('value', 'serial');

    await user.type(screen.getByRole('combobox', { name: 'Terminal port' }), '/dev/pts/7');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Terminal baud rate' }), '115200');
    await user.click(button('Save terminal'));
    expect(await within(region('Card terminal result')).findByText(
      'The card terminal is set to serial port /dev/pts/7 at 115200 baud.',
    )).toBeTruthy();
    expect(commands(fake!, 'set_terminal')).toEqual([{ place: 'serial:/dev/pts/7:115200' }]);
    expect(terminal.textContent).toContain('Set up: serial port /dev/pts/7 at 115200 baud; password not kept');
    const terminalHealth = (label: string) => healthValue('Card terminal health', label);
    expect(terminalHealth('Set up')).toBe('Yes');
    expect(terminalHealth('Message')).toBe('Card terminal: not checked yet.');
    expect(terminalHealth('Connection')).toBe('○ Disconnected');

    // The test answers, and the health card shows it.
    await user.click(button('Test terminal'));
    const result = region('Card terminal result');
    expect(await within(result).findByText(/Terminal test: OK/)).toBeTruthy();
    expect(within(within(result).getByRole('list', { name: 'Details' })).getAllByRole('listitem')[0]!.textContent).toMatch(
      /^Status enquiry: ready \(\d+ ms\)\.$/,
    );
    await waitFor(() => expect(terminalHealth('Terminal id')).toBe('52500123'));
    expect(terminalHealth('Connection')).toBe('● Connected');
    expect(terminalHealth('Response time')).toMatch(/^\d+ ms$/);

    await user.click(button('Remove terminal'));
    expect(await within(region('Card terminal result')).findByText('The card terminal was removed.')).toBeTruthy();
    expect(commands(fake!, 'set_terminal')[1]).toEqual({ place: null });
    // Its button gone, focus goes to the one that sets a terminal up again.
    await waitFor(() => expect(document.activeElement).toBe(button('Save terminal')));
    expect(terminal.textContent).toContain('No card terminal is set up.');
  });

  it('says what is wrong with a place, whether the screen or the back end finds it', async () => {
    const { user, fake } = await signInTo('4711');
    await saveNetworkTerminal(user, '192.168.1.50');
    expect(alertIn('Card terminal').textContent).toBe(
      'Type the network address as host:port (for example 192.168.1.50:20007).',
    );
    expect(commands(fake, 'set_terminal')).toEqual([]);

    fake.failNext('set_terminal', { code: 'invalid_input', message: 'the port /dev/ttyUSB7 is busy' });
    await user.type(screen.getByRole('textbox', { name: 'Terminal address' }), ':20007');
    await user.click(button('Save terminal'));
    await waitFor(() => expect(alertIn('Card terminal').textContent).toBe('The port /dev/ttyUSB7 is busy.'));
    expect(section('Card terminal').textContent).toContain('No card terminal is set up.');

    // With none set up, a test says so.
    await user.click(button('Test terminal'));
    await waitFor(() =>
      expect(alertIn('Card terminal').textContent).toBe('No card terminal is set up: a technician can add one.'),
    );
  });

  it('registers the till at the terminal with a masked password that is never kept in the field', async () => {
    const { user, fake } = await signInTo('4711');
    await saveNetworkTerminal(user, '192.168.1.50:20007');
    await within(region('Card terminal result')).findByText('The card terminal is set to network 192.168.1.50:20007.');

    const password = screen.getByLabelText('Terminal password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(password.getAttribute('inputmode')).toBe('numeric');
    expect(password.getAttribute('autocomplete')).toBe('off');

    await user.type(password, '123456');
    await user.click(button('Register terminal'));
    const result = region('Card terminal result');
    expect(await within(result).findByText(/Registration: Failed/)).toBeTruthy();
    expect(result.textContent).toContain('The card terminal refused: wrong password.');
    expect(password.value).toBe('');

    // Too short: the screen says so and still empties the field.
    await user.type(password, '123{Enter}');
    await waitFor(() => expect(alertIn('Card terminal').textContent).toBe('The terminal password is 6 digits.'));
    expect(password.value).toBe('');

    await user.type(password, '000000{Enter}');
    expect(await within(result).findByText(/Registration: OK/)).toBeTruthy();
    expect(result.textContent).toContain('The card terminal registered this till.');
    expect(password.value).toBe('');
    expect(commands(fake, 'register_terminal')).toEqual([{ password: '123456' }, { password: '000000' }]);
    await waitFor(() => expect(section('Card terminal').textContent).toContain('password kept'));
    expect(healthValue('Card terminal health', 'Software version')).toBe('GT800 v2.14');
  });

  it('checks the printer, prints a test page and opens the drawer, showing each result', async () => {
    const { user } = await signInTo('4711');
    const printer = section('Receipt printer');
    expect(printer.textContent).toContain('Set up: network 192.168.1.60:9100, 80 mm paper');
    // Prefilled from the printer as set up.
    expect(screen.getByRole('combobox', { name: 'Printer connection' })).toHaveProperty('value', 'tcp');
    expect(screen.getByRole('textbox', { name: 'Printer address' })).toHaveProperty('value', '192.168.1.60:9100');
    expect(screen.getByRole('combobox', { name: 'Paper width' })).toHaveProperty('value', '80mm');
    const printerHealth = (label: string) => healthValue('Receipt printer health', label);
    expect(printerHealth('Last answer')).toBe('Never');

    await user.click(button('Print test page'));
    const result = region('Receipt printer result');
    expect(await within(result).findByText(/Test page: OK/)).toBeTruthy();
    expect(result.textContent).toContain('The printer printed the test page and confirmed it.');
    expect(within(result).getByRole('list', { name: 'Details' }).textContent).toMatch(/2841 bytes in \d+ ms/);
    await waitFor(() => expect(printerHealth('Last answer')).toMatch(/^2026-11-22 \d\d:\d\d$/));
    expect(printerHealth('Printer status')).toBe('No problem reported');
    expect(printerHealth('Connection')).toBe('● Connected');

    await user.click(button('Check printer'));
    expect(await within(result).findByText(/Printer check: OK/)).toBeTruthy();
    await user.click(button('Open drawer'));
    expect(await within(result).findByText(/Drawer: OK/)).toBeTruthy();
    expect(result.textContent).toContain('The drawer opened.');
  });

  it('says what runs on the button, keeps the device\'s other buttons waiting and sign out too', async () => {
    const { user } = await signInTo('4711', { deviceMs: 800 });
    await user.click(button('Print test page'));
    const printing = screen.getByRole('button', { name: 'Printing…' }) as HTMLButtonElement;
    expect(printing.disabled).toBe(true);
    for (const name of ['Save printer', 'Remove printer', 'Check printer', 'Open drawer']) {
      expect((button(name) as HTMLButtonElement).disabled, name).toBe(true);
    }
    // The other devices are not held up.
    expect((button('Pair') as HTMLButtonElement).disabled).toBe(false);
    await user.click(button('Sign out'));
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Wait for the last action to finish.');
    expect(await within(region('Receipt printer result')).findByText(/Test page: OK/)).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Print test page' })).toHaveProperty('disabled', false);
    await user.click(button('Sign out'));
    expect(await screen.findByLabelText('PIN')).toBeTruthy();
  });

  it('saves a USB printer with its paper', async () => {
    const { user, fake } = await signInTo('4711');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Printer connection' }), 'USB');
    await user.type(screen.getByRole('textbox', { name: 'Printer USB id' }), '4b8:E15');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Paper width' }), '58 mm');
    await user.click(button('Save printer'));
    expect(await within(region('Receipt printer result')).findByText(
      'The printer is set to USB 04b8:0e15 (58 mm paper).',
    )).toBeTruthy();
    expect(commands(fake, 'set_printer')).toEqual([{ place: 'usb:04b8:0e15', paper: '58mm' }]);

    await user.click(button('Remove printer'));
    await within(region('Receipt printer result')).findByText('The printer was removed.');
    expect(commands(fake, 'set_printer')[1]).toEqual({ place: null, paper: '58mm' });
    expect(screen.queryByRole('button', { name: 'Remove printer' })).toBeNull();
  });

  it('pairs with the back end by its code and says what waits', async () => {
    const { user, fake } = await signInTo('4711');
    const code = screen.getByRole('textbox', { name: 'Pairing code' }) as HTMLInputElement;
    expect(screen.getByRole('textbox', { name: 'Server certificate (PEM)' })).toBeTruthy();
    await user.type(screen.getByRole('textbox', { name: 'Server address' }), 'https://pos.example:8443');
    await user.type(code, 'WRONG-0000');
    await user.click(button('Pair'));
    await waitFor(() => expect(alertIn('Back end').textContent).toMatch(/^Pairing with the back end failed: /));

    await user.clear(code);
    await user.type(code, 'ABCD-1234{Enter}');
    expect(await within(region('Back end result')).findByText(
      'Paired with https://pos.example:8443 as Register R1; 3 events waiting.',
    )).toBeTruthy();
    expect(alertIn('Back end').textContent).toBe('');
    expect(code.value).toBe('');
    expect(commands(fake, 'pair_backend')[1]).toEqual({
      serverUrl: 'https://pos.example:8443',
      code: 'ABCD-1234',
      caPem: null,
    });
  });

  it('exports the diagnostics bundle and says where it is', async () => {
    const { user, fake } = await signInTo('4711');
    await user.click(button('Export diagnostics'));
    expect(await within(region('Diagnostics result')).findByText(
      /^The diagnostics bundle \(settings without secrets, health, ports, versions and the log\) is at \/var\/lib\/ringup\/exports\/diagnostics-R1-/,
    )).toBeTruthy();
    expect(commands(fake, 'diagnostics_bundle')).toHaveLength(1);
    expect(alertIn('Device health').textContent).toBe('');
  });
});

describe('opening the technician screen', () => {
  it('is not for a cashier or a manager: no button, and the key says why', async () => {
    for (const pin of ['1234', '9999'] as const) {
      const ctx = await signedInAs(pin);
      fake = ctx.fake;
      expect(screen.queryByRole('button', { name: 'Devices (F2)' })).toBeNull();
      await ctx.user.keyboard('{F2}');
      expect(await screen.findByText('Only a technician or an admin may set up the devices.')).toBeTruthy();
      expect(screen.queryByRole('heading', { name: HEADING })).toBeNull();
      expect(commands(ctx.fake, 'device_setup')).toEqual([]);
      cleanup();
      ctx.fake.uninstall();
    }
  });

  it('opens for an admin from the empty sale with F2 and goes back with Esc', async () => {
    const { user, scanner } = await signInTo('2468');
    expect(button('Devices (F2)').getAttribute('aria-keyshortcuts')).toBe('F2');
    await user.keyboard('{F2}');
    expect(await screen.findByRole('heading', { name: HEADING })).toBeTruthy();
    await screen.findByRole('table', { name: 'Serial ports' });
    // Sign out is the technician's; an admin goes back to the sale.
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    await user.keyboard('{Escape}');
    expect(await screen.findByRole('textbox', { name: 'Scan or search' })).toBeTruthy();

    await user.click(button('Devices (F2)'));
    await user.click(await screen.findByRole('button', { name: 'Back to sale (Esc)' }));
    expect(await screen.findByRole('textbox', { name: 'Scan or search' })).toBeTruthy();

    // Not while a sale is on screen.
    await scanner.keyboard('1001{Enter}');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Devices (F2)' })).toBeNull());
    await user.keyboard('{F2}');
    expect(await screen.findByText('Finish, park or void the sale on screen first.')).toBeTruthy();
  });

  it('is in the keyboard help', async () => {
    const { user } = await signInTo('2468');
    await user.keyboard('{F1}');
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(dialog).getByText('F2').closest('div')!.textContent).toContain('Devices: set up and test');
  });
});
