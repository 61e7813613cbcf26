// Text classification over in-memory texts (browser-safe): IMDB-style tokenised, indexed, padded reviews.
// Items are [sequence, label]: an Int32Array(maxLen) of word indices and a number.
import { Dataset, checkIndex } from '../dataset.js';
import type { PadSide } from '../formats/text.js';
import { Vocabulary, padSequence, tokenize } from '../formats/text.js';

export interface TextOptions {
  /** Word indices in use, counting 0 (pad), 1 (start), 2 (out of vocabulary): vocabSize - 3 words. */
  vocabSize?: number;
  maxLen?: number;
  padding?: PadSide;
  truncating?: PadSide;
}

export class TextClassificationDataset extends Dataset<[Int32Array, number]> {
  constructor(readonly sequences: readonly Int32Array[], readonly labels: readonly number[], readonly vocabulary: Vocabulary) {
    super();
    if (sequences.length !== labels.length) throw new RangeError(`TextClassificationDataset: ${sequences.length} sequences but ${labels.length} labels`);
  }
  get length(): number { return this.labels.length; }
  getItem(index: number): [Int32Array, number] {
    const i = checkIndex('TextClassificationDataset', index, this.length);
    return [this.sequences[i]!, this.labels[i]!];
  }
}

export interface LabelledTexts { texts: readonly string[]; labels: readonly number[] }

/** Build the vocabulary from `train` (only), then encode `texts` with it. */
export function textClassification(train: LabelledTexts, texts: LabelledTexts, opts: TextOptions = {}): TextClassificationDataset {
  const { vocabSize = 10000, maxLen = 200 } = opts;
  if (!Number.isInteger(maxLen) || maxLen <= 0) throw new RangeError(`textClassification: maxLen must be a positive integer, got ${maxLen}`);
  const trainTokens = train.texts.map(tokenize);
  const vocab = Vocabulary.fromTexts(trainTokens, vocabSize);
  const tokens = texts === train ? trainTokens : texts.texts.map(tokenize);
  const pad = { padding: opts.padding ?? 'pre', truncating: opts.truncating ?? 'pre' } as const;
  return new TextClassificationDataset(tokens.map((t) => padSequence(vocab.encode(t), maxLen, pad)), texts.labels, vocab);
}
