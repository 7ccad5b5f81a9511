// The technician screen: the machine's serial ports, where the card terminal and the receipt
// printer are (saved, removed, tested), registering the terminal with its password, the
// printer's test page and drawer, pairing with the back end, and how each device is doing.
// Each device runs one call at a time; the back end answers them in turn. The terminal's
// password lives only in its field, which is emptied after every try, and is never logged.

import type { DeviceSetupView } from '../bindings/DeviceSetupView';
import type { DeviceSettingView } from '../bindings/DeviceSettingView';
import type { DeviceTestView } from '../bindings/DeviceTestView';
import type { PairedView } from '../bindings/PairedView';
import { sentence, toErrorView } from '../lib/errors';
import { type DeviceRole, describePlace, emptyPlace, type PlaceFields, parsePlace, placeOf } from '../lib/places';
import * as ipc from '../platform/ipc';

/** null when it worked, else the sentence to show. */
type Outcome = string | null;

/** The screen's parts that run calls: each runs one at a time. */
export type Part = DeviceRole | 'backend' | 'diagnostics';

export type Action = 'save' | 'remove' | 'test' | 'register' | 'check' | 'print' | 'drawer' | 'pair' | 'export';

export type Paper = '58mm' | '80mm';

/** What the last test of a device found, and which test it was. */
export type TestResult = { title: string; ok: boolean; message: string; details: string[] };

const NAMES: Record<DeviceRole, string> = { terminal: 'card terminal', printer: 'printer' };

/** The fields for a device as it is set up, or empty ones of the first kind when none is. */
function fieldsOf(setting: DeviceSettingView | null): PlaceFields {
  return (setting && parsePlace(setting.place)) ?? emptyPlace();
}

function paperOf(setting: DeviceSettingView | null): Paper {
  return setting?.paper === '58mm' ? '58mm' : '80mm';
}

export class TechnicianFlow {
  /** What the back end said last: ports, devices as set up, their health. */
  setup = $state.raw<DeviceSetupView | null>(null);
  loading = $state(false);
  /** The call each part runs now, if any. */
  running = $state<Record<Part, Action | null>>({ terminal: null, printer: null, backend: null, diagnostics: null });
  /** Each part's last error, as a sentence; `error` is the screen's own (loading). */
  errors = $state<Record<Part, string | null>>({ terminal: null, printer: null, backend: null, diagnostics: null });
  error = $state<string | null>(null);
  /** What a save or removal did, in words. */
  notices = $state<Record<DeviceRole, string | null>>({ terminal: null, printer: null });
  /** The last test of each device. */
  results = $state<Record<DeviceRole, TestResult | null>>({ terminal: null, printer: null });
  paired = $state.raw<PairedView | null>(null);
  /** Where the last diagnostics bundle was written. */
  bundle = $state<string | null>(null);

  /** The form fields: where each device is to be, the paper, the pairing. */
  terminal = $state<PlaceFields>(emptyPlace());
  printer = $state<PlaceFields>(emptyPlace());
  paper = $state<Paper>('80mm');
  /** The terminal's password, as typed: emptied after every registration try. */
  password = $state('');
  serverUrl = $state('');
  pairingCode = $state('');
  caPem = $state('');

  /** Some call runs (leaving or signing out waits for it). */
  get busy(): boolean {
    return this.loading || Object.values(this.running).some((a) => a !== null);
  }

  /** Starts over as the screen opens or the member signs out. */
  reset(): void {
    if (this.busy) return;
    this.setup = null;
    this.errors = { terminal: null, printer: null, backend: null, diagnostics: null };
    this.error = null;
    this.notices = { terminal: null, printer: null };
    this.results = { terminal: null, printer: null };
    this.paired = null;
    this.bundle = null;
    this.terminal = emptyPlace();
    this.printer = emptyPlace();
    this.paper = '80mm';
    this.password = '';
    this.serverUrl = '';
    this.pairingCode = '';
    this.caPem = '';
  }

  /** Fills a device's fields from how it is set up now. */
  private prefill(role: DeviceRole): void {
    const setting = this.setup?.[role] ?? null;
    if (role === 'terminal') this.terminal = fieldsOf(setting);
    else {
      this.printer = fieldsOf(setting);
      this.paper = paperOf(setting);
    }
  }

  /** Asks for the ports and the devices; `prefill` puts the settings into the fields. */
  async load(prefill = true): Promise<Outcome> {
    if (this.loading) return null;
    this.loading = true;
    this.error = null;
    try {
      this.setup = await ipc.deviceSetup();
      if (prefill) {
        this.prefill('terminal');
        this.prefill('printer');
      }
      return null;
    } catch (e) {
      return (this.error = toErrorView(e).message);
    } finally {
      this.loading = false;
    }
  }

  /** Runs one call of a part, with its busy flag and its error. */
  private async act(part: Part, action: Action, work: () => Promise<void>): Promise<Outcome> {
    if (this.running[part] !== null) return 'Wait for the last action to finish.';
    this.running[part] = action;
    this.error = null;
    this.errors[part] = null;
    if (part === 'terminal' || part === 'printer') this.notices[part] = null;
    try {
      await work();
      return null;
    } catch (e) {
      const message = toErrorView(e).message;
      this.errors[part] = message;
      return message;
    } finally {
      this.running[part] = null;
    }
  }

  /** Shows a test's answer, its device's health at once, then the whole setup afresh. */
  private async showTest(role: DeviceRole, title: string, view: DeviceTestView): Promise<void> {
    this.results[role] = {
      title,
      ok: view.ok,
      message: sentence(view.message) || (view.ok ? 'It worked.' : 'It did not work.'),
      details: view.details.map(sentence),
    };
    const setup = this.setup;
    if (setup) {
      this.setup =
        role === 'terminal' ? { ...setup, terminal_health: view.health } : { ...setup, printer_health: view.health };
    }
    try {
      this.setup = await ipc.deviceSetup();
    } catch (e) {
      this.error = toErrorView(e).message;
    }
  }

  private test(role: DeviceRole, action: Action, title: string, call: () => Promise<DeviceTestView>): Promise<Outcome> {
    return this.act(role, action, async () => {
      this.results[role] = null;
      await this.showTest(role, title, await call());
    });
  }

  /** Saves the device's fields (or, with `remove`, takes it away) and shows it as set. */
  private change(role: DeviceRole, remove: boolean): Promise<Outcome> {
    let place: string | null = null;
    if (!remove) {
      const built = placeOf(role === 'terminal' ? this.terminal : this.printer, role);
      if (!built.ok) {
        this.notices[role] = null;
        return Promise.resolve((this.errors[role] = built.message));
      }
      place = built.place;
    }
    const paper = this.paper;
    return this.act(role, remove ? 'remove' : 'save', async () => {
      this.setup = role === 'terminal' ? await ipc.setTerminal(place) : await ipc.setPrinter(place, paper);
      this.prefill(role);
      this.results[role] = null;
      const name = NAMES[role];
      const now = this.setup[role];
      this.notices[role] = now
        ? `The ${name} is set to ${describePlace(now.place)}${role === 'printer' ? ` (${paper.replace('mm', ' mm')} paper)` : ''}.`
        : `The ${name} was removed.`;
    });
  }

  saveTerminal = () => this.change('terminal', false);
  removeTerminal = () => this.change('terminal', true);
  savePrinter = () => this.change('printer', false);
  removePrinter = () => this.change('printer', true);

  testTerminal = () => this.test('terminal', 'test', 'Terminal test', ipc.testTerminal);
  testPrinter = () => this.test('printer', 'check', 'Printer check', ipc.testPrinter);
  printTestPage = () => this.test('printer', 'print', 'Test page', ipc.printTestPage);
  testDrawer = () => this.test('printer', 'drawer', 'Drawer', ipc.testDrawer);

  /** Registers the till at the terminal with its password; the field is emptied whatever happens. */
  async registerTerminal(password: string): Promise<Outcome> {
    try {
      if (!/^\d{6}$/.test(password)) {
        this.notices.terminal = null;
        return (this.errors.terminal = 'The terminal password is 6 digits.');
      }
      return await this.test('terminal', 'register', 'Registration', () => ipc.registerTerminal(password));
    } finally {
      this.password = '';
    }
  }

  /** Writes the diagnostics bundle for a support desk; says where it is. */
  exportDiagnostics(): Promise<Outcome> {
    return this.act('diagnostics', 'export', async () => {
      this.bundle = null;
      this.bundle = await ipc.diagnosticsBundle();
    });
  }

  /** Pairs with the back end by the code its admin made; the code is used up once it worked. */
  pair(): Promise<Outcome> {
    const url = this.serverUrl.trim();
    const code = this.pairingCode.trim();
    const ca = this.caPem.trim();
    if (url === '') return Promise.resolve((this.errors.backend = "Type the back end's address (https://…)."));
    if (code === '') return Promise.resolve((this.errors.backend = 'Type the pairing code the back end shows.'));
    return this.act('backend', 'pair', async () => {
      this.paired = null;
      this.paired = await ipc.pairBackend(url, code, ca === '' ? null : ca);
      this.pairingCode = '';
    });
  }
}
