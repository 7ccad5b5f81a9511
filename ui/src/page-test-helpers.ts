// Shared by the page tests beside App.test.ts: the whole page against the fake back end,
// through the real platform/ipc.ts, with controls found by role and name.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import App from './App.svelte';
import { type FakeBackend, type FakeOptions, installFakeBackend } from './platform/fake-backend';
import { Register } from './state/register.svelte';

/** de-DE formatting as Intl does it (with its no-break spaces). */
export const eur = (minor: number) =>
  new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(minor / 100);

export async function startPage(options: FakeOptions = {}) {
  const fake = installFakeBackend(options);
  const register = new Register();
  render(App, { props: { register } });
  // A person types at least 40 ms apart; a scanner as fast as the events can go.
  const user = userEvent.setup({ delay: 40 });
  const scanner = userEvent.setup({ delay: null });
  return { fake, register, user, scanner };
}

/** Signed in as the cashier (1234) or the manager (9999), on the sell screen. */
export async function signedInAs(pin: '1234' | '9999', options: FakeOptions = {}) {
  const ctx = await startPage(options);
  await ctx.user.type(screen.getByLabelText('PIN'), `${pin}{Enter}`);
  await screen.findByRole('textbox', { name: 'Scan or search' });
  return ctx;
}

export function commands(fake: FakeBackend, cmd: string) {
  return fake.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

export function cartRow(name: string): HTMLElement {
  const cart = screen.getByRole('table', { name: 'Cart' });
  return within(cart).getByRole('rowheader', { name: new RegExp(`^${name}`) }).closest('tr')!;
}

/** Waits for the manager approval dialog and types a PIN into it. */
export async function approveWith(user: ReturnType<typeof userEvent.setup>, pin: string) {
  const dialog = await screen.findByRole('dialog', { name: 'Manager approval' });
  const field = within(dialog).getByLabelText('Manager PIN');
  await waitFor(() => expect(document.activeElement).toBe(field));
  await user.type(field, `${pin}{Enter}`);
  return dialog;
}
