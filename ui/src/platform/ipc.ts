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
import type { CompletedView } from '../bindings/CompletedView';
import type { QuickKeyView } from '../bindings/QuickKeyView';
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

/** Calls `handler` with every "device-status" the back end pushes. */
export function onDeviceStatus(handler: (status: StatusView) => void): Promise<UnlistenFn> {
  return listen<StatusView>('device-status', (event) => handler(event.payload));
}

/** Calls `handler` with every card terminal message while a card payment runs. */
export function onCardEvent(handler: (event: CardEventView) => void): Promise<UnlistenFn> {
  return listen<CardEventView>('card-event', (event) => handler(event.payload));
}
