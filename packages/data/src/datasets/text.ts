// Text classification over in-memory texts (browser-safe): IMDB-style tokenised, indexed, padded reviews.
// Items are [sequence, label]: an Int32Array(maxLen) of word indices and a number.
import { checkOptions, optionKeys } from '@flint/core';
import { Dataset, checkIndex } from '../dataset.js';
import type { PadSide } from '../formats/text.js';
import { Vocabulary, padSequence, tokenize } from '../formats/text.js';

/** How texts become fixed-length sequences of word indices (Keras' `pad_sequences` semantics). */
export interface TextOptions {
  /** Word indices in use, counting 0 (pad), 1 (start), 2 (out of vocabulary): vocabSize - 3 words. */
  vocabSize?: number;
  /** Length of every sequence (default 200). */
  maxLen?: number;
  /** Pad short sequences at the start (`'pre'`, default) or the end. */
  padding?: PadSide;
  /** Cut long sequences at the start (`'pre'`, default) or the end. */
  truncating?: PadSide;
}

/** Encoded texts and their labels: item i is [sequence (Int32Array of word indices), label]. */
export class TextClassificationDataset extends Dataset<[Int32Array, number]> {
  /**
   * @param sequences - each item's word indices, padded to the same length
   * @param labels - each item's label
   * @param vocabulary - the vocabulary the indices refer to
   */
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

/**
 * Raw texts and their labels.
 * @property texts - the texts
 * @property labels - one label per text
 */
export interface LabelledTexts { texts: readonly string[]; labels: readonly number[] }

/** Build the vocabulary from `train` (only), then encode `texts` with it. */
export function textClassification(train: LabelledTexts, texts: LabelledTexts, opts: TextOptions = {}): TextClassificationDataset {
  checkOptions('textClassification', opts, optionKeys<TextOptions>()('vocabSize', 'maxLen', 'padding', 'truncating'));
  const { vocabSize = 10000, maxLen = 200 } = opts;
  if (!Number.isInteger(maxLen) || maxLen <= 0) throw new RangeError(`textClassification: maxLen must be a positive integer, got ${maxLen}`);
  const trainTokens = train.texts.map(tokenize);
  const vocab = Vocabulary.fromTexts(trainTokens, vocabSize);
  const tokens = texts === train ? trainTokens : texts.texts.map(tokenize);
  const pad = { padding: opts.padding ?? 'pre', truncating: opts.truncating ?? 'pre' } as const;
  return new TextClassificationDataset(tokens.map((t) => padSequence(vocab.encode(t), maxLen, pad)), texts.labels, vocab);
}
