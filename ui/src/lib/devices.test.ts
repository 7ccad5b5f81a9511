import { describe, expect, it } from 'vitest';
import type { DeviceHealthView } from '../bindings/DeviceHealthView';
import { healthRows, pairedText } from './devices';

const health = (over: Partial<DeviceHealthView>): DeviceHealthView => ({
  role: 'terminal',
  set_up: true,
  connected: true,
  state: 'ok',
  message: 'card terminal: ready',
  last_answer_at: '2026-11-22 14:05',
  last_response_ms: 42,
  last_error: null,
  terminal_id: '52500123',
  software_version: 'GT800 v2.14',
  printer_flags: [],
  ...over,
});

const asObject = (h: DeviceHealthView) => Object.fromEntries(healthRows(h).map((r) => [r.label, r.value]));

describe('healthRows', () => {
  it('says everything about a terminal in words', () => {
    expect(asObject(health({}))).toEqual({
      'Set up': 'Yes',
      Connection: 'Connected',
      State: 'Ready',
      Message: 'Card terminal: ready.',
      'Last answer': '2026-11-22 14:05',
      'Response time': '42 ms',
      'Last error': 'None',
      'Terminal id': '52500123',
      'Software version': 'GT800 v2.14',
    });
  });

  it('says what is not known and lists the printer status flags', () => {
    const rows = asObject(
      health({
        role: 'printer',
        connected: false,
        state: 'problem',
        last_answer_at: null,
        last_response_ms: null,
        last_error: 'paper out',
        printer_flags: ['paper out', 'cover open'],
      }),
    );
    expect(rows).toMatchObject({
      Connection: 'Disconnected',
      State: 'Problem',
      'Last answer': 'Never',
      'Response time': 'Not measured',
      'Last error': 'Paper out.',
      'Printer status': 'paper out, cover open',
    });
    expect(rows['Terminal id']).toBeUndefined();
    expect(asObject(health({ role: 'printer' }))['Printer status']).toBe('No problem reported');
    expect(asObject(health({ state: 'whatever' })).State).toBe('Unknown');
  });
});

describe('pairedText', () => {
  it('names the server, the register and what waits', () => {
    const paired = { server_url: 'https://pos.example', device_id: 'x', register_name: 'Register R1', waiting: 3 };
    expect(pairedText(paired)).toBe('Paired with https://pos.example as Register R1; 3 events waiting.');
    expect(pairedText({ ...paired, waiting: 1 })).toBe('Paired with https://pos.example as Register R1; 1 event waiting.');
  });
});
