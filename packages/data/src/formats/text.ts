// Text for IMDB-style classification: Keras-like tokenizer, a vocabulary of the most frequent training
// words (0 = padding, 1 = start, 2 = out of vocabulary, words from 3), fixed-length sequences.

/** Lowercase, drop `<br />`, split on anything but letters and apostrophes. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().replace(/<br\s*\/?>/g, ' ').split(/[^\p{L}']+/u).map((w) => w.replace(/^'+|'+$/g, '')).filter(Boolean);
}

/**
 * Reserved word indices: PAD = 0 (padding), START = 1 (start of a sequence), OOV = 2 (out of vocabulary); words start
 * at FIRST_WORD = 3.
 */
export const PAD = 0, START = 1, OOV = 2, FIRST_WORD = 3;

/** The words of a text dataset and their indices (from FIRST_WORD, most frequent first). */
export class Vocabulary {
  /** word → index (from 3, most frequent first; ties broken alphabetically so the order is stable). */
  readonly index = new Map<string, number>();
  /** The words, by index - FIRST_WORD. */
  readonly words: string[];
  constructor(words: readonly string[]) {
    this.words = [...words];
    this.words.forEach((w, i) => this.index.set(w, i + FIRST_WORD));
  }
  /** The `size` indices in use, counting 0..2 (Keras' num_words): size - 3 words. */
  static fromTexts(texts: Iterable<readonly string[]>, size: number): Vocabulary {
    if (!Number.isInteger(size) || size < FIRST_WORD) throw new RangeError(`Vocabulary: size must be an integer >= ${FIRST_WORD}, got ${size}`);
    const counts = new Map<string, number>();
    for (const tokens of texts) for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Vocabulary(sorted.slice(0, size - FIRST_WORD).map(([w]) => w));
  }
  /** The number of indices in use, counting the three reserved ones. */
  get size(): number { return this.words.length + FIRST_WORD; }
  /** The indices of `tokens`, after START; unknown words become OOV. */
  encode(tokens: readonly string[]): number[] { return [START, ...tokens.map((t) => this.index.get(t) ?? OOV)]; }
}

/** Which end of a sequence is padded or truncated. */
export type PadSide = 'pre' | 'post';

/** Pad with 0 or cut to `maxLen`; 'pre' (Keras' default) pads and truncates at the start. */
export function padSequence(seq: readonly number[], maxLen: number, opts: { padding?: PadSide; truncating?: PadSide } = {}): Int32Array {
  const out = new Int32Array(maxLen);
  const { padding = 'pre', truncating = 'pre' } = opts;
  const kept = seq.length <= maxLen ? seq : truncating === 'pre' ? seq.slice(seq.length - maxLen) : seq.slice(0, maxLen);
  out.set(kept, padding === 'pre' ? maxLen - kept.length : 0);
  return out;
}
