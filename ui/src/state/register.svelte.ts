// The one page's state machine: login → sell ⇄ tender → done → sell, sell ⇄ returns, sell ⇄ day,
// sell ⇄ technician (for who may pair devices); a technician signs in straight to the technician
// screen. The screens render it and call its actions; every back-end call goes through `platform/ipc`.
// Privileged commands go through `approval` (a manager's PIN when the back end asks for one).

import type { CartView } from '../bindings/CartView';
import type { CompletedView } from '../bindings/CompletedView';
import type { ErrorView } from '../bindings/ErrorView';
import type { ParkedView } from '../bindings/ParkedView';
import type { QuickKeyView } from '../bindings/QuickKeyView';
import type { SessionView } from '../bindings/SessionView';
import type { StatusView } from '../bindings/StatusView';
import { lineAfterChange } from '../lib/cart';
import { sentence, toErrorView } from '../lib/errors';
import type { Currency } from '../lib/money';
import { SCAN_IPC, measureScanRendered, measured } from '../lib/perf';
import * as ipc from '../platform/ipc';
import { Approval } from './approval.svelte';
import { DayFlow } from './day.svelte';
import { ReturnsFlow } from './returns.svelte';
import { TechnicianFlow } from './technician.svelte';

export type Screen = 'login' | 'sell' | 'tender' | 'done' | 'returns' | 'day' | 'technician';

/** The permission that opens the technician screen. */
export const PAIR_DEVICES = 'pair_devices';

/** The sell screen's dialogs; one at a time. */
export type SaleDialog =
  | { kind: 'discount'; lineNo: number }
  | { kind: 'price'; lineNo: number }
  | { kind: 'recall' }
  | { kind: 'void' };

export const EMPTY_CART: CartView = {
  state: 'empty',
  lines: [],
  net_minor: 0,
  taxes: [],
  total_minor: 0,
  paid_minor: 0,
  remaining_minor: 0,
};

/** Unsubscribes, whether the platform's unlisten returns a promise or throws. */
function release(off: ipc.UnlistenFn): void {
  try {
    void Promise.resolve(off() as unknown).catch(() => undefined);
  } catch {
    // Already gone.
  }
}

/** The outcome of an action: null when it worked, else the sentence to show. */
export type Outcome = string | null;

export class Register {
  screen = $state<Screen>('login');
  session = $state<SessionView | null>(null);
  // Raw: every answer replaces the cart whole, so its lines need no deep proxies.
  cart = $state.raw<CartView>(EMPTY_CART);
  status = $state<StatusView | null>(null);
  quickKeys = $state<QuickKeyView[]>([]);
  completed = $state<CompletedView | null>(null);
  /** The cart line that +, − and Delete act on. */
  selectedLine = $state<number | null>(null);
  helpOpen = $state(false);
  /** Which tender the cashier asked for (F9 cash, F10 card): where the tender screen puts focus. */
  tenderIntent = $state<'cash' | 'card'>('cash');
  /** The last error, shown as one sentence where the cashier acts; cleared by the next action. */
  error = $state<string | null>(null);
  /** A card payment is running: other tenders wait. */
  cardRunning = $state(false);
  /** The card terminal's latest message, and how the last card payment ended. */
  cardText = $state('');
  cardResult = $state<{ approved: boolean; message: string } | null>(null);
  /** The sell screen's open dialog (discount, price, recall, void), if any. */
  dialog = $state<SaleDialog | null>(null);
  /** The parked sales for the recall dialog; null while they load. */
  parked = $state.raw<ParkedView[] | null>(null);

  /** Asks for a manager's PIN when a command needs one. */
  readonly approval = new Approval();
  readonly returns = new ReturnsFlow(this.approval, (text) => (this.cardText = text));
  /** The day screen: drawer, cash movements, reports. */
  readonly day = new DayFlow(this.approval, () => this.currency);
  /** The technician screen: serial ports, card terminal, printer, pairing, device health. */
  readonly technician = new TechnicianFlow();

  /** A technician works on the devices only: the technician screen is their home. */
  isTechnician = $derived(this.session?.role === 'technician');
  /** Whether the signed-in member may open the technician screen. */
  maySetUpDevices = $derived(this.session?.permissions.includes(PAIR_DEVICES) ?? false);

  /** A dialog is on top: the page under it is inert and its keyboard shortcuts wait. */
  modalOpen = $derived(this.helpOpen || this.dialog !== null || this.day.dialog !== null || this.approval.open);

  currency: Currency = $derived({
    code: this.session?.currency ?? 'EUR',
    exponent: this.session?.currency_exponent ?? 2,
    locale: this.session?.locale ?? 'en-US',
  });

  // Cart commands run one after another, in the order the cashier gave them: a scanner can
  // send the next code before the last answer came back.
  private queue: Promise<unknown> = Promise.resolve();
  private unlisten: ipc.UnlistenFn[] = [];
  private stopped = false;

  /** Subscribes to the back end's pushed events and asks for the device status once. */
  async start(): Promise<void> {
    this.stopped = false;
    const subscriptions = [
      ipc.onDeviceStatus((s) => (this.status = s)),
      ipc.onCardEvent((e) => (this.cardText = e.text)),
    ];
    for (const subscription of subscriptions) {
      try {
        const off = await subscription;
        // Stopped while subscribing: let go at once instead of leaking the listener.
        if (this.stopped) release(off);
        else this.unlisten.push(off);
      } catch {
        // Without events the status bar still shows what `status()` said.
      }
    }
    try {
      this.status = await ipc.status();
    } catch {
      // The status bar says "unknown" until the first pushed status arrives.
    }
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.unlisten.splice(0)) release(off);
  }

  private fail(error: unknown): string {
    const view: ErrorView = toErrorView(error);
    this.error = view.message;
    return view.message;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private showCart(cart: CartView): void {
    this.selectedLine = lineAfterChange(this.cart.lines, cart.lines, this.selectedLine);
    this.cart = cart;
  }

  private go(screen: Screen): void {
    this.screen = screen;
    this.error = null;
  }

  async signIn(pin: string): Promise<Outcome> {
    this.error = null;
    try {
      this.session = await ipc.login(pin);
    } catch (e) {
      return this.fail(e);
    }
    if (this.isTechnician) {
      this.showTechnician();
      return null;
    }
    try {
      const [cart, keys] = await Promise.all([ipc.cart(), ipc.quickKeys()]);
      this.cart = cart;
      this.quickKeys = keys;
      this.selectedLine = cart.lines.at(-1)?.line_no ?? null;
    } catch (e) {
      this.go(this.cart.state === 'tendering' ? 'tender' : 'sell');
      return this.fail(e);
    }
    // A sale left in payment (say, after a restart) goes straight back to the payment.
    this.go(this.cart.state === 'tendering' ? 'tender' : 'sell');
    return null;
  }

  async signOut(): Promise<Outcome> {
    this.error = null;
    if (this.screen === 'technician' && this.technician.busy) {
      return (this.technician.error = 'Wait for the last action to finish.');
    }
    try {
      await ipc.logout();
    } catch (e) {
      return this.fail(e);
    }
    this.session = null;
    this.dialog = null;
    this.returns.reset();
    this.day.reset();
    this.technician.reset();
    this.cart = EMPTY_CART;
    this.completed = null;
    this.selectedLine = null;
    this.go('login');
    return null;
  }

  /** Runs one cart command in turn and shows the cart it answers with. */
  private cartCommand(command: () => Promise<CartView>): Promise<Outcome> {
    return this.serial(async () => {
      this.error = null;
      try {
        this.showCart(await command());
        return null;
      } catch (e) {
        return this.fail(e);
      }
    });
  }

  /** Rings up a scanned or typed code; records how long until its line is on screen. */
  scan = async (code: string): Promise<Outcome> => {
    const started = performance.now();
    const outcome = await this.cartCommand(() => measured(SCAN_IPC, () => ipc.scan(code)));
    if (outcome === null) await measureScanRendered(started, this.cart.lines.at(-1)?.line_no);
    return outcome;
  };
  addSku = (sku: string, quantityMilli = 1000) => this.cartCommand(() => ipc.addSku(sku, quantityMilli));
  setQuantity = (lineNo: number, quantityMilli: number) =>
    this.cartCommand(() => ipc.setQuantity(lineNo, quantityMilli));
  removeLine = (lineNo: number) => this.cartCommand(() => ipc.removeLine(lineNo));

  /** A cart command that may need a manager's approval: see `Approval.run`. */
  private approvedCommand(command: (approverPin: string | null) => Promise<CartView>): Promise<Outcome> {
    return this.cartCommand(() => this.approval.run(command));
  }

  setLineDiscount = (lineNo: number, discountBp: number) =>
    this.approvedCommand((pin) => ipc.setLineDiscount(lineNo, discountBp, pin));
  overridePrice = (lineNo: number, unitPriceMinor: number, reason: string) =>
    this.approvedCommand((pin) => ipc.overridePrice(lineNo, unitPriceMinor, reason, pin));
  voidSale = () => this.approvedCommand((pin) => ipc.voidSale(pin));

  /** Puts the sale aside (it survives a restart) and clears the screen for the next customer. */
  park(): Promise<Outcome> {
    return this.serial(async (): Promise<Outcome> => {
      if (this.cart.lines.length === 0) return (this.error = 'There is nothing to park: the sale is empty.');
      this.error = null;
      try {
        this.showCart(await ipc.park());
        return null;
      } catch (e) {
        return this.fail(e);
      }
    });
  }

  /** Brings a parked sale back onto the (empty) screen. */
  recall = (id: string) => this.cartCommand(() => ipc.recall(id));

  /** Opens a dialog of the sell screen; the recall dialog loads the parked sales. */
  openDialog(dialog: SaleDialog): Outcome {
    if (dialog.kind === 'recall' && this.cart.lines.length > 0) {
      return (this.error = 'Finish, park or void the sale on screen before recalling another.');
    }
    if (dialog.kind === 'void' && this.cart.lines.length === 0) {
      return (this.error = 'There is nothing to void: the sale is empty.');
    }
    this.error = null;
    this.dialog = dialog;
    if (dialog.kind === 'recall') void this.loadParked();
    return null;
  }

  /** Closes the dialog; what it said goes with it. */
  closeDialog(): void {
    this.dialog = null;
    this.error = null;
  }

  private async loadParked(): Promise<void> {
    this.parked = null;
    try {
      this.parked = await ipc.parked();
    } catch (e) {
      this.parked = [];
      this.fail(e);
    }
  }

  /** The returns screen, from the sale screen. */
  openReturns(): Outcome {
    if (this.screen !== 'sell') return null;
    this.returns.reset();
    // The terminal's last words were about the last sale, not this refund.
    this.cardText = '';
    this.go('returns');
    return null;
  }

  /** Back to the sale from the returns screen, once no refund is running. */
  async leaveReturns(): Promise<Outcome> {
    if (this.returns.running) return (this.returns.error = 'Wait for the refund to finish.');
    this.returns.reset();
    this.go('sell');
    return this.cartCommand(() => ipc.cart());
  }

  /** The day screen (drawer and reports), from the sale screen while no sale is on it. */
  openDay(): Outcome {
    if (this.screen !== 'sell') return null;
    if (this.cart.lines.length > 0) return (this.error = 'Finish, park or void the sale on screen first.');
    this.day.reset();
    this.go('day');
    void this.day.load();
    return null;
  }

  /** Back to the sale from the day screen, once nothing runs there. */
  async leaveDay(): Promise<Outcome> {
    if (this.day.busy) return (this.day.error = 'Wait for the last action to finish.');
    this.day.reset();
    this.go('sell');
    return this.cartCommand(() => ipc.cart());
  }

  private showTechnician(): void {
    this.technician.reset();
    this.go('technician');
    void this.technician.load();
  }

  /** The technician screen, from the sale screen while no sale is on it, for who may pair devices. */
  openTechnician(): Outcome {
    if (this.screen !== 'sell') return null;
    if (!this.maySetUpDevices) return (this.error = 'Only a technician or an admin may set up the devices.');
    if (this.cart.lines.length > 0) return (this.error = 'Finish, park or void the sale on screen first.');
    this.showTechnician();
    return null;
  }

  /** Back to the sale from the technician screen, once nothing runs there; a technician stays. */
  async leaveTechnician(): Promise<Outcome> {
    if (this.screen !== 'technician' || this.isTechnician) return null;
    if (this.technician.busy) return (this.technician.error = 'Wait for the last action to finish.');
    this.technician.reset();
    this.go('sell');
    return this.cartCommand(() => ipc.cart());
  }

  /** Search results for what was typed; rejects with the sentence to show. */
  search(query: string) {
    return ipc.search(query);
  }

  async beginTender(intent: 'cash' | 'card' = 'cash'): Promise<Outcome> {
    this.tenderIntent = intent;
    // In the queue, so a scan sent just before F9 counts.
    const outcome = await this.serial(async (): Promise<Outcome> => {
      if (this.cart.lines.length === 0) return (this.error = 'Scan an item first.');
      this.error = null;
      try {
        this.showCart(await ipc.beginTender());
        return null;
      } catch (e) {
        return this.fail(e);
      }
    });
    if (outcome === null) {
      this.cardText = '';
      this.cardResult = null;
      this.go('tender');
    }
    return outcome;
  }

  async cancelTender(): Promise<Outcome> {
    if (this.cardRunning) return (this.error = 'Wait for the card terminal to finish.');
    if (this.cart.paid_minor > 0) {
      return (this.error = 'A payment has been taken, so the sale must be paid in full.');
    }
    const outcome = await this.cartCommand(() => ipc.cancelTender());
    if (outcome === null) this.go('sell');
    return outcome;
  }

  async payCash(tenderedMinor: number): Promise<Outcome> {
    if (this.cardRunning) return (this.error = 'Wait for the card terminal to finish.');
    const outcome = await this.cartCommand(() => ipc.payCash(tenderedMinor));
    if (outcome === null) this.cardResult = null;
    return outcome ?? (await this.completeWhenPaid());
  }

  async payCard(amountMinor: number): Promise<Outcome> {
    if (this.cardRunning) return (this.error = 'A card payment is already running.');
    this.error = null;
    this.cardRunning = true;
    this.cardResult = null;
    this.cardText = 'Connecting to the card terminal…';
    try {
      const result = await this.serial(() => ipc.payCard(amountMinor));
      this.cart = result.cart;
      this.cardResult = { approved: result.approved, message: result.message };
      if (!result.approved) {
        // A decline may be tried again another way; an unknown outcome must not be (the
        // back end's message says what happens to it), so only a decline gets the advice.
        const said = sentence(result.message) || 'The card payment did not go through.';
        this.error =
          /^(declined|cancel)/i.test(said) && !/another (card|payment)/i.test(said)
            ? `${said} Try another card or pay another way.`
            : said;
        return this.error;
      }
    } catch (e) {
      this.cardText = '';
      return this.fail(e);
    } finally {
      this.cardRunning = false;
    }
    return this.completeWhenPaid();
  }

  /** Completes the sale once nothing is owed; called after every tender. */
  async completeWhenPaid(): Promise<Outcome> {
    if (this.cart.state !== 'tendering' || this.cart.remaining_minor > 0) return null;
    try {
      this.completed = await this.serial(() => ipc.complete());
    } catch (e) {
      return this.fail(e);
    }
    this.go('done');
    return null;
  }

  async newSale(): Promise<Outcome> {
    this.completed = null;
    this.selectedLine = null;
    this.cart = EMPTY_CART;
    this.go('sell');
    return this.cartCommand(() => ipc.cart());
  }
}
