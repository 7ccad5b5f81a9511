// The technician screen's words for how a device is doing and for a pairing: rows of label and
// value for a health card (never colour alone: every state is a word), and one sentence for the
// back end the till is paired with.

import type { DeviceHealthView } from '../bindings/DeviceHealthView';
import type { PairedView } from '../bindings/PairedView';
import { sentence } from './errors';

export type HealthRow = { label: string; value: string };

const STATE_WORDS: Record<string, string> = {
  ok: 'Ready',
  problem: 'Problem',
  offline: 'Offline',
};

/** The rows of a device's health card, terminal and printer each with their own extras. */
export function healthRows(health: DeviceHealthView): HealthRow[] {
  const rows: HealthRow[] = [
    { label: 'Set up', value: health.set_up ? 'Yes' : 'No' },
    { label: 'Connection', value: health.connected ? 'Connected' : 'Disconnected' },
    { label: 'State', value: STATE_WORDS[health.state] ?? 'Unknown' },
    { label: 'Message', value: sentence(health.message) || 'None' },
    { label: 'Last answer', value: health.last_answer_at ?? 'Never' },
    { label: 'Response time', value: health.last_response_ms === null ? 'Not measured' : `${health.last_response_ms} ms` },
    { label: 'Last error', value: health.last_error ? sentence(health.last_error) : 'None' },
  ];
  if (health.role === 'terminal') {
    rows.push(
      { label: 'Terminal id', value: health.terminal_id ?? 'Not reported yet' },
      { label: 'Software version', value: health.software_version ?? 'Not reported yet' },
    );
  } else {
    rows.push({
      label: 'Printer status',
      value: health.printer_flags.length ? health.printer_flags.join(', ') : 'No problem reported',
    });
  }
  return rows;
}

/** "Paired with https://… as Register R1; 3 events waiting." */
export function pairedText(paired: PairedView): string {
  const events = paired.waiting === 1 ? '1 event' : `${paired.waiting} events`;
  return `Paired with ${paired.server_url} as ${paired.register_name}; ${events} waiting.`;
}
