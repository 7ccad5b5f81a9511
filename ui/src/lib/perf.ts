// Scan-to-render timing, measured in the page with the User Timing API: from the moment a
// scan is handed to the register to the moment its cart line is in the DOM and laid out. The
// benchmark (`cargo xtask bench`) reads the "scan-to-render" measures of the real app and
// reports their 95th percentile beside the 16 ms limit (one frame at 60 Hz).
//
// Paint itself is left out on purpose: when a frame is painted depends on the display's
// refresh (up to 16.7 ms later under any load), not on how much work the scan was.

import { tick } from 'svelte';

export const SCAN_TO_RENDER = 'scan-to-render';
/** The part of it spent waiting for the back end (IPC there and back, and the use case). */
export const SCAN_IPC = 'scan-ipc';

/** Runs `work` and records how long it took as a measure named `name`. */
export async function measured<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    try {
      performance.measure(name, { start: started, end: performance.now() });
    } catch {
      // A page without User Timing L3 simply records nothing.
    }
  }
}

/** Records one measure from `started` (a `performance.now()` time) to now, once the DOM holds
 *  the cart line `lineNo` and has laid it out. Never throws: timing must not break a sale. */
export async function measureScanRendered(started: number, lineNo: number | undefined): Promise<void> {
  try {
    await tick();
    const row = lineNo === undefined ? null : document.querySelector<HTMLElement>(`[data-line="${lineNo}"]`);
    // Reading a layout property makes the engine lay the row out now: the line is rendered
    // but for the pixels.
    void row?.offsetHeight;
    performance.measure(SCAN_TO_RENDER, { start: started, end: performance.now() });
  } catch {
    // A page without User Timing L3 simply records nothing.
  }
}
