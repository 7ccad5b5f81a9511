// The only way the UI talks to the Rust side. Everything outside `src/platform/` calls these
// typed functions and never imports `@tauri-apps/*` itself (a test checks it).
//
// Tauri command names are the Rust function names (snake_case); argument keys are camelCase,
// as Tauri converts them to the Rust parameter names. Every function rejects with an
// `ErrorView` whose message is one sentence for the cashier.

import { invoke } from '@tauri-apps/api/core';
import { type UnlistenFn, listen } from '@tauri-apps/api/event';
import type { CardEventView } from '../bindings/CardEventView';
import type { CardResultView } from '../bindings/CardResultView';
import type { CartView } from '../bindings/CartView';
import type { ClosedDayView } from '../bindings/ClosedDayView';
import type { CompletedView } from '../bindings/CompletedView';
import type { DenominationView } from '../bindings/DenominationView';
import type { DeviceSetupView } from '../bindings/DeviceSetupView';
import type { DeviceTestView } from '../bindings/DeviceTestView';
import type { DrawerCountView } from '../bindings/DrawerCountView';
import type { DrawerView } from '../bindings/DrawerView';
import type { PairedView } from '../bindings/PairedView';
import type { ParkedView } from '../bindings/ParkedView';
import type { QuickKeyView } from '../bindings/QuickKeyView';
import type { RefundDoneView } from '../bindings/RefundDoneView';
import type { RefundPreviewView } from '../bindings/RefundPreviewView';
import type { ReportView } from '../bindings/ReportView';
import type { ReturnRequestView } from '../bindings/ReturnRequestView';
import type { ReturnableView } from '../bindings/ReturnableView';
import type { SearchHitView } from '../bindings/SearchHitView';
import type { SessionView } from '../bindings/SessionView';
import type { StatusView } from '../bindings/StatusView';
import { toErrorView } from '../lib/errors';

export type { UnlistenFn };

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toErrorView(error);
  }
}

export const login = (pin: string) => call<SessionView>('login', { pin });
export const logout = () => call<void>('logout');
export const status = () => call<StatusView>('status');
export const cart = () => call<CartView>('cart');
export const scan = (code: string) => call<CartView>('scan', { code });
export const search = (query: string) => call<SearchHitView[]>('search', { query });
export const addSku = (sku: string, quantityMilli: number) => call<CartView>('add_sku', { sku, quantityMilli });
export const setQuantity = (lineNo: number, quantityMilli: number) =>
  call<CartView>('set_quantity', { lineNo, quantityMilli });
export const removeLine = (lineNo: number) => call<CartView>('remove_line', { lineNo });
export const quickKeys = () => call<QuickKeyView[]>('quick_keys');
export const beginTender = () => call<CartView>('begin_tender');
export const cancelTender = () => call<CartView>('cancel_tender');
export const payCash = (tenderedMinor: number) => call<CartView>('pay_cash', { tenderedMinor });
export const payCard = (amountMinor: number) => call<CardResultView>('pay_card', { amountMinor });
export const complete = () => call<CompletedView>('complete');

export const park = () => call<CartView>('park');
export const parked = () => call<ParkedView[]>('parked');
export const recall = (id: string) => call<CartView>('recall', { id });

// Privileged commands take the PIN of whoever approves them: null first, and a manager's PIN
// after the back end answered `approval_needed` (see state/approval.svelte.ts).
export const overridePrice = (lineNo: number, unitPriceMinor: number, reason: string, approverPin: string | null) =>
  call<CartView>('override_price', { lineNo, unitPriceMinor, reason, approverPin });
export const setLineDiscount = (lineNo: number, discountBp: number, approverPin: string | null) =>
  call<CartView>('set_line_discount', { lineNo, discountBp, approverPin });
export const voidSale = (approverPin: string | null) => call<CartView>('void_sale', { approverPin });

export const findSale = (reference: string) => call<ReturnableView>('find_sale', { reference });
export const previewRefund = (saleId: string, lines: ReturnRequestView[]) =>
  call<RefundPreviewView>('preview_refund', { saleId, lines });
/** The card part's terminal messages arrive as "card-event"s while this runs. */
export const refund = (refundId: string, saleId: string, lines: ReturnRequestView[], approverPin: string | null) =>
  call<RefundDoneView>('refund', { refundId, saleId, lines, approverPin });

// The day: the drawer (float, pay-ins, pay-outs, drops, blind count), the X report, the close.
/** The open drawer, or null. Blind: it never says what the drawer should hold. */
export const drawer = () => call<DrawerView | null>('drawer');
/** The notes and coins of the store's currency, in minor units, largest first. */
export const denominations = () => call<number[]>('denominations');
export const openDrawer = (float: DenominationView[]) => call<DrawerView>('open_drawer', { float });
/** A fresh id for a cash movement or a close: ask when the dialog opens, send it with the action. */
export const newDocumentId = () => call<string>('new_document_id');
export const moveCash = (
  id: string,
  kind: 'pay_in' | 'pay_out' | 'drop',
  amountMinor: number,
  reason: string,
  approverPin: string | null,
) => call<DrawerView>('move_cash', { id, kind, amountMinor, reason, approverPin });
export const noSale = (reason: string, approverPin: string | null) => call<void>('no_sale', { reason, approverPin });
/** The blind count: only its answer says what the drawer should have held. */
export const closeDrawer = (count: DenominationView[]) => call<DrawerCountView>('close_drawer', { count });
export const xReport = (approverPin: string | null) => call<ReportView>('x_report', { approverPin });
export const closeDay = (closeId: string, approverPin: string | null) =>
  call<ReportView>('close_day', { closeId, approverPin });
export const closedDays = (approverPin: string | null) => call<ClosedDayView[]>('closed_days', { approverPin });
export const zReport = (zNo: number, approverPin: string | null) => call<ReportView>('z_report', { zNo, approverPin });
/** Writes the Z as CSV beside the store file; answers the file's path. */
export const exportZCsv = (zNo: number, approverPin: string | null) =>
  call<string>('export_z_csv', { zNo, approverPin });

/** Writes the Z as PDF beside the store file; answers the file's path. */
export const exportZPdf = (zNo: number, approverPin: string | null) =>
  call<string>('export_z_pdf', { zNo, approverPin });
/** Prints Z `zNo` (or, with null, the X report) on the receipt printer. */
export const printReport = (zNo: number | null, approverPin: string | null) =>
  call<void>('print_report', { zNo, approverPin });

// The technician screen: serial ports, the card terminal and printer with their tests, pairing
// with the back end. Only members who may "pair_devices" (technician, admin) are answered.
/** The machine's serial ports, the devices as set up and how each is doing. */
export const deviceSetup = () => call<DeviceSetupView>('device_setup');
/** Points the till at a card terminal (`serial:PATH[:BAUD]`, `tcp:HOST:PORT`); null removes it. */
export const setTerminal = (place: string | null) => call<DeviceSetupView>('set_terminal', { place });
/** Points the till at a printer (also `usb:VID:PID`, `file:PATH`) with its paper; null removes it. */
export const setPrinter = (place: string | null, paper: '58mm' | '80mm') =>
  call<DeviceSetupView>('set_printer', { place, paper });
/** A status enquiry, then the terminal's diagnosis. */
export const testTerminal = () => call<DeviceTestView>('test_terminal');
/** Registers the till at the card terminal with its 6-digit password (kept only if the terminal took it). */
export const registerTerminal = (password: string) => call<DeviceTestView>('register_terminal', { password });
export const printTestPage = () => call<DeviceTestView>('print_test_page');
/** Reads the printer's status bits, without printing. */
export const testPrinter = () => call<DeviceTestView>('test_printer');
/** Opens the cash drawer through the printer and reads its switch. */
export const testDrawer = () => call<DeviceTestView>('test_drawer');
/** Pairs the till with the back end by the one-time code its admin made; `caPem` for a self-signed server. */
export const pairBackend = (serverUrl: string, code: string, caPem: string | null) =>
  call<PairedView>('pair_backend', { serverUrl, code, caPem });
/** Writes the diagnostics zip (settings without secrets, health, ports, versions, log) and answers its path. */
export const diagnosticsBundle = () => call<string>('diagnostics_bundle');

/** Calls `handler` with every "device-status" the back end pushes. */
export function onDeviceStatus(handler: (status: StatusView) => void): Promise<UnlistenFn> {
  return listen<StatusView>('device-status', (event) => handler(event.payload));
}

/** Calls `handler` with every card terminal message while a card payment or refund runs. */
export function onCardEvent(handler: (event: CardEventView) => void): Promise<UnlistenFn> {
  return listen<CardEventView>('card-event', (event) => handler(event.payload));
}
