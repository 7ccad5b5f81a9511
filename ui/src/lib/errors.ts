// Whatever a command rejects with becomes an `ErrorView` with one plain sentence for the cashier.

import type { ErrorView } from '../bindings/ErrorView';

function isErrorView(value: unknown): value is ErrorView {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorView).code === 'string' &&
    typeof (value as ErrorView).message === 'string'
  );
}

/** "printer: paper out" → "Printer: paper out." — capital first letter, a full stop at the end. */
export function sentence(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return '';
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * The back end rejects with `{code, message}`; Tauri itself rejects with a string (an unknown
 * command, a bad argument); code can throw an `Error`. All of them become an `ErrorView`.
 */
export function toErrorView(error: unknown): ErrorView {
  if (isErrorView(error)) {
    return { code: error.code, message: sentence(error.message) || 'Something went wrong.' };
  }
  if (typeof error === 'string') return { code: 'ipc', message: sentence(error) || 'Something went wrong.' };
  if (error instanceof Error) return { code: 'internal', message: sentence(error.message) || 'Something went wrong.' };
  return { code: 'internal', message: 'Something went wrong.' };
}
