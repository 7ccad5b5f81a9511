import { describe, expect, it } from 'vitest';
import { sentence, toErrorView } from './errors';

describe('sentence', () => {
  it('starts with a capital and ends with a full stop', () => {
    expect(sentence('printer: paper out')).toBe('Printer: paper out.');
    expect(sentence('Wrong PIN.')).toBe('Wrong PIN.');
    expect(sentence('  is it on?  ')).toBe('Is it on?');
    expect(sentence('two\n lines')).toBe('Two lines.');
    expect(sentence('')).toBe('');
  });
});

describe('toErrorView', () => {
  it('keeps the code of an ErrorView and tidies its message', () => {
    expect(toErrorView({ code: 'unknown_code', message: 'no product with code 123' })).toEqual({
      code: 'unknown_code',
      message: 'No product with code 123.',
    });
  });

  it('wraps what Tauri and code throw', () => {
    expect(toErrorView('command scan not found')).toEqual({ code: 'ipc', message: 'Command scan not found.' });
    expect(toErrorView(new Error('boom'))).toEqual({ code: 'internal', message: 'Boom.' });
    expect(toErrorView(42)).toEqual({ code: 'internal', message: 'Something went wrong.' });
    expect(toErrorView({ code: 'x', message: '' })).toEqual({ code: 'x', message: 'Something went wrong.' });
  });
});
