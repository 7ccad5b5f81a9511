// How one device looks in the status bar: a symbol that is never the only cue (a word goes with
// every state but "ok"), a tone for the colour, and its message as one sentence that names it.

import type { DeviceView } from '../bindings/DeviceView';
import { sentence } from './errors';

export type DeviceMark = { symbol: string; word: string; tone: 'ok' | 'problem' | 'offline' | 'unknown' };

export function deviceMark(state: string): DeviceMark {
  switch (state) {
    case 'ok':
      return { symbol: '●', word: '', tone: 'ok' };
    case 'problem':
      return { symbol: '▲', word: 'problem', tone: 'problem' };
    case 'offline':
      return { symbol: '○', word: 'offline', tone: 'offline' };
    default:
      return { symbol: '?', word: 'unknown', tone: 'unknown' };
  }
}

/**
 * The sentence the status bar shows for a device that is not "ok", or "" when there is nothing
 * to say. The back end often names the device itself ("Printer: none set up"); otherwise the
 * name goes in front ("Printer: Paper out — load paper.").
 */
export function deviceSentence(name: string, device: DeviceView): string {
  const message = device.message.trim();
  if (device.state === 'ok' || message === '') return '';
  if (message.toLowerCase().startsWith(name.toLowerCase())) return sentence(message);
  return `${name}: ${sentence(message)}`;
}
