// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { SCAN_TO_RENDER, measureScanRendered, measured } from './perf';

describe('scan-to-render timing', () => {
  afterEach(() => {
    performance.clearMeasures(SCAN_TO_RENDER);
    document.body.innerHTML = '';
  });

  it('records one measure per scan, from the scan to the line in the DOM', async () => {
    const started = performance.now();
    const row = document.createElement('tr');
    row.dataset.line = '3';
    document.body.append(row);
    await measureScanRendered(started, 3);
    const measures = performance.getEntriesByName(SCAN_TO_RENDER, 'measure');
    expect(measures).toHaveLength(1);
    expect(measures[0]?.startTime).toBe(started);
    expect(measures[0]?.duration).toBeGreaterThanOrEqual(0);
  });

  it('still records when the line cannot be found, and never throws', async () => {
    await expect(measureScanRendered(performance.now(), undefined)).resolves.toBeUndefined();
    expect(performance.getEntriesByName(SCAN_TO_RENDER, 'measure')).toHaveLength(1);
  });
});

describe('measured', () => {
  it('records how long the work took, also when it fails', async () => {
    await expect(measured('work', async () => 7)).resolves.toBe(7);
    await expect(measured('work', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(performance.getEntriesByName('work', 'measure')).toHaveLength(2);
    performance.clearMeasures('work');
  });
});
