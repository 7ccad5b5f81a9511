// A keyboard-wedge barcode scanner is a keyboard that types very fast: a burst of characters
// a few milliseconds apart, then Enter. A person types the same characters 80–300 ms apart.
// The detector tells the two apart from key timestamps alone, so the scan field can send a
// scanned code straight to `scan` even when the cashier had already typed something into it.

export type Keystroke = {
  /** The printable character typed, or "Enter". */
  key: string;
  /** When it was typed, in milliseconds (any monotonic clock: `event.timeStamp`). */
  timeMs: number;
};

export type ScannerRules = {
  /** A burst shorter than this is typing: no barcode, PLU-with-check or SKU is this short. */
  minChars: number;
  /** Keys further apart than this are a person (strictly less is a scanner). */
  maxGapMs: number;
  /** The most characters remembered: a bound on the buffer, well above any barcode. */
  maxChars: number;
};

export const DEFAULT_RULES: ScannerRules = { minChars: 6, maxGapMs: 30, maxChars: 64 };

/**
 * The scanned code if the keystrokes end with a scanner burst: at least `minChars` printable
 * characters each less than `maxGapMs` after the one before, then Enter also within that gap.
 * Characters typed slowly before the burst are not part of the code. Null when a person typed.
 */
export function detectBurst(strokes: readonly Keystroke[], rules: ScannerRules = DEFAULT_RULES): string | null {
  const last = strokes[strokes.length - 1];
  if (!last || last.key !== 'Enter') return null;
  let time = last.timeMs;
  const burst: string[] = [];
  for (let i = strokes.length - 2; i >= 0; i--) {
    const stroke = strokes[i]!;
    if (stroke.key === 'Enter' || time - stroke.timeMs >= rules.maxGapMs || time < stroke.timeMs) break;
    burst.push(stroke.key);
    time = stroke.timeMs;
  }
  return burst.length >= rules.minChars ? burst.reverse().join('') : null;
}

/** Remembers the keystrokes typed into one field, so its Enter can ask `detectBurst`. */
export class WedgeDetector {
  private strokes: Keystroke[] = [];

  constructor(private readonly rules: ScannerRules = DEFAULT_RULES) {}

  /** A printable character was typed. */
  key(char: string, timeMs: number): void {
    this.strokes.push({ key: char, timeMs });
    if (this.strokes.length > this.rules.maxChars) this.strokes.shift();
  }

  /** Enter was pressed: the scanned code, or null when a person typed. Starts afresh. */
  enter(timeMs: number): string | null {
    const code = detectBurst([...this.strokes, { key: 'Enter', timeMs }], this.rules);
    this.strokes = [];
    return code;
  }

  /** True while the last keys are coming in at scanner speed (so a search can wait). */
  inBurst(nowMs: number): boolean {
    const last = this.strokes[this.strokes.length - 1];
    return last !== undefined && nowMs - last.timeMs < this.rules.maxGapMs;
  }

  /** The field was cleared or edited by other means. */
  reset(): void {
    this.strokes = [];
  }
}
