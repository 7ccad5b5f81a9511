// The fake back end's devices (see fake-backend.ts): two serial ports (a USB FTDI adapter and the
// board's /dev/ttyS0), where the card terminal and the printer are (the printer is on the
// network at the start, no terminal is set up), their tests with health that follows them, the
// terminal's registration (it accepts the password 000000) and pairing with the back end (it
// accepts the code ABCD-1234). Only who may "pair_devices" (the technician, PIN 4711) is answered.

import type { DeviceHealthView } from '../bindings/DeviceHealthView';
import type { DeviceSettingView } from '../bindings/DeviceSettingView';
import type { DeviceSetupView } from '../bindings/DeviceSetupView';
import type { DeviceTestView } from '../bindings/DeviceTestView';
import type { PairedView } from '../bindings/PairedView';
import type { SerialPortView } from '../bindings/SerialPortView';

export const FAKE_PORTS: SerialPortView[] = [
  {
    path: '/dev/ttyS0',
    stable_path: null,
    kind: 'pci',
    usb_id: null,
    manufacturer: null,
    product: null,
    serial_number: null,
    description: '/dev/ttyS0  pci',
  },
  {
    path: '/dev/ttyUSB0',
    stable_path: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
    kind: 'usb',
    usb_id: '0403:6001',
    manufacturer: 'FTDI',
    product: 'FT232R USB UART',
    serial_number: 'A50285BI',
    description:
      '/dev/ttyUSB0  usb  0403:6001  FTDI FT232R USB UART  serial A50285BI  (/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0)',
  },
];

/** The password the fake terminal takes, and the pairing code the fake back end knows. */
export const FAKE_TERMINAL_PASSWORD = '000000';
export const FAKE_PAIRING_CODE = 'ABCD-1234';

type Deps = {
  reject: (code: string, message: string) => never;
  authorise: (permission: string, approverPin: unknown) => void;
  /** Who is signed in (the journal's "changed by"). */
  staffName: () => string;
  /** The fake's clock as "YYYY-MM-DD HH:MM"; each call a minute later. */
  now: () => string;
  /** Events waiting to be sent to the back end. */
  waiting: () => number;
  /** How long a device takes to answer. */
  pause: () => Promise<void>;
  /** Called once the till is paired. */
  onPaired: () => Promise<void>;
};

type Role = 'terminal' | 'printer';

function freshHealth(role: Role, setUp: boolean): DeviceHealthView {
  const noun = role === 'terminal' ? 'Card terminal' : 'Printer';
  return {
    role,
    set_up: setUp,
    connected: false,
    state: setUp ? 'unknown' : 'offline',
    message: setUp ? `${noun}: not checked yet` : `${noun}: none set up`,
    last_answer_at: null,
    last_response_ms: null,
    last_error: null,
    terminal_id: null,
    software_version: null,
    printer_flags: [],
  };
}

/** Whether the fake machine has this serial port (its listed ones, pseudo-terminals, /tmp links). */
function portThere(path: string): boolean {
  return FAKE_PORTS.some((p) => p.path === path || p.stable_path === path) || /^\/(dev\/pts|tmp)\//.test(path);
}

export function devicesCommands(deps: Deps): Record<string, (args: Record<string, unknown>) => unknown> {
  function reject(code: string, message: string): never {
    return deps.reject(code, message);
  }
  const settings: Record<Role, DeviceSettingView | null> = {
    terminal: null,
    printer: {
      role: 'printer',
      place: 'tcp:192.168.1.60:9100',
      protocol: 'escpos',
      paper: '80mm',
      password_kept: false,
      changed_at: '2026-11-20 09:12',
      changed_by: 'environment',
    },
  };
  const health: Record<Role, DeviceHealthView> = { terminal: freshHealth('terminal', false), printer: freshHealth('printer', true) };
  let responseMs = 40;

  const permitted = () => deps.authorise('pair_devices', null);

  function setup(): DeviceSetupView {
    return {
      ports: FAKE_PORTS,
      ports_error: null,
      terminal: settings.terminal,
      printer: settings.printer,
      terminal_health: { ...health.terminal },
      printer_health: { ...health.printer },
    };
  }

  function change(role: Role, place: unknown, paper: string | null, kept = false): void {
    const text = typeof place === 'string' ? place.trim() : '';
    settings[role] = text
      ? {
          role,
          place: text,
          protocol: role === 'terminal' ? 'zvt' : 'escpos',
          paper,
          password_kept: kept,
          changed_at: deps.now(),
          changed_by: deps.staffName(),
        }
      : null;
    health[role] = freshHealth(role, text !== '');
  }

  /** Checks a place as the real till's `places.rs` reads it. */
  function checkPlace(role: Role, place: string): void {
    const [scheme, ...restParts] = place.split(':');
    const rest = restParts.join(':');
    const ok =
      (scheme === 'serial' && rest !== '' && rest.split(':')[0] !== '') ||
      (scheme === 'tcp' && rest !== '') ||
      (role === 'printer' && scheme === 'file' && rest !== '') ||
      (role === 'printer' && scheme === 'usb' && /^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(rest));
    if (!ok) {
      reject(
        'invalid_input',
        role === 'terminal'
          ? `"${place}": a card terminal is serial:PATH[:BAUD] or tcp:HOST:PORT`
          : `"${place}": a printer is serial:PATH[:BAUD], tcp:HOST:PORT, usb:VID:PID or file:PATH`,
      );
    }
  }

  /** Whether the device at its place answers: a missing serial port does not. */
  function answers(role: Role): { ok: true } | { ok: false; error: string } {
    const place = settings[role]!.place;
    if (place.startsWith('serial:')) {
      const path = place.slice('serial:'.length).replace(/:\d+$/, '');
      if (!portThere(path)) return { ok: false, error: `the port ${path} is not there` };
    }
    if (place.startsWith('tcp:10.0.0.99:')) return { ok: false, error: 'connection refused' };
    return { ok: true };
  }

  /** Records an answer (or its absence) in the device's health. */
  function record(role: Role, outcome: { ok: true } | { ok: false; error: string }): number {
    const ms = (responseMs = (responseMs % 90) + 17);
    const h = health[role];
    const noun = role === 'terminal' ? 'Card terminal' : 'Printer';
    if (outcome.ok) {
      health[role] = { ...h, connected: true, state: 'ok', message: `${noun}: ready`, last_answer_at: deps.now(), last_response_ms: ms };
    } else {
      health[role] = { ...h, connected: false, state: 'problem', message: `${noun}: ${outcome.error}`, last_error: outcome.error };
    }
    return ms;
  }

  function needDevice(role: Role): void {
    permitted();
    if (!settings[role]) reject('no_device', `no ${role === 'terminal' ? 'card terminal' : 'receipt printer'} is set up: a technician can add one`);
  }

  /** A printer test: writes its health and answers what it found. */
  async function printerTest(ok: (ms: number, canRead: boolean) => DeviceTestView): Promise<DeviceTestView> {
    needDevice('printer');
    await deps.pause();
    const answer = answers('printer');
    const ms = record('printer', answer);
    if (!answer.ok) return { ok: false, message: answer.error, details: [], health: health.printer };
    const canRead = !settings.printer!.place.startsWith('file:') && !settings.printer!.place.startsWith('usb:');
    return ok(ms, canRead);
  }

  return {
    device_setup: () => {
      permitted();
      return setup();
    },
    set_terminal: (args) => {
      permitted();
      if (typeof args.place === 'string' && args.place.trim()) checkPlace('terminal', args.place.trim());
      change('terminal', args.place, null);
      return setup();
    },
    set_printer: (args) => {
      permitted();
      if (typeof args.place === 'string' && args.place.trim()) checkPlace('printer', args.place.trim());
      const paper = String(args.paper);
      if (paper !== '58mm' && paper !== '80mm') reject('invalid_input', `"${paper}": the paper is 58mm or 80mm`);
      change('printer', args.place, paper);
      return setup();
    },
    test_terminal: async (): Promise<DeviceTestView> => {
      needDevice('terminal');
      await deps.pause();
      const answer = answers('terminal');
      const ms = record('terminal', answer);
      if (!answer.ok) {
        return { ok: false, message: health.terminal.message, details: [`Status enquiry: ${answer.error}`], health: health.terminal };
      }
      health.terminal = { ...health.terminal, terminal_id: '52500123', software_version: 'GT800 v2.14' };
      return {
        ok: true,
        message: 'The card terminal answered and is ready',
        details: [`Status enquiry: ready (${ms} ms)`, `Diagnosis: host reachable (${ms * 3} ms)`, 'Terminal id 52500123'],
        health: health.terminal,
      };
    },
    register_terminal: async (args): Promise<DeviceTestView> => {
      permitted();
      const password = String(args.password ?? '');
      if (!/^\d{6}$/.test(password)) reject('invalid_input', 'the terminal password is 6 digits');
      needDevice('terminal');
      await deps.pause();
      const answer = answers('terminal');
      const ms = record('terminal', answer);
      if (!answer.ok) {
        return { ok: false, message: `Card terminal: ${answer.error}`, details: [`Registration: ${answer.error}`], health: health.terminal };
      }
      if (password !== FAKE_TERMINAL_PASSWORD) {
        return {
          ok: false,
          message: 'The card terminal refused: wrong password',
          details: [`Registration: wrong password (${ms} ms)`],
          health: health.terminal,
        };
      }
      const place = settings.terminal!.place;
      change('terminal', place, null, true);
      record('terminal', answer);
      health.terminal = { ...health.terminal, terminal_id: '52500123', software_version: 'GT800 v2.14' };
      return {
        ok: true,
        message: 'The card terminal registered this till',
        details: [`Registration: registered (${ms} ms)`, 'The password is kept for refunds and the end of day', 'Terminal id 52500123'],
        health: health.terminal,
      };
    },
    test_printer: () =>
      printerTest((ms, canRead) =>
        canRead
          ? { ok: true, message: 'The printer answered and is ready', details: [`${ms} ms`], health: health.printer }
          : { ok: true, message: "This connection cannot read the printer's state", details: [], health: health.printer },
      ),
    print_test_page: () =>
      printerTest((ms, canRead) => ({
        ok: true,
        message: canRead ? 'The printer printed the test page and confirmed it' : 'The test page was sent (this connection cannot confirm it)',
        details: [`2841 bytes in ${ms * 4} ms`],
        health: health.printer,
      })),
    test_drawer: () =>
      printerTest((_, canRead) => ({
        ok: true,
        message: canRead ? 'The drawer opened' : 'The pulse was sent (this connection cannot read the drawer)',
        details: [],
        health: health.printer,
      })),
    diagnostics_bundle: async (): Promise<string> => {
      permitted();
      await deps.pause();
      return '/var/lib/ringup/exports/diagnostics-R1-2026-11-22-14-05.zip';
    },
    pair_backend: async (args): Promise<PairedView> => {
      permitted();
      const url = String(args.serverUrl ?? '').trim();
      const code = String(args.code ?? '').trim();
      if (!/^https?:\/\//.test(url)) reject('invalid_input', `"${url}": the back end's address starts with https:// or http://`);
      if (!code) reject('invalid_input', 'type the pairing code the back end shows');
      await deps.pause();
      if (code.toUpperCase() !== FAKE_PAIRING_CODE) {
        reject('backend', 'pairing with the back end failed: the back end does not know this code (or it was used already)');
      }
      await deps.onPaired();
      return { server_url: url, device_id: '018f3a2c-5d1e-7a00-d000-000000000001', register_name: 'Register R1', waiting: deps.waiting() };
    },
  };
}
