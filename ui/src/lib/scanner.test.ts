import { describe, expect, it } from 'vitest';
import { type Keystroke, WedgeDetector, detectBurst } from './scanner';

/** Keystrokes for `text` starting at `startMs`, `gapMs` apart, then Enter after `enterGapMs`. */
function typed(text: string, startMs: number, gapMs: number, enterGapMs = gapMs): Keystroke[] {
  const strokes = [...text].map((key, i) => ({ key, timeMs: startMs + i * gapMs }));
  const lastMs = strokes.length ? strokes[strokes.length - 1]!.timeMs : startMs;
  return [...strokes, { key: 'Enter', timeMs: lastMs + enterGapMs }];
}

function withoutEnter(strokes: Keystroke[]): Keystroke[] {
  return strokes.slice(0, -1);
}

describe('detectBurst', () => {
  it('recognises an EAN-13 from a scanner (8 ms apart, then Enter)', () => {
    expect(detectBurst(typed('4006381333931', 1000, 8))).toBe('4006381333931');
  });

  it('recognises a short EAN-8 at the 6-character minimum', () => {
    expect(detectBurst(typed('965432', 0, 5))).toBe('965432');
    expect(detectBurst(typed('96543', 0, 5))).toBeNull();
  });

  it('takes a person typing digits for a person', () => {
    expect(detectBurst(typed('4006381333931', 1000, 120))).toBeNull();
  });

  it('takes a fast typist for a person when some keys are 30 ms or more apart', () => {
    expect(detectBurst(typed('4006381', 0, 30))).toBeNull();
    expect(detectBurst(typed('4006381', 0, 29))).toBe('4006381');
  });

  it('needs the Enter to come at scanner speed too', () => {
    expect(detectBurst(typed('4006381333931', 0, 8, 400))).toBeNull();
  });

  it('needs an Enter at the end', () => {
    expect(detectBurst(withoutEnter(typed('4006381333931', 0, 8)))).toBeNull();
    expect(detectBurst([])).toBeNull();
  });

  it('keeps only the burst when a person had typed something before the scan', () => {
    const person = withoutEnter(typed('app', 0, 150));
    const scan = typed('4006381333931', 1000, 6);
    expect(detectBurst([...person, ...scan])).toBe('4006381333931');
  });

  it('does not run a burst across an earlier Enter', () => {
    const first = typed('123', 0, 5);
    const second = typed('456', 20, 5);
    expect(detectBurst([...first, ...second])).toBeNull();
  });
});

describe('WedgeDetector', () => {
  it('reports a scan on Enter and then starts afresh', () => {
    const d = new WedgeDetector();
    for (const s of withoutEnter(typed('4006381333931', 500, 7))) d.key(s.key, s.timeMs);
    expect(d.inBurst(500 + 12 * 7 + 5)).toBe(true);
    expect(d.enter(500 + 13 * 7)).toBe('4006381333931');
    expect(d.enter(600)).toBeNull();
  });

  it('reports a person as null', () => {
    const d = new WedgeDetector();
    for (const s of withoutEnter(typed('milk', 0, 180))) d.key(s.key, s.timeMs);
    expect(d.inBurst(10_000)).toBe(false);
    expect(d.enter(900)).toBeNull();
  });

  it('remembers a bounded number of keys', () => {
    const d = new WedgeDetector({ minChars: 6, maxGapMs: 30, maxChars: 8 });
    for (const s of withoutEnter(typed('12345678901234567890', 0, 5))) d.key(s.key, s.timeMs);
    expect(d.enter(100)).toBe('34567890');
  });

  it('forgets keys on reset', () => {
    const d = new WedgeDetector();
    for (const s of withoutEnter(typed('4006381333931', 0, 5))) d.key(s.key, s.timeMs);
    d.reset();
    expect(d.enter(70)).toBeNull();
  });
});
