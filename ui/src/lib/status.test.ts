import { describe, expect, it } from 'vitest';
import { deviceMark, deviceSentence } from './status';

describe('deviceMark', () => {
  it('pairs every state but ok with a word, so colour is not the only cue', () => {
    expect(deviceMark('ok')).toEqual({ symbol: '●', word: '', tone: 'ok' });
    expect(deviceMark('offline')).toEqual({ symbol: '○', word: 'offline', tone: 'offline' });
    expect(deviceMark('problem').word).toBe('problem');
    expect(deviceMark('something new').word).toBe('unknown');
  });
});

describe('deviceSentence', () => {
  it('says nothing for a device that is fine or silent', () => {
    expect(deviceSentence('Card terminal', { state: 'ok', message: 'Card terminal ready' })).toBe('');
    expect(deviceSentence('Printer', { state: 'problem', message: '  ' })).toBe('');
  });

  it('does not name the device twice', () => {
    expect(deviceSentence('Printer', { state: 'offline', message: 'Printer: none set up' })).toBe(
      'Printer: none set up.',
    );
    expect(deviceSentence('Back end', { state: 'offline', message: 'back end: not paired' })).toBe(
      'Back end: not paired.',
    );
  });

  it('names the device when the message does not', () => {
    expect(deviceSentence('Printer', { state: 'problem', message: 'paper out — load paper' })).toBe(
      'Printer: Paper out — load paper.',
    );
  });
});
